"""POST /servers/{id}/action: one handler per action key of the body."""

from __future__ import annotations

import webob

from nova_lite.api import handler, policy
from nova_lite.api.handlers.servers import compute
from nova_lite.api.schemas import server_actions as schemas


def _instance(req: webob.Request, server_id: str, rule: str):
    """The caller's instance, after checking ``rule`` against its project."""
    context = handler.context_of(req)
    instance = compute().get(context, server_id)
    policy.authorize(
        context, rule, {"project_id": instance.project_id, "user_id": instance.user_id}
    )
    return context, instance


@handler.handler(status=202, schema=schemas.start)
def start(req: webob.Request, server_id: str, body: dict) -> None:
    compute().start(*_instance(req, server_id, "os_compute_api:servers:start"))


@handler.handler(status=202, schema=schemas.stop)
def stop(req: webob.Request, server_id: str, body: dict) -> None:
    compute().stop(*_instance(req, server_id, "os_compute_api:servers:stop"))


@handler.handler(status=202, schema=schemas.reboot)
def reboot(req: webob.Request, server_id: str, body: dict) -> None:
    context, instance = _instance(req, server_id, "os_compute_api:servers:reboot")
    compute().reboot(context, instance, body["reboot"]["type"].upper())


@handler.handler(status=202, schema=schemas.pause)
def pause(req: webob.Request, server_id: str, body: dict) -> None:
    compute().pause(*_instance(req, server_id, "os_compute_api:os-pause-server:pause"))


@handler.handler(status=202, schema=schemas.unpause)
def unpause(req: webob.Request, server_id: str, body: dict) -> None:
    compute().unpause(*_instance(req, server_id, "os_compute_api:os-pause-server:unpause"))


@handler.handler(status=202, schema=schemas.suspend)
def suspend(req: webob.Request, server_id: str, body: dict) -> None:
    compute().suspend(*_instance(req, server_id, "os_compute_api:os-suspend-server:suspend"))


@handler.handler(status=202, schema=schemas.resume)
def resume(req: webob.Request, server_id: str, body: dict) -> None:
    compute().resume(*_instance(req, server_id, "os_compute_api:os-suspend-server:resume"))


@handler.handler(status=202, schema=schemas.lock)
def lock(req: webob.Request, server_id: str, body: dict) -> None:
    context, instance = _instance(req, server_id, "os_compute_api:os-lock-server:lock")
    compute().lock(context, instance, (body["lock"] or {}).get("locked_reason"))


@handler.handler(status=202, schema=schemas.unlock)
def unlock(req: webob.Request, server_id: str, body: dict) -> None:
    context, instance = _instance(req, server_id, "os_compute_api:os-lock-server:unlock")
    if instance.locked_by == "admin":
        policy.authorize(
            context,
            "os_compute_api:os-lock-server:unlock:unlock_override",
            {"project_id": instance.project_id},
        )
    compute().unlock(context, instance)


@handler.handler(status=202, schema=schemas.reset_state)
def reset_state(req: webob.Request, server_id: str, body: dict) -> None:
    context, instance = _instance(req, server_id, "os_compute_api:os-admin-actions:reset_state")
    compute().reset_state(context, instance, body["os-resetState"]["state"])


@handler.handler(status=200, schema=schemas.console_output)
def console_output(req: webob.Request, server_id: str, body: dict) -> dict:
    context, instance = _instance(req, server_id, "os_compute_api:os-console-output")
    length = (body["os-getConsoleOutput"] or {}).get("length")
    length = None if length in (None, -1, "-1") else int(length)
    return {"output": compute().get_console_output(context, instance, length)}


ACTIONS = {
    "os-start": [start],
    "os-stop": [stop],
    "reboot": [reboot],
    "pause": [pause],
    "unpause": [unpause],
    "suspend": [suspend],
    "resume": [resume],
    "lock": [lock],
    "unlock": [unlock],
    "os-resetState": [reset_state],
    "os-getConsoleOutput": [console_output],
}
