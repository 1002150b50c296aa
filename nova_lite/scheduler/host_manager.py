"""HostState: the scheduler's view of one compute node's free resources."""

from __future__ import annotations

import time

from oslo_config import cfg

from nova_lite.objects.compute_node import RESOURCES, ComputeNode, SchedulingView

CONF = cfg.CONF
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

    def unconsume(self, resources: dict[str, int]) -> None:
        for r in RESOURCES:
            self.used[r] -= resources[r]
        self.num_instances -= 1

    def __repr__(self) -> str:
        return f"({self.host}, {self.nodename}) free_ram_mb:{self.free('memory_mb'):.0f}"


class HostManager:
    """Host states from one conductor call, kept for ``host_state_ttl`` seconds.

    Between refreshes the scheduler accounts for its own picks; every pick
    is still claimed atomically in the database, and a lost claim or an
    empty result refreshes the view, so a stale view costs a retry, never an
    over-commit.
    """

    def __init__(self) -> None:
        self._states: list[HostState] | None = None
        self._fetched_at = 0.0

    def get_host_states(self, context, refresh: bool = False) -> list[HostState]:
        age = time.monotonic() - self._fetched_at
        if refresh or self._states is None or age > CONF.filter_scheduler.host_state_ttl:
            view = SchedulingView.get(context, COMPUTE_BINARY)
            services = {s.host: s for s in view["services"]}
            self._states = [
                HostState(node, services.get(node.host), view["usage"].get(node.uuid, {}))
                for node in view["nodes"]
            ]
            self._fetched_at = time.monotonic()
        return self._states

    def invalidate(self) -> None:
        """Fetch a new view on the next request."""
        self._states = None
