"""ResourceTracker: the compute host's own account of its resources.

Claims are checked and counted here before a guest is spawned, released on
failure or delete, and the ComputeNode record is rewritten from the
hypervisor and the host's instances by a periodic audit.
"""

from __future__ import annotations

import contextlib
import threading

from oslo_config import cfg
from oslo_log import log as logging

from nova_lite import exception
from nova_lite.compute import vm_states
from nova_lite.compute.move_claims import MoveClaims, is_move_key
from nova_lite.objects.compute_node import ComputeNode, ComputeNodeList
from nova_lite.objects.instance import InstanceList

LOG = logging.getLogger(__name__)
CONF = cfg.CONF


def instance_usage(flavor) -> dict[str, int]:
    return {
        "vcpus": flavor.vcpus,
        "memory_mb": flavor.memory_mb,
        "local_gb": flavor.root_gb + flavor.ephemeral_gb,
    }


class ResourceTracker(MoveClaims):
    def __init__(self, host: str, driver):
        self.host = host
        self.driver = driver
        self.compute_nodes: dict[str, ComputeNode] = {}
        self.tracked: dict[str, dict[str, int]] = {}
        self._claiming: set[str] = set()
        self._lock = threading.Lock()
        self._save_lock = threading.Lock()

    # -- claims -------------------------------------------------------------
    @contextlib.contextmanager
    def instance_claim(self, context, instance, nodename: str):
        """Claim the instance's flavor on ``nodename``; undone if the block fails.

        The node's record is written by ``save_usage`` (after the build, so
        the instance is not kept waiting for it) or by the next release/audit.
        """
        usage = instance_usage(instance.flavor)
        with self._lock:
            node = self.compute_nodes.get(nodename)
            if node is None:
                raise exception.ComputeResourcesUnavailable(
                    reason=f"node {nodename} is not managed by host {self.host}"
                )
            self._check_fits(node, usage, exclude=instance.uuid)
            self.tracked[instance.uuid] = usage
            self._claiming.add(instance.uuid)
            self._update_usage(node)
        try:
            yield
        except BaseException:
            self.release(context, instance.uuid, nodename)
            raise
        finally:
            self._claiming.discard(instance.uuid)

    def save_usage(self, nodename: str) -> None:
        """Write the node's current usage to its record."""
        node = self.compute_nodes.get(nodename)
        if node is not None:
            self._save(node)

    def _check_fits(self, node: ComputeNode, usage: dict[str, int], exclude: str) -> None:
        used = self._sum(exclude)
        limits = {
            "vcpus": node.vcpus * node.cpu_allocation_ratio,
            "memory_mb": (node.memory_mb - node.reserved_host_memory_mb)
            * node.ram_allocation_ratio,
            "local_gb": (node.local_gb - node.reserved_host_disk_mb / 1024.0)
            * node.disk_allocation_ratio,
        }
        for resource, limit in limits.items():
            if used[resource] + usage[resource] > limit:
                raise exception.ComputeResourcesUnavailable(
                    reason=f"{resource}: requested {usage[resource]}, "
                    f"free {limit - used[resource]:.0f}"
                )

    def release(self, context, instance_uuid: str, nodename: str | None = None) -> None:
        """Forget an instance's usage (after delete or a failed build)."""
        with self._lock:
            if self.tracked.pop(instance_uuid, None) is None:
                return
            nodes = (
                [self.compute_nodes[nodename]]
                if nodename in self.compute_nodes
                else list(self.compute_nodes.values())
            )
            for node in nodes:
                self._update_usage(node)
        for node in nodes:
            self._save(node)

    def _sum(self, exclude: str | None = None) -> dict[str, int]:
        total = {"vcpus": 0, "memory_mb": 0, "local_gb": 0}
        for uuid, usage in self.tracked.items():
            if uuid != exclude:
                for key in total:
                    total[key] += usage[key]
        return total

    def _update_usage(self, node: ComputeNode) -> None:
        used = self._sum()
        node.vcpus_used = used["vcpus"]
        node.memory_mb_used = used["memory_mb"] + node.reserved_host_memory_mb
        node.local_gb_used = used["local_gb"] + node.reserved_host_disk_mb // 1024
        node.free_ram_mb = node.memory_mb - node.memory_mb_used
        node.free_disk_gb = node.local_gb - node.local_gb_used
        node.running_vms = sum(1 for key in self.tracked if not is_move_key(key))

    def _save(self, node: ComputeNode) -> None:
        """Save a snapshot of the node taken under the lock, one writer at a time,
        so concurrent claims never write stale or out-of-order usage."""
        with self._save_lock:
            with self._lock:
                if not node.obj_what_changed():
                    return
                snapshot = node.obj_clone()
                node.obj_reset_changes()
            snapshot.save()

    # -- periodic audit ---------------------------------------------------------
    def update_available_resource(self, context) -> None:
        """Rewrite each node's record from the hypervisor and this host's instances."""
        instances = [
            i
            for i in InstanceList.get_by_host(context, self.host)
            if i.vm_state not in (vm_states.DELETED, vm_states.SHELVED_OFFLOADED) and "flavor" in i
        ]
        moves = self._tracked_moves(context, instances)
        existing = {
            n.hypervisor_hostname: n for n in ComputeNodeList.get_all(context, host=self.host)
        }
        with self._lock:
            tracked = {i.uuid: instance_usage(i.flavor) for i in instances}
            tracked.update(moves)
            # Claims still in progress may not be saved on their instance yet.
            tracked.update({u: self.tracked[u] for u in self._claiming if u in self.tracked})
            self.tracked = tracked
        for nodename in self.driver.get_available_nodes():
            resources = self.driver.get_available_resource(nodename)
            with self._lock:
                node = self.compute_nodes.get(nodename) or existing.get(nodename)
                created = node is None
                if created:
                    node = ComputeNode(context, host=self.host)
                self._apply_resources(node, resources)
                node.host_ip = CONF.my_ip
                self._update_usage(node)
                self.compute_nodes[nodename] = node
            if created:
                node.create()
                LOG.info(
                    "Compute node record created for %s:%s with uuid %s",
                    self.host,
                    nodename,
                    node.uuid,
                )
            else:
                self._save(node)

    @staticmethod
    def _apply_resources(node: ComputeNode, resources: dict) -> None:
        for key in (
            "vcpus",
            "memory_mb",
            "local_gb",
            "hypervisor_type",
            "hypervisor_version",
            "hypervisor_hostname",
            "cpu_info",
        ):
            if key not in node or getattr(node, key) != resources[key]:
                setattr(node, key, resources[key])
        settings = {
            "cpu_allocation_ratio": CONF.cpu_allocation_ratio,
            "ram_allocation_ratio": CONF.ram_allocation_ratio,
            "disk_allocation_ratio": CONF.disk_allocation_ratio,
            "reserved_host_memory_mb": CONF.reserved_host_memory_mb,
            "reserved_host_disk_mb": CONF.reserved_host_disk_mb,
        }
        for key, value in settings.items():
            if key not in node or getattr(node, key) != value:
                setattr(node, key, value)
