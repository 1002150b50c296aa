"""HostState: the scheduler's view of one compute node's free resources."""

from __future__ import annotations

from nova_lite.objects.compute_node import RESOURCES, Allocations, ComputeNode, ComputeNodeList
from nova_lite.objects.service import ServiceList

COMPUTE_BINARY = "nova-compute"


class HostState:
    """Capacity (after allocation ratios and reservations) and what is claimed."""

    def __init__(self, node: ComputeNode, service, usage: dict[str, int]):
        self.host = node.host
        self.nodename = node.hypervisor_hostname
        self.uuid = node.uuid
        self.service = service
        self.capacity = {
            "vcpus": node.vcpus * node.cpu_allocation_ratio,
            "memory_mb": (node.memory_mb - node.reserved_host_memory_mb)
            * node.ram_allocation_ratio,
            "disk_gb": (node.local_gb - node.reserved_host_disk_mb / 1024.0)
            * node.disk_allocation_ratio,
        }
        self.used = {r: usage.get(r, 0) for r in RESOURCES}
        self.num_instances = usage.get("instances", 0)

    def free(self, resource: str) -> float:
        return self.capacity[resource] - self.used[resource]

    def fits(self, resources: dict[str, int]) -> bool:
        return all(self.free(r) >= resources[r] for r in RESOURCES)

    def consume(self, resources: dict[str, int]) -> None:
        for r in RESOURCES:
            self.used[r] += resources[r]
        self.num_instances += 1

    def __repr__(self) -> str:
        return f"({self.host}, {self.nodename}) free_ram_mb:{self.free('memory_mb'):.0f}"


class HostManager:
    """Builds the current host states from compute nodes, services and claims."""

    def get_host_states(self, context) -> list[HostState]:
        nodes = ComputeNodeList.get_all(context)
        services = {s.host: s for s in ServiceList.get_all(context, binary=COMPUTE_BINARY)}
        usage = Allocations.usage_by_node(context)
        return [
            HostState(node, services.get(node.host), usage.get(node.uuid, {})) for node in nodes
        ]
