"""/servers/{id}/ips: the server's addresses by network.

nova-lite has no networking service yet, so a server is on no network.
"""

from __future__ import annotations

import webob

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.handlers.servers import compute


def _networks(req: webob.Request, server_id: str, rule: str) -> dict:
    context = handler.context_of(req)
    instance = compute().get(context, server_id)
    policy.authorize(context, rule, {"project_id": instance.project_id})
    return {}


@handler.handler()
def index(req: webob.Request, server_id: str) -> dict:
    return {"addresses": _networks(req, server_id, "os_compute_api:ips:index")}


@handler.handler()
def show(req: webob.Request, server_id: str, network: str) -> dict:
    networks = _networks(req, server_id, "os_compute_api:ips:show")
    if network not in networks:
        raise exception.NotFound(message="Instance is not a member of specified network")
    return {network: networks[network]}
