"""Instance action bodies (``os-instance-actions``, as at 2.1)."""

from __future__ import annotations

from nova_lite.api import views

ACTION_KEYS = ("action", "instance_uuid", "request_id", "user_id", "project_id", "message")


def action(instance_action) -> dict:
    body = {key: getattr(instance_action, key) for key in ACTION_KEYS}
    body["start_time"] = views.strtime(instance_action.start_time)
    return body


def event(action_event, show_traceback: bool) -> dict:
    body = {
        "event": action_event.event,
        "start_time": views.strtime(action_event.start_time),
        "finish_time": views.strtime(action_event.finish_time),
        "result": action_event.result,
    }
    if show_traceback:
        body["traceback"] = action_event.traceback
    return body
