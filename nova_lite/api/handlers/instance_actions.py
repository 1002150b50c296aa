"""/servers/{id}/os-instance-actions: what was done to a server, and its events."""

from __future__ import annotations

import webob

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.handlers.servers import compute
from nova_lite.api.views import instance_actions as views
from nova_lite.objects.instance_action import (
    InstanceAction,
    InstanceActionEventList,
    InstanceActionList,
)


def _instance(req: webob.Request, server_id: str, rule: str):
    context = handler.context_of(req)
    instance = compute().get(context, server_id)
    target = {"project_id": instance.project_id}
    policy.authorize(context, rule, target)
    return context, instance, target


@handler.handler()
def index(req: webob.Request, server_id: str) -> dict:
    context, instance, _ = _instance(req, server_id, "os_compute_api:os-instance-actions:list")
    actions = InstanceActionList.get_by_instance_uuid(context, instance.uuid)
    return {"instanceActions": [views.action(a) for a in actions]}


@handler.handler()
def show(req: webob.Request, server_id: str, request_id: str) -> dict:
    context, instance, target = _instance(req, server_id, "os_compute_api:os-instance-actions:show")
    action = InstanceAction.get_by_request_id(context, instance.uuid, request_id)
    if action is None:
        raise exception.NotFound(message=f"Action {request_id} not found")
    body = views.action(action)
    # Before 2.51 only those allowed the events (admins) see them, traceback included.
    if policy.allowed(context, "os_compute_api:os-instance-actions:events", target):
        events = InstanceActionEventList.get_by_action(context, action.id)
        body["events"] = [views.event(e, show_traceback=True) for e in events]
    return {"instanceAction": body}
