"""Server bodies and the status string derived from vm_state/task_state."""

from __future__ import annotations

import hashlib

import webob

from nova_lite.api import views
from nova_lite.compute import power_state, task_states, vm_states

# vm_state -> {task_state: status}; "default" when the task is not listed (Nova's map).
_STATE_MAP = {
    vm_states.ACTIVE: {
        "default": "ACTIVE",
        task_states.REBOOTING: "REBOOT",
        task_states.REBOOT_PENDING: "REBOOT",
        task_states.REBOOT_STARTED: "REBOOT",
        task_states.REBOOTING_HARD: "HARD_REBOOT",
        task_states.REBOOT_PENDING_HARD: "HARD_REBOOT",
        task_states.REBOOT_STARTED_HARD: "HARD_REBOOT",
        task_states.UPDATING_PASSWORD: "PASSWORD",
        task_states.REBUILDING: "REBUILD",
        task_states.REBUILD_BLOCK_DEVICE_MAPPING: "REBUILD",
        task_states.REBUILD_SPAWNING: "REBUILD",
        task_states.MIGRATING: "MIGRATING",
        task_states.RESIZE_PREP: "RESIZE",
        task_states.RESIZE_MIGRATING: "RESIZE",
        task_states.RESIZE_MIGRATED: "RESIZE",
        task_states.RESIZE_FINISH: "RESIZE",
    },
    vm_states.BUILDING: {"default": "BUILD"},
    vm_states.STOPPED: {
        "default": "SHUTOFF",
        task_states.RESIZE_PREP: "RESIZE",
        task_states.RESIZE_MIGRATING: "RESIZE",
        task_states.RESIZE_MIGRATED: "RESIZE",
        task_states.RESIZE_FINISH: "RESIZE",
        task_states.REBUILDING: "REBUILD",
        task_states.REBUILD_BLOCK_DEVICE_MAPPING: "REBUILD",
        task_states.REBUILD_SPAWNING: "REBUILD",
    },
    vm_states.RESIZED: {"default": "VERIFY_RESIZE", task_states.RESIZE_REVERTING: "REVERT_RESIZE"},
    vm_states.PAUSED: {"default": "PAUSED", task_states.MIGRATING: "MIGRATING"},
    vm_states.SUSPENDED: {"default": "SUSPENDED"},
    vm_states.RESCUED: {"default": "RESCUE"},
    vm_states.ERROR: {
        "default": "ERROR",
        task_states.REBUILDING: "REBUILD",
        task_states.REBUILD_BLOCK_DEVICE_MAPPING: "REBUILD",
        task_states.REBUILD_SPAWNING: "REBUILD",
    },
    vm_states.DELETED: {"default": "DELETED"},
    vm_states.SOFT_DELETED: {"default": "SOFT_DELETED"},
    vm_states.SHELVED: {"default": "SHELVED"},
    vm_states.SHELVED_OFFLOADED: {"default": "SHELVED_OFFLOADED"},
}


def status_from_state(vm_state: str | None, task_state: str | None = None) -> str:
    states = _STATE_MAP.get(vm_state, {"default": "UNKNOWN"})
    status = states.get(task_state, states["default"])
    if status == "UNKNOWN" and vm_state == vm_states.ERROR:
        return "ERROR"
    return status


def host_id(project_id: str | None, host: str | None) -> str:
    """Nova's hostId: a per-project hash of the host, '' when unplaced."""
    if not host:
        return ""
    return hashlib.sha224(((project_id or "") + host).encode()).hexdigest()


def basic(req: webob.Request, instance) -> dict:
    return {
        "id": instance.uuid,
        "name": instance.display_name,
        "links": views.link(req, "servers", instance.uuid),
    }


def _fault(instance, is_admin: bool) -> dict | None:
    fault = instance.fault if instance.obj_attr_is_set("fault") else None
    if fault is None:
        return None
    body = {
        "code": fault.code,
        "created": views.isotime(fault.created_at),
        "message": fault.message,
    }
    if fault.details and (is_admin or fault.code != 500):
        body["details"] = fault.details
    return body


def detail(req: webob.Request, instance, is_admin: bool) -> dict:
    status = status_from_state(instance.vm_state, instance.task_state)
    flavor_id = instance.flavor.flavorid if "flavor" in instance else ""
    server = {
        "id": instance.uuid,
        "name": instance.display_name,
        "status": status,
        "tenant_id": instance.project_id,
        "user_id": instance.user_id,
        "metadata": dict(instance.metadata),
        "hostId": host_id(instance.project_id, instance.host),
        "image": (
            {
                "id": instance.image_ref,
                "links": [
                    {
                        "rel": "bookmark",
                        "href": f"{req.application_url}/images/{instance.image_ref}",
                    }
                ],
            }
            if instance.image_ref
            else ""
        ),
        "flavor": {
            "id": flavor_id,
            "links": [{"rel": "bookmark", "href": f"{req.application_url}/flavors/{flavor_id}"}],
        },
        "created": views.isotime(instance.created_at),
        "updated": views.isotime(instance.updated_at or instance.created_at),
        "addresses": {},
        "accessIPv4": instance.access_ip_v4 or "",
        "accessIPv6": instance.access_ip_v6 or "",
        "links": views.link(req, "servers", instance.uuid),
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": instance.availability_zone or "nova",
        "config_drive": instance.config_drive or "",
        "key_name": instance.key_name,
        "OS-SRV-USG:launched_at": (
            instance.launched_at.strftime("%Y-%m-%dT%H:%M:%S.%f") if instance.launched_at else None
        ),
        "OS-SRV-USG:terminated_at": (
            instance.terminated_at.strftime("%Y-%m-%dT%H:%M:%S.%f")
            if instance.terminated_at
            else None
        ),
        "OS-EXT-STS:task_state": instance.task_state,
        "OS-EXT-STS:vm_state": instance.vm_state,
        "OS-EXT-STS:power_state": instance.power_state or power_state.NOSTATE,
        "os-extended-volumes:volumes_attached": [],
        "security_groups": [{"name": "default"}],
    }
    if status in ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING"):
        server["progress"] = instance.progress or 0
    if is_admin:
        server.update(
            {
                "OS-EXT-SRV-ATTR:host": instance.host,
                "OS-EXT-SRV-ATTR:hypervisor_hostname": instance.node,
                "OS-EXT-SRV-ATTR:instance_name": f"instance-{instance.id:08x}",
            }
        )
    fault = _fault(instance, is_admin) if status in ("ERROR", "DELETED") else None
    if fault is not None:
        server["fault"] = fault
    return server


# What PUT /servers/{id} answers before 2.75: the show body without the extensions.
_UPDATE_KEYS = (
    "id",
    "name",
    "status",
    "tenant_id",
    "user_id",
    "metadata",
    "hostId",
    "image",
    "flavor",
    "created",
    "updated",
    "addresses",
    "accessIPv4",
    "accessIPv6",
    "links",
    "OS-DCF:diskConfig",
    "progress",
    "fault",
)


def update(req: webob.Request, instance, is_admin: bool) -> dict:
    server = detail(req, instance, is_admin)
    return {key: server[key] for key in _UPDATE_KEYS if key in server}
