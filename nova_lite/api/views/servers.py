"""Server bodies at each microversion, and the status derived from vm_state/task_state.

A Viewer holds what one request may see: its microversion and the answers
of Nova's show-time policy checks, made once per request.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable

import webob

from nova_lite import background, exception
from nova_lite.api import handler, microversion, policy, views
from nova_lite.compute import power_state, task_states, vm_states
from nova_lite.objects.instance_group import InstanceGroup
from nova_lite.objects.request_spec import RequestSpec
from nova_lite.objects.service import ServiceList

# vm_state -> {task_state: status}; "default" when the task is not listed (Nova's map).
STATE_MAP = {
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
    states = STATE_MAP.get(vm_state, {"default": "UNKNOWN"})
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


@dataclasses.dataclass(frozen=True)
class Viewer:
    """One request's view of servers.

    ``host_status`` is None (not shown), "unknown-only" (shown when UNKNOWN)
    or "all" (2.16); ``flavor_extra_specs`` shows the embedded flavor's extra
    specs (2.47); ``is_admin`` shows the details of 500 faults.
    """

    version: microversion.APIVersion = microversion.MIN_VERSION
    is_admin: bool = False
    extended_attributes: bool = False
    host_status: str | None = None
    flavor_extra_specs: bool = False

    @classmethod
    def of(cls, req: webob.Request, project_id: str | None = None) -> Viewer:
        """The view of the request's caller, for servers of ``project_id``
        (None: a list, checked against the caller's own project as Nova does)."""
        context = handler.context_of(req)
        version = handler.version_of(req)
        target = {"project_id": project_id or context.project_id}

        def may(rule: str) -> bool:
            return policy.allowed(context, rule, target)

        host_status = None
        if version >= (2, 16):
            if may("os_compute_api:servers:show:host_status"):
                host_status = "all"
            elif may("os_compute_api:servers:show:host_status:unknown-only"):
                host_status = "unknown-only"
        return cls(
            version=version,
            is_admin=policy.check_is_admin(context),
            extended_attributes=may("os_compute_api:os-extended-server-attributes"),
            host_status=host_status,
            flavor_extra_specs=(
                version >= (2, 47) and may("os_compute_api:servers:show:flavor-extra-specs")
            ),
        )

    def at_least(self, version: str) -> bool:
        return self.version >= microversion.APIVersion.parse(version)


def _instance_name(instance) -> str:
    return f"instance-{instance.id:08x}"


# os-extended-server-attributes: (from version, key, value of the instance).
_EXTENDED_ATTRIBUTES: tuple[tuple[str, str, Callable], ...] = (
    ("2.1", "OS-EXT-SRV-ATTR:host", lambda i: i.host),
    ("2.1", "OS-EXT-SRV-ATTR:hypervisor_hostname", lambda i: i.node),
    ("2.1", "OS-EXT-SRV-ATTR:instance_name", _instance_name),
    ("2.3", "OS-EXT-SRV-ATTR:reservation_id", lambda i: i.reservation_id),
    ("2.3", "OS-EXT-SRV-ATTR:launch_index", lambda i: i.launch_index),
    ("2.3", "OS-EXT-SRV-ATTR:hostname", lambda i: i.hostname),
    ("2.3", "OS-EXT-SRV-ATTR:kernel_id", lambda i: i.kernel_id),
    ("2.3", "OS-EXT-SRV-ATTR:ramdisk_id", lambda i: i.ramdisk_id),
    ("2.3", "OS-EXT-SRV-ATTR:root_device_name", lambda i: i.root_device_name),
    ("2.3", "OS-EXT-SRV-ATTR:user_data", lambda i: i.user_data),
)

# Keys every caller's detailed body gains from a microversion on.
_ADDED: tuple[tuple[str, str, Callable], ...] = (
    ("2.9", "locked", lambda i: bool(i.locked_by)),
    ("2.19", "description", lambda i: i.display_description),
    ("2.26", "tags", lambda i: list(i.tags)),
    # Trusted image certificates are not supported: none are ever set.
    ("2.63", "trusted_image_certificates", lambda i: None),
    ("2.73", "locked_reason", lambda i: i.system_metadata.get("locked_reason")),
)


def _flavor(req: webob.Request, instance, viewer: Viewer) -> dict:
    """The flavor's id and link; from 2.47 the flavor itself, as embedded in the server."""
    if "flavor" not in instance:
        return {}
    flavor = instance.flavor
    if not viewer.at_least("2.47"):
        return {
            "id": flavor.flavorid,
            "links": [
                {"rel": "bookmark", "href": f"{req.application_url}/flavors/{flavor.flavorid}"}
            ],
        }
    body = {
        "vcpus": flavor.vcpus,
        "ram": flavor.memory_mb,
        "disk": flavor.root_gb,
        "ephemeral": flavor.ephemeral_gb,
        "swap": flavor.swap,
        "original_name": flavor.name,
    }
    if viewer.flavor_extra_specs:
        body["extra_specs"] = dict(flavor.extra_specs)
    return body


def host_statuses(context, instances) -> dict[str, str]:
    """Nova's host_status of each instance: UP, DOWN (forced down), MAINTENANCE
    (disabled), UNKNOWN (no recent heartbeat) or '' (no host)."""
    services = {
        service.host: service
        for service in ServiceList.get_all(context.elevated(), binary="nova-compute")
    }

    def status(host: str | None) -> str:
        service = services.get(host) if host else None
        if service is None:
            return ""
        if service.forced_down:
            return "DOWN"
        if service.disabled:
            return "MAINTENANCE"
        return "UP" if service.is_up() else "UNKNOWN"

    return {instance.uuid: status(instance.host) for instance in instances}


def pinned_availability_zones(context, instances) -> dict[str, str | None]:
    """The availability zone each instance was requested in (2.96), from its RequestSpec."""
    specs = RequestSpec.get_by_instance_uuids(context, [i.uuid for i in instances])
    return {spec.instance_uuid: spec.availability_zone for spec in specs}


def details(req: webob.Request, instances, viewer: Viewer) -> list[dict]:
    """The detailed bodies of ``instances``; host statuses and pinned zones
    are looked up once for all of them, side by side."""
    statuses: Callable[[], dict] = dict
    pinned: Callable[[], dict] = dict
    if instances and viewer.host_status:
        statuses = background.start(handler.context_of(req), host_statuses, instances)
    if instances and viewer.at_least("2.96"):
        pinned = background.start(handler.context_of(req), pinned_availability_zones, instances)
    by_uuid, zones = statuses(), pinned()
    return [_detail(req, i, viewer, by_uuid.get(i.uuid, ""), zones.get(i.uuid)) for i in instances]


def detail(req: webob.Request, instance, viewer: Viewer) -> dict:
    """The body of GET /servers/{id} (with its server group from 2.71, looked up
    beside the rest)."""
    groups = None
    if viewer.at_least("2.71"):
        groups = background.start(handler.context_of(req), server_groups, instance)
    server = details(req, [instance], viewer)[0]
    if groups is not None:
        server["server_groups"] = groups()
    return server


def server_groups(context, instance) -> list[str]:
    """The uuid of the server group the instance is in, as a list (2.71)."""
    try:
        return [InstanceGroup.get_by_instance_uuid(context, instance.uuid).uuid]
    except exception.InstanceGroupNotFound:
        return []


def _detail(req: webob.Request, instance, viewer: Viewer, host_status: str, pinned_az) -> dict:
    status = status_from_state(instance.vm_state, instance.task_state)
    if "deleted" in instance and instance.deleted:
        status = "DELETED"
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
        "flavor": _flavor(req, instance, viewer),
        "created": views.isotime(instance.created_at),
        "updated": views.isotime(instance.updated_at or instance.created_at),
        "addresses": {},
        "accessIPv4": instance.access_ip_v4 or "",
        "accessIPv6": instance.access_ip_v6 or "",
        "links": views.link(req, "servers", instance.uuid),
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": instance.availability_zone or "",
        "config_drive": instance.config_drive or "",
        "key_name": instance.key_name,
        "OS-SRV-USG:launched_at": views.strtime(instance.launched_at),
        "OS-SRV-USG:terminated_at": views.strtime(instance.terminated_at),
        "OS-EXT-STS:task_state": instance.task_state,
        "OS-EXT-STS:vm_state": instance.vm_state,
        "OS-EXT-STS:power_state": instance.power_state or power_state.NOSTATE,
        "os-extended-volumes:volumes_attached": [],
        "security_groups": [{"name": "default"}],
    }
    if viewer.at_least("2.96"):
        server["pinned_availability_zone"] = pinned_az
    if status in ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING"):
        server["progress"] = instance.progress or 0
    if viewer.extended_attributes:
        for since, key, value in _EXTENDED_ATTRIBUTES:
            if viewer.at_least(since):
                server[key] = value(instance)
    if viewer.host_status == "all" or (viewer.host_status and host_status == "UNKNOWN"):
        server["host_status"] = host_status
    for since, key, value in _ADDED:
        if viewer.at_least(since):
            server[key] = value(instance)
    if viewer.at_least("2.90") and not viewer.extended_attributes:
        # 2.90 shows every caller the hostname.
        server["OS-EXT-SRV-ATTR:hostname"] = instance.hostname
    fault = _fault(instance, viewer.is_admin) if status in ("ERROR", "DELETED") else None
    if fault is not None:
        server["fault"] = fault
    return server


# What PUT and rebuild answer before 2.75 leaves out of the show body (with
# the extended attributes and host status, shown to no one there).
_NOT_UPDATE_KEYS = frozenset(
    {
        "OS-EXT-AZ:availability_zone",
        "config_drive",
        "key_name",
        "OS-SRV-USG:launched_at",
        "OS-SRV-USG:terminated_at",
        "OS-EXT-STS:task_state",
        "OS-EXT-STS:vm_state",
        "OS-EXT-STS:power_state",
        "os-extended-volumes:volumes_attached",
        "security_groups",
    }
)


def update(req: webob.Request, instance, viewer: Viewer, key_name: bool = False) -> dict:
    """The body PUT /servers/{id} and rebuild answer: the show body from 2.75,
    before it without its extensions (``key_name`` keeps the key name, as
    rebuild does from 2.54)."""
    if viewer.at_least("2.75"):
        return detail(req, instance, viewer)
    plain = dataclasses.replace(viewer, extended_attributes=False, host_status=None)
    server = detail(req, instance, plain)
    hidden = _NOT_UPDATE_KEYS - ({"key_name"} if key_name else set())
    return {key: value for key, value in server.items() if key not in hidden}
