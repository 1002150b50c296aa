"""Deadlines on task states that no compute host can repair: instances with
no host (lost while scheduling) or whose compute service is down. Moves are
repaired as nova_lite.compute.move_recovery says."""

from __future__ import annotations

import datetime

from oslo_config import cfg
from oslo_log import log as logging
from oslo_service import periodic_task
from oslo_utils import timeutils

from nova_lite import exception
from nova_lite.compute import move_recovery, recovery, snapshot_images, task_states, vm_states
from nova_lite.objects.compute_node import Allocations
from nova_lite.objects.instance import InstanceList

LOG = logging.getLogger(__name__)
CONF = cfg.CONF


class OrphanRepair(periodic_task.PeriodicTasks):
    """Mixed into the conductor's task manager (uses its compute RPC client)."""

    def __init__(self) -> None:
        super().__init__(CONF)

    @periodic_task.periodic_task
    def repair_orphaned_tasks(self, context) -> None:
        if CONF.task_state_check_interval < 0:
            return
        shortest = min([CONF.task_state_timeout, *map(int, CONF.task_state_timeouts.values())])
        before = timeutils.utcnow() - datetime.timedelta(seconds=shortest)
        up: dict[str, bool] = {}
        for instance in InstanceList.get_busy_since(context, before):
            if not recovery.past_deadline(instance):
                continue
            if instance.host:
                if instance.host not in up:
                    up[instance.host] = move_recovery.compute_up(context, instance.host)
                if up[instance.host]:
                    continue  # that host repairs its own instances
            if move_recovery.waits_for_owner(instance):
                continue  # flagged already: its host settles it when it is back
            try:
                self._repair(context, instance)
            except exception.NovaLiteException as error:
                LOG.info("Repair of %s skipped: %s", instance.uuid, error)

    def _repair(self, context, instance) -> None:
        task = instance.task_state
        where = (
            f"its compute service on {instance.host} is down" if instance.host else "it has no host"
        )
        LOG.warning(
            "Instance %s has been %s past its deadline and %s: repairing",
            instance.uuid,
            task,
            where,
        )
        if task == task_states.DELETING:
            instance.vm_state = vm_states.DELETED
            instance.task_state = None
            instance.terminated_at = timeutils.utcnow()
            instance.destroy(expected_task_state=[task])
            return
        if recovery.is_move(context, instance, task):
            move_recovery.repair_orphaned_move(context, instance, task, self.compute)
            return
        reason = f"{task} passed its deadline and {where}"
        if instance.vm_state == vm_states.BUILDING:
            instance.host = instance.node = None
            error = exception.BuildAbortException(instance_uuid=instance.uuid, reason=reason)
            instance.set_error(error, expected_task_state=[task])
            Allocations.release(context, instance.uuid)
            return
        if instance.vm_state == vm_states.SHELVED_OFFLOADED:
            # An unshelve lost in scheduling or on its host: offloaded again.
            instance.host = instance.node = None
            Allocations.release(context, instance.uuid)
        if task in recovery.SNAPSHOT_TASKS or task in recovery.SHELVE_TASKS:
            snapshot_images.end_interrupted(
                context, instance, keep_complete=task in recovery.SNAPSHOT_TASKS
            )
        instance.add_fault(
            exception.InstanceTaskTimedOut(instance_uuid=instance.uuid, reason=reason)
        )
        instance.task_state = None
        instance.save(expected_task_state=[task])
