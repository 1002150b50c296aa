"""/os-hypervisors: list and detail (admin)."""

from __future__ import annotations

import webob

from nova_lite.api import handler, policy
from nova_lite.objects.compute_node import ComputeNodeList
from nova_lite.objects.service import ServiceList

COMPUTE_BINARY = "nova-compute"


def _basic(node, service) -> dict:
    return {
        "id": node.id,
        "hypervisor_hostname": node.hypervisor_hostname,
        "state": "up" if service is not None and service.is_up() else "down",
        "status": "disabled" if service is None or service.disabled else "enabled",
    }


def _detail(node, service) -> dict:
    return {
        **_basic(node, service),
        "vcpus": node.vcpus,
        "memory_mb": node.memory_mb,
        "local_gb": node.local_gb,
        "vcpus_used": node.vcpus_used,
        "memory_mb_used": node.memory_mb_used,
        "local_gb_used": node.local_gb_used,
        "hypervisor_type": node.hypervisor_type,
        "hypervisor_version": node.hypervisor_version,
        "free_ram_mb": node.free_ram_mb,
        "free_disk_gb": node.free_disk_gb,
        "current_workload": node.current_workload,
        "running_vms": node.running_vms,
        "cpu_info": node.cpu_info,
        "disk_available_least": node.free_disk_gb,
        "host_ip": node.host_ip,
        "service": {
            "id": service.id if service else None,
            "host": node.host,
            "disabled_reason": service.disabled_reason if service else None,
        },
    }


def _list(req: webob.Request, rule: str, view) -> dict:
    context = handler.context_of(req)
    policy.authorize(context, rule)
    services = {s.host: s for s in ServiceList.get_all(context, binary=COMPUTE_BINARY)}
    nodes = ComputeNodeList.get_all(context)
    return {"hypervisors": [view(n, services.get(n.host)) for n in nodes]}


@handler.handler()
def index(req: webob.Request) -> dict:
    return _list(req, "os_compute_api:os-hypervisors:list", _basic)


@handler.handler()
def detail(req: webob.Request) -> dict:
    return _list(req, "os_compute_api:os-hypervisors:list-detail", _detail)
