"""Steps shared by the conductor's move tasks (migrate, live-migrate, evacuate)."""

from __future__ import annotations

from oslo_log import log as logging

from nova_lite import availability_zones, exception
from nova_lite.objects.compute_node import Allocations, ComputeNodeList
from nova_lite.objects.instance import InstanceList
from nova_lite.objects.instance_group import InstanceGroup

LOG = logging.getLogger(__name__)


def claim_on_host(context, instance, request_spec, host: str) -> tuple[str, str]:
    """Claim the instance's flavor on the named host; its (host, node name).

    Raises ComputeHostNotFound for an unknown host, GroupAffinityViolation when
    the host breaks the instance's server group policy and NoValidHost when the
    host lacks the room.
    """
    nodes = ComputeNodeList.get_all(context, host=host)
    if not nodes:
        raise exception.ComputeHostNotFound(host=host)
    check_group_policy(context, instance, host)
    node = nodes[0]
    request_spec.flavor = instance.flavor
    claim = dict(consumer_uuid=instance.uuid, compute_node_uuid=node.uuid, **request_spec.resources)
    if Allocations.claim(context, [claim]):
        raise exception.NoValidHost(
            reason=f"Unable to move instance {instance.uuid} to host {host}. "
            "There is not enough capacity on the host for the instance."
        )
    return host, node.hypervisor_hostname


def check_group_policy(context, instance, host: str) -> None:
    """Nova's check of a destination the scheduler did not choose: the other
    members of an anti-affinity group leave room on ``host`` (max_server_per_host),
    those of an affinity group run there."""
    try:
        group = InstanceGroup.get_by_instance_uuid(context, instance.uuid)
    except exception.InstanceGroupNotFound:
        return
    others = [uuid for uuid in group.members if uuid != instance.uuid]
    if group.policy not in ("affinity", "anti-affinity") or not others:
        return
    hosts = [i.host for i in InstanceList.get_by_filters(context, {"uuid": others}) if i.host]
    if group.policy == "anti-affinity":
        if hosts.count(host) >= group.rules.get("max_server_per_host", 1):
            raise exception.GroupAffinityViolation(policy="Anti-affinity")
    elif hosts and host not in hosts:
        raise exception.GroupAffinityViolation(policy="Affinity")


def set_destination_zone(context, instance, host: str) -> None:
    """Put the instance in the zone of its destination; the compute hosts save it
    with the move (Nova's conductor sets it the same way)."""
    instance.availability_zone = availability_zones.get_host_availability_zone(context, host)


def return_allocation(context, instance, migration) -> None:
    """A failed move: its migration is in error and gives its claim back (if it
    took it already: otherwise the instance keeps its own)."""
    migration.status = "error"
    migration.save()
    Allocations.move(context, migration.uuid, instance.uuid, if_held=True)


def end_failed_task(context, instance, error: Exception, task_state: str, what: str) -> None:
    """Record ``error`` and clear the task, saving the instance's pending changes
    with it (compare-and-swap on ``task_state``). A deleted instance gives up its
    claim; one that changed meanwhile is left as it is."""
    try:
        instance.add_fault(error)
        instance.task_state = None
        instance.save(expected_task_state=[task_state])
    except exception.InstanceNotFound:
        LOG.info("Instance %s was deleted while its %s failed", instance.uuid, what)
        Allocations.release(context, instance.uuid)
    except exception.UnexpectedTaskStateError as race:
        LOG.info("Instance %s changed while its %s failed: %s", instance.uuid, what, race)
