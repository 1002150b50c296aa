"""The shelve, shelveOffload and unshelve server actions."""

from __future__ import annotations

import webob

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.handlers.server_images import named_conflict
from nova_lite.api.handlers.servers import compute
from nova_lite.api.schemas import shelve as schemas

RULE = "os_compute_api:os-shelve:%s"


def _instance(req: webob.Request, server_id: str, rule: str, with_user: bool = True):
    context = handler.context_of(req)
    instance = compute().get(context, server_id)
    target = {"project_id": instance.project_id}
    if with_user:
        target["user_id"] = instance.user_id
    policy.authorize(context, RULE % rule, target)
    return context, instance


@handler.handler(status=202, schema=schemas.shelve)
def shelve(req: webob.Request, server_id: str, body: dict) -> None:
    context, instance = _instance(req, server_id, "shelve")
    with named_conflict("shelve", server_id):
        compute().shelve(context, instance)


@handler.handler(status=202, schema=schemas.shelve_offload)
def shelve_offload(req: webob.Request, server_id: str, body: dict) -> None:
    context, instance = _instance(req, server_id, "shelve_offload")
    with named_conflict("shelveOffload", server_id):
        compute().shelve_offload(context, instance)


@handler.handler(status=202, schema=schemas.unshelve_v291, min_version="2.91")
@handler.handler(status=202, schema=schemas.unshelve_v277, min_version="2.77", max_version="2.90")
@handler.handler(status=202, schema=schemas.unshelve, max_version="2.76")
def unshelve(req: webob.Request, server_id: str, body: dict) -> None:
    """From 2.77 an offloaded server may be unshelved into another availability
    zone; from 2.91 onto a host (admins) and out of its zone (null)."""
    context, instance = _instance(req, server_id, "unshelve", with_user=False)
    params = body["unshelve"] if handler.is_supported(req, "2.77") else None
    kwargs = {}
    if params:
        if "availability_zone" in params:
            kwargs.update(new_az=params["availability_zone"], az_given=True)
        if handler.is_supported(req, "2.91"):
            kwargs["host"] = params.get("host")
    with named_conflict("unshelve", server_id):
        try:
            compute().unshelve(context, instance, **kwargs)
        except exception.ComputeHostNotFound as error:
            raise exception.InvalidRequest(reason=error.format_message()) from None


ACTIONS = {
    "shelve": [shelve],
    "shelveOffload": [shelve_offload],
    "unshelve": [unshelve],
}
