"""POST /servers/{id}/action: one handler per action key of the body."""

from __future__ import annotations

import contextlib
import secrets
import string

import webob
from oslo_utils import strutils, uuidutils

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.handlers import servers
from nova_lite.api.handlers.servers import compute
from nova_lite.api.schemas import server_actions as schemas
from nova_lite.api.views import servers as views
from nova_lite.objects.service import Service


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


# -- rebuild, rescue, admin password, force delete --
def _password(given: str | None) -> str:
    """The caller's password, or a generated one (Nova's utils.generate_password)."""
    if given is not None:
        return given
    symbols = string.ascii_letters + string.digits
    return "".join(secrets.choice(symbols) for _ in range(12))


@handler.handler(status=202, schema=schemas.rebuild)
def rebuild(req: webob.Request, server_id: str, body: dict) -> dict:
    rebuild = body["rebuild"]
    image_id = servers._image_id(rebuild["imageRef"])
    password = _password(rebuild.get("adminPass"))
    context, instance = _instance(req, server_id, "os_compute_api:servers:rebuild")
    with _nova_errors("rebuild", server_id):
        compute().rebuild(
            context,
            instance,
            image_id,
            password,
            name=rebuild.get("name"),
            metadata=rebuild.get("metadata"),
        )
    server = views.detail(req, instance, policy.check_is_admin(context))
    server["adminPass"] = password
    return {"server": server}


@handler.handler(status=200, schema=schemas.rescue)
def rescue(req: webob.Request, server_id: str, body: dict) -> dict:
    options = body["rescue"] or {}
    image_ref = options.get("rescue_image_ref")
    if image_ref is not None and not uuidutils.is_uuid_like(image_ref):
        raise exception.InvalidRequest(reason="Invalid rescue_image_ref provided.")
    password = _password(options.get("adminPass"))
    context, instance = _instance(req, server_id, "os_compute_api:os-rescue")
    with _nova_errors("rescue", server_id):
        compute().rescue(context, instance, password, image_ref)
    return {"adminPass": password}


@handler.handler(status=202, schema=schemas.unrescue)
def unrescue(req: webob.Request, server_id: str, body: dict) -> None:
    context, instance = _instance(req, server_id, "os_compute_api:os-unrescue")
    with _nova_errors("unrescue", server_id):
        compute().unrescue(context, instance)


@handler.handler(status=202, schema=schemas.change_password)
def change_password(req: webob.Request, server_id: str, body: dict) -> None:
    context, instance = _instance(req, server_id, "os_compute_api:os-admin-password")
    with _nova_errors("changePassword", server_id):
        compute().set_admin_password(context, instance, body["changePassword"]["adminPass"])


@handler.handler(status=202, schema=schemas.force_delete)
def force_delete(req: webob.Request, server_id: str, body: dict) -> None:
    context, instance = _instance(req, server_id, "os_compute_api:os-deferred-delete:force")
    with _nova_errors("forceDelete", server_id):
        compute().force_delete(context, instance)


# -- live migration --
@handler.handler(status=202, schema=schemas.migrate_live)
def migrate_live(req: webob.Request, server_id: str, body: dict) -> None:
    context, instance = _instance(req, server_id, "os_compute_api:os-migrate-server:migrate_live")
    params = body["os-migrateLive"]
    with _nova_errors("os-migrateLive", server_id):
        try:
            compute().live_migrate(
                context,
                instance,
                strutils.bool_from_string(params["block_migration"], strict=True),
                strutils.bool_from_string(params["disk_over_commit"], strict=True),
                params["host"],
            )
        except exception.ComputeHostNotFound as error:
            raise exception.InvalidRequest(reason=error.format_message()) from None


# -- evacuation --
@handler.handler(status=200, schema=schemas.evacuate)
def evacuate(req: webob.Request, server_id: str, body: dict) -> dict:
    """Nova 2.1: answers 200 (not 202) with the password set on the rebuilt
    guest, None when its disk is kept on shared storage."""
    context, instance = _instance(req, server_id, "os_compute_api:os-evacuate")
    params = body["evacuate"]
    host = params.get("host")
    on_shared_storage = strutils.bool_from_string(params["onSharedStorage"], strict=True)
    password = None
    if "adminPass" in params:
        if on_shared_storage:
            raise exception.InvalidRequest(
                reason="admin password can't be changed on existing disk"
            )
        password = params["adminPass"]
    elif not on_shared_storage:
        password = _password(None)
    if host is not None:
        try:
            Service.get_by_host_and_binary(context, host, "nova-compute")
        except exception.ComputeHostNotFound:
            raise exception.NotFound(f"Compute host {host} not found.") from None
    if instance.host == host:
        raise exception.InvalidRequest(reason="The target host can't be the same one.")
    with _nova_errors("evacuate", server_id):
        compute().evacuate(context, instance, host, on_shared_storage, password)
    return {"adminPass": password}


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
    "rebuild": [rebuild],
    "rescue": [rescue],
    "unrescue": [unrescue],
    "changePassword": [change_password],
    "forceDelete": [force_delete],
    "os-migrateLive": [migrate_live],
    "evacuate": [evacuate],
}
