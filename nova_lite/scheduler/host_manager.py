"""HostState: the scheduler's view of one compute node: free resources, the
instances claimed on it and the aggregates holding it."""

from __future__ import annotations

import time

from oslo_config import cfg

from nova_lite.objects.compute_node import RESOURCES, ComputeNode, SchedulingView

CONF = cfg.CONF
COMPUTE_BINARY = "nova-compute"


class HostState:
    """Capacity (after allocation ratios and reservations), what is claimed and
    by whom (``instances``: consumer uuids), and the host's aggregates."""

    def __init__(
        self,
        node: ComputeNode,
        service,
        usage: dict[str, int],
        aggregates: list | None = None,
        instances: set[str] | None = None,
    ):
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
        self.aggregates = aggregates or []
        self.instances = set(instances or ())

    @property
    def availability_zone(self) -> str:
        """The zone of the first aggregate with one, else the default zone."""
        zones = [a.availability_zone for a in self.aggregates if a.availability_zone]
        return zones[0] if zones else CONF.default_availability_zone

    def free(self, resource: str) -> float:
        return self.capacity[resource] - self.used[resource]

    def fits(self, resources: dict[str, int]) -> bool:
        return all(self.free(r) >= resources[r] for r in RESOURCES)

    def consume(self, resources: dict[str, int], instance_uuid: str | None = None) -> None:
        for r in RESOURCES:
            self.used[r] += resources[r]
        self.num_instances += 1
        if instance_uuid is not None:
            self.instances.add(instance_uuid)

    def unconsume(self, resources: dict[str, int], instance_uuid: str | None = None) -> None:
        for r in RESOURCES:
            self.used[r] -= resources[r]
        self.num_instances -= 1
        if instance_uuid is not None:
            self.instances.discard(instance_uuid)

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
            aggregates: dict[str, list] = {}
            for aggregate in view["aggregates"]:
                for host in aggregate.hosts:
                    aggregates.setdefault(host, []).append(aggregate)
            self._states = [
                HostState(
                    node,
                    services.get(node.host),
                    view["usage"].get(node.uuid, {}),
                    aggregates.get(node.host),
                    view["consumers"].get(node.uuid),
                )
                for node in view["nodes"]
            ]
            self._fetched_at = time.monotonic()
        return self._states

    def invalidate(self) -> None:
        """Fetch a new view on the next request (also when aggregates change)."""
        self._states = None
