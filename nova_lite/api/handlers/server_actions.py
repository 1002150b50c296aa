"""POST /servers/{id}/action: one handler per action key of the body."""

from __future__ import annotations

import contextlib

import webob

from nova_lite import exception
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


# -- cold migration and resize --
@contextlib.contextmanager
def _nova_errors(action: str, server_id: str):
    """Nova's answers of the move actions: 409 naming the API action, 400 for
    an unknown flavor or a server that was not resized."""
    try:
        yield
    except exception.InstanceInvalidState as error:
        raise exception.InstanceInvalidState(
            attr=error.kwargs.get("attr"),
            state=error.kwargs.get("state"),
            method=action,
            instance_uuid=server_id,
        ) from None
    except exception.FlavorNotFound as error:
        raise exception.InvalidRequest(reason=error.format_message()) from None
    except exception.MigrationNotFound:
        raise exception.InvalidRequest(reason="Instance has not been resized.") from None


@handler.handler(status=202, schema=schemas.migrate)
def migrate(req: webob.Request, server_id: str, body: dict) -> None:
    context, instance = _instance(req, server_id, "os_compute_api:os-migrate-server:migrate")
    with _nova_errors("migrate", server_id):
        compute().resize(context, instance)


@handler.handler(status=202, schema=schemas.resize)
def resize(req: webob.Request, server_id: str, body: dict) -> None:
    context, instance = _instance(req, server_id, "os_compute_api:servers:resize")
    flavor_id = str(body["resize"]["flavorRef"]).rstrip("/").rsplit("/", 1)[-1]
    with _nova_errors("resize", server_id):
        compute().resize(context, instance, flavor_id)


@handler.handler(status=204, schema=schemas.confirm_resize)
def confirm_resize(req: webob.Request, server_id: str, body: dict) -> None:
    context, instance = _instance(req, server_id, "os_compute_api:servers:confirm_resize")
    with _nova_errors("confirmResize", server_id):
        compute().confirm_resize(context, instance)


@handler.handler(status=202, schema=schemas.revert_resize)
def revert_resize(req: webob.Request, server_id: str, body: dict) -> None:
    context, instance = _instance(req, server_id, "os_compute_api:servers:revert_resize")
    with _nova_errors("revertResize", server_id):
        compute().revert_resize(context, instance)


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
    "migrate": [migrate],
    "resize": [resize],
    "confirmResize": [confirm_resize],
    "revertResize": [revert_resize],
}
