"""Hypervisor bodies, per microversion.

2.28 answers ``cpu_info`` as an object; 2.53 uses uuids for the hypervisor
and its service; 2.75 always answers ``servers`` when they were asked for;
2.88 drops the resource figures and adds ``uptime``.
"""

from __future__ import annotations

import webob
from oslo_serialization import jsonutils

from nova_lite.api import handler

_USAGE = (
    "vcpus",
    "memory_mb",
    "local_gb",
    "vcpus_used",
    "memory_mb_used",
    "local_gb_used",
    "free_ram_mb",
    "free_disk_gb",
    "current_workload",
    "running_vms",
)


def hypervisor(
    req: webob.Request,
    node,
    service,
    detail: bool = False,
    servers: list | None = None,
    with_servers: bool = False,
    uptime: str | None = None,
) -> dict:
    """One hypervisor; ``uptime`` is shown in details from 2.88."""
    uuid_ids = handler.is_supported(req, "2.53")
    body = {
        "id": node.uuid if uuid_ids else node.id,
        "hypervisor_hostname": node.hypervisor_hostname,
        "state": "up" if service.is_up() else "down",
        "status": "disabled" if service.disabled else "enabled",
    }
    if detail:
        body.update(
            hypervisor_type=node.hypervisor_type,
            hypervisor_version=node.hypervisor_version,
            host_ip=node.host_ip,
            service={
                "id": service.uuid if uuid_ids else service.id,
                "host": node.host,
                "disabled_reason": service.disabled_reason,
            },
        )
        if handler.is_supported(req, "2.88"):
            body["uptime"] = uptime
        else:
            body.update({field: getattr(node, field) for field in _USAGE})
            # nova-lite keeps no separate least-available figure: it is the free disk.
            body["disk_available_least"] = node.free_disk_gb
            if handler.is_supported(req, "2.28"):
                body["cpu_info"] = jsonutils.loads(node.cpu_info) if node.cpu_info else {}
            else:
                body["cpu_info"] = node.cpu_info
    if servers:
        body["servers"] = [{"name": i.display_name, "uuid": i.uuid} for i in servers]
    elif with_servers and handler.is_supported(req, "2.75"):
        body["servers"] = []
    return body


def statistics(nodes) -> dict:
    """GET /os-hypervisors/statistics (before 2.88): sums over ``nodes``."""
    fields = ("current_workload", "free_disk_gb", "free_ram_mb", "local_gb", "local_gb_used")
    fields += ("memory_mb", "memory_mb_used", "running_vms", "vcpus", "vcpus_used")
    stats = {field: sum(getattr(n, field) or 0 for n in nodes) for field in fields}
    stats["disk_available_least"] = stats["free_disk_gb"]
    return {"count": len(nodes), **stats}
