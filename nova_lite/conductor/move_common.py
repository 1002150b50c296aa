"""Steps shared by the conductor's move tasks (migrate, live-migrate, evacuate)."""

from __future__ import annotations

from oslo_log import log as logging

from nova_lite import exception
from nova_lite.objects.compute_node import Allocations, ComputeNodeList

LOG = logging.getLogger(__name__)


def claim_on_host(context, instance, request_spec, host: str) -> tuple[str, str]:
    """Claim the instance's flavor on the named host; its (host, node name).

    Raises ComputeHostNotFound for an unknown host and NoValidHost when the
    host lacks the room.
    """
    nodes = ComputeNodeList.get_all(context, host=host)
    if not nodes:
        raise exception.ComputeHostNotFound(host=host)
    node = nodes[0]
    request_spec.flavor = instance.flavor
    claim = dict(consumer_uuid=instance.uuid, compute_node_uuid=node.uuid, **request_spec.resources)
    if Allocations.claim(context, [claim]):
        raise exception.NoValidHost(
            reason=f"Unable to move instance {instance.uuid} to host {host}. "
            "There is not enough capacity on the host for the instance."
        )
    return host, node.hypervisor_hostname


def return_allocation(context, instance, migration) -> None:
    """A failed move: its migration is in error and gives its claim back."""
    migration.status = "error"
    migration.save()
    Allocations.move(context, migration.uuid, instance.uuid)


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
