"""POST /servers/{id}/action: one handler per action key of the body."""

from __future__ import annotations

import contextlib

import webob
from oslo_utils import strutils, uuidutils

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.handlers import servers
from nova_lite.api.handlers.servers import compute
from nova_lite.api.schemas import server_actions as schemas
from nova_lite.api.views import servers as views
from nova_lite.compute import vm_states
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


@handler.handler(status=202, schema=schemas.lock_v273, min_version="2.73")
@handler.handler(status=202, schema=schemas.lock, max_version="2.72")
def lock(req: webob.Request, server_id: str, body: dict) -> None:
    """Lock; from 2.73 with an optional reason."""
    context, instance = _instance(req, server_id, "os_compute_api:os-lock-server:lock")
    reason = None
    if handler.is_supported(req, "2.73") and body["lock"] is not None:
        reason = body["lock"].get("locked_reason")
    compute().lock(context, instance, reason)


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


@handler.handler(status=202, schema=schemas.migrate_v256, min_version="2.56")
@handler.handler(status=202, max_version="2.55")
def migrate(req: webob.Request, server_id: str, body: dict | None = None) -> None:
    """Cold migration; from 2.56 to a named host (checked by the scheduler)."""
    host = (body["migrate"] or {}).get("host") if body is not None else None
    rule = "os_compute_api:os-migrate-server:migrate" + (":host" if host else "")
    context, instance = _instance(req, server_id, rule)
    with _nova_errors("migrate", server_id):
        try:
            compute().resize(context, instance, host_name=host)
        except exception.ComputeHostNotFound as error:
            raise exception.InvalidRequest(reason=error.format_message()) from None


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
# Rebuild attributes to instance fields, and the microversion that allows each.
_REBUILD_UPDATES = (
    ("2.1", "accessIPv4", "access_ip_v4"),
    ("2.1", "accessIPv6", "access_ip_v6"),
    ("2.19", "description", "display_description"),
    ("2.54", "key_name", "key_name"),
    ("2.57", "user_data", "user_data"),
    ("2.90", "hostname", "hostname"),
)


@handler.handler(status=202, schema=schemas.rebuild_v294, min_version="2.94")
@handler.handler(status=202, schema=schemas.rebuild_v290, min_version="2.90", max_version="2.93")
@handler.handler(status=202, schema=schemas.rebuild_v257, min_version="2.57", max_version="2.89")
@handler.handler(status=202, schema=schemas.rebuild_v254, min_version="2.54", max_version="2.56")
@handler.handler(status=202, schema=schemas.rebuild_v219, min_version="2.19", max_version="2.53")
@handler.handler(status=202, schema=schemas.rebuild, max_version="2.18")
def rebuild(req: webob.Request, server_id: str, body: dict) -> dict:
    """Rebuild; the answer is PUT's body (the show body from 2.75), with the
    key name from 2.54, user_data from 2.57 and the admin password."""
    rebuild = body["rebuild"]
    image_id = servers._image_id(rebuild["imageRef"])
    password = servers.admin_password(rebuild.get("adminPass"))
    context, instance = _instance(req, server_id, "os_compute_api:servers:rebuild")
    updates = {
        field: rebuild[key]
        for since, key, field in _REBUILD_UPDATES
        if key in rebuild and handler.is_supported(req, since)
    }
    with (
        _nova_errors("rebuild", server_id),
        servers.image_not_found_as_bad_request("Cannot find image for rebuild"),
    ):
        compute().rebuild(
            context,
            instance,
            image_id,
            password,
            name=rebuild.get("name"),
            metadata=rebuild.get("metadata"),
            updates=updates,
        )
    instance = servers.get_for_view(req, server_id)
    viewer = views.Viewer.of(req, instance.project_id)
    server = views.update(req, instance, viewer, key_name=handler.is_supported(req, "2.54"))
    server.pop("OS-EXT-SRV-ATTR:user_data", None)
    servers.with_password(server, password)
    if handler.is_supported(req, "2.57"):
        server["user_data"] = instance.user_data
    return {"server": server}


@handler.handler(status=200, schema=schemas.rescue)
def rescue(req: webob.Request, server_id: str, body: dict) -> dict:
    options = body["rescue"] or {}
    image_ref = options.get("rescue_image_ref")
    if image_ref is not None and not uuidutils.is_uuid_like(image_ref):
        raise exception.InvalidRequest(reason="Invalid rescue_image_ref provided.")
    password = servers.admin_password(options.get("adminPass"))
    context, instance = _instance(req, server_id, "os_compute_api:os-rescue")
    with _nova_errors("rescue", server_id):
        compute().rescue(context, instance, password, image_ref)
    return servers.with_password({}, password)


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
def _force(params: dict, host: str | None) -> bool:
    """The ``force`` of 2.29/2.30 to 2.67, which needs a host."""
    force = strutils.bool_from_string(params.get("force", False), strict=True)
    if force and not host:
        raise exception.InvalidRequest(reason="Can't force to a non-provided destination")
    return force


@handler.handler(status=202, schema=schemas.migrate_live_v225, min_version="2.68")
@handler.handler(
    status=202, schema=schemas.migrate_live_v230, min_version="2.30", max_version="2.67"
)
@handler.handler(
    status=202, schema=schemas.migrate_live_v225, min_version="2.25", max_version="2.29"
)
@handler.handler(status=202, schema=schemas.migrate_live, max_version="2.24")
def migrate_live(req: webob.Request, server_id: str, body: dict) -> None:
    """Live migration: block_migration may be "auto" and disk_over_commit is
    gone from 2.25; a named host is checked by the scheduler from 2.30
    unless forced (and always from 2.68)."""
    params = body["os-migrateLive"]
    host = params["host"]
    rule = "os_compute_api:os-migrate-server:migrate_live" + (":host" if host else "")
    context, instance = _instance(req, server_id, rule)
    block_migration = params["block_migration"]
    if handler.is_supported(req, "2.25"):
        disk_over_commit = None
        block_migration = (
            None
            if block_migration == "auto"
            else strutils.bool_from_string(block_migration, strict=True)
        )
    else:
        disk_over_commit = strutils.bool_from_string(params["disk_over_commit"], strict=True)
        block_migration = strutils.bool_from_string(block_migration, strict=True)
    force = _force(params, host) if handler.is_supported(req, "2.30") else None
    with _nova_errors("os-migrateLive", server_id):
        try:
            compute().live_migrate(
                context, instance, block_migration, disk_over_commit, host, force=force
            )
        except exception.ComputeHostNotFound as error:
            raise exception.InvalidRequest(reason=error.format_message()) from None


# -- evacuation --
@handler.handler(status=200, schema=schemas.evacuate_v214, min_version="2.68")
@handler.handler(status=200, schema=schemas.evacuate_v229, min_version="2.29", max_version="2.67")
@handler.handler(status=200, schema=schemas.evacuate_v214, min_version="2.14", max_version="2.28")
@handler.handler(status=200, schema=schemas.evacuate, max_version="2.13")
def evacuate(req: webob.Request, server_id: str, body: dict) -> dict | None:
    """Answers 200 (not 202): before 2.14 with the password set on the rebuilt
    guest (None when its disk is kept on shared storage), from 2.14 (which
    detects shared storage itself) with no body. A named host is checked by
    the scheduler from 2.29 unless forced (always from 2.68); from 2.95 the
    evacuated server ends stopped."""
    context, instance = _instance(req, server_id, "os_compute_api:os-evacuate")
    params = body["evacuate"]
    host = params.get("host")
    on_shared_storage = None
    force = _force(params, host) if handler.is_supported(req, "2.29") else None
    if handler.is_supported(req, "2.14"):
        password = servers.admin_password(params.get("adminPass"))
    else:
        on_shared_storage = strutils.bool_from_string(params["onSharedStorage"], strict=True)
        password = None
        if "adminPass" in params:
            if on_shared_storage:
                raise exception.InvalidRequest(
                    reason="admin password can't be changed on existing disk"
                )
            password = params["adminPass"]
        elif not on_shared_storage:
            password = servers.admin_password(None)
    if host is not None:
        try:
            Service.get_by_host_and_binary(context, host, "nova-compute")
        except exception.ComputeHostNotFound:
            raise exception.NotFound(f"Compute host {host} not found.") from None
    if instance.host == host:
        raise exception.InvalidRequest(reason="The target host can't be the same one.")
    target_state = vm_states.STOPPED if handler.is_supported(req, "2.95") else None
    with _nova_errors("evacuate", server_id):
        compute().evacuate(
            context, instance, host, on_shared_storage, password, force, target_state
        )
    return None if handler.is_supported(req, "2.14") else servers.with_password({}, password)


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
