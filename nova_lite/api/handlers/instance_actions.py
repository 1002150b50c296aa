"""/servers/{id}/os-instance-actions: what was done to a server, and its events.

From 2.21 the actions of deleted servers are shown too; from 2.51 every
caller who may see an action sees its events (the traceback stays behind
the ``events`` policy); 2.58 pages the list and filters on changes-since
(changes-before from 2.66).
"""

from __future__ import annotations

import copy

import webob

from nova_lite import exception
from nova_lite.api import handler, pagination, policy
from nova_lite.api.handlers.servers import compute
from nova_lite.api.schemas import instance_actions as schemas
from nova_lite.api.views import instance_actions as views
from nova_lite.objects.instance_action import (
    InstanceAction,
    InstanceActionEventList,
    InstanceActionList,
)


def _instance(req: webob.Request, server_id: str, rule: str):
    context = handler.context_of(req)
    reader = context
    if handler.is_supported(req, "2.21"):
        reader = copy.copy(context)
        reader.read_deleted = "yes"
    instance = compute().get(reader, server_id)
    target = {"project_id": instance.project_id}
    policy.authorize(context, rule, target)
    return context, instance, target


@handler.handler(max_version="2.57")
@handler.handler(query=schemas.index_query_v258, min_version="2.58", max_version="2.65")
@handler.handler(query=schemas.index_query_v266, min_version="2.66")
def index(req: webob.Request, server_id: str) -> dict:
    context, instance, _ = _instance(req, server_id, "os_compute_api:os-instance-actions:list")
    limit = marker = None
    filters: dict = {}
    if handler.is_supported(req, "2.58"):
        limit, marker = pagination.limit_and_marker(req)
        filters = pagination.changes_filters(req, before=handler.is_supported(req, "2.66"))
    actions = InstanceActionList.get_by_instance_uuid(
        context, instance.uuid, limit=limit, marker=marker, filters=filters
    )
    return views.actions(req, server_id, actions)


@handler.handler()
def show(req: webob.Request, server_id: str, request_id: str) -> dict:
    context, instance, target = _instance(req, server_id, "os_compute_api:os-instance-actions:show")
    action = InstanceAction.get_by_request_id(context, instance.uuid, request_id)
    if action is None:
        raise exception.NotFound(message=f"Action {request_id} not found")
    body = views.action(req, action)
    privileged = policy.allowed(context, "os_compute_api:os-instance-actions:events", target)
    if privileged or handler.is_supported(req, "2.51"):
        details = handler.is_supported(req, "2.84") and policy.allowed(
            context, "os_compute_api:os-instance-actions:events:details", target
        )
        project_id = action.project_id or instance.project_id
        events = InstanceActionEventList.get_by_action(context, action.id)
        body["events"] = [views.event(req, e, project_id, privileged, details) for e in events]
    return {"instanceAction": body}
