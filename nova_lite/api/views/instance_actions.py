"""Instance action bodies (``os-instance-actions``), per microversion.

2.58 adds the action's ``updated_at``; 2.62 the event's ``hostId`` (and
``host`` for those who may see tracebacks); 2.84 the event's ``details``.
"""

from __future__ import annotations

import webob

from nova_lite.api import handler, pagination, views
from nova_lite.api.views.servers import host_id

ACTION_KEYS = ("action", "instance_uuid", "request_id", "user_id", "project_id", "message")


def action(req: webob.Request, instance_action) -> dict:
    body = {key: getattr(instance_action, key) for key in ACTION_KEYS}
    body["start_time"] = views.strtime(instance_action.start_time)
    if handler.is_supported(req, "2.58"):
        body["updated_at"] = views.strtime(instance_action.updated_at)
    return body


def actions(req: webob.Request, server_id: str, instance_actions) -> dict:
    """GET /servers/{id}/os-instance-actions; from 2.58 ``links`` after a full page."""
    body = {"instanceActions": [action(req, a) for a in instance_actions]}
    if handler.is_supported(req, "2.58"):
        collection = f"servers/{server_id}/os-instance-actions"
        links = pagination.next_links(req, collection, [a.request_id for a in instance_actions])
        if links:
            body["links"] = links
    return body


def event(
    req: webob.Request,
    action_event,
    project_id: str,
    privileged: bool = False,
    details: bool = False,
) -> dict:
    """One event: ``privileged`` viewers also see its traceback (and host from 2.62)."""
    body = {
        "event": action_event.event,
        "start_time": views.strtime(action_event.start_time),
        "finish_time": views.strtime(action_event.finish_time),
        "result": action_event.result,
    }
    if privileged:
        body["traceback"] = action_event.traceback
    if handler.is_supported(req, "2.62"):
        if privileged:
            body["host"] = action_event.host
        body["hostId"] = host_id(project_id, action_event.host)
    if details:
        body["details"] = action_event.details
    return body
