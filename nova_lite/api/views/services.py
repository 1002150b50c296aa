"""Service bodies: ``forced_down`` from 2.11, the uuid as ``id`` from 2.53."""

from __future__ import annotations

import webob

from nova_lite.api import handler, views

COMPUTE_BINARY = "nova-compute"


def detail(req: webob.Request, service, zone: str) -> dict:
    """One service of GET /os-services (and the answer of PUT from 2.53), in
    ``zone`` (see nova_lite.availability_zones.service_zones)."""
    body = {
        "id": service.uuid if handler.is_supported(req, "2.53") else service.id,
        "binary": service.binary,
        "host": service.host,
        "zone": zone,
        "status": "disabled" if service.disabled else "enabled",
        "state": "up" if service.is_up() else "down",
        "updated_at": views.strtime(service.updated_at),
        "disabled_reason": service.disabled_reason,
    }
    if handler.is_supported(req, "2.11"):
        body["forced_down"] = service.forced_down
    return body
