"""Keeping instances consistent with their hypervisor: repair after a restart,
the periodic power-state sync, and deadlines on transitional task states."""

from __future__ import annotations

import time

from oslo_config import cfg
from oslo_log import log as logging
from oslo_service import periodic_task
from oslo_utils import timeutils

from nova_lite import exception
from nova_lite.compute import power_state, snapshot, task_states, utils, vm_states
from nova_lite.objects.instance import InstanceList
from nova_lite.objects.migration import MigrationList

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

REBOOT_TASKS = {
    task_states.REBOOTING,
    task_states.REBOOT_PENDING,
    task_states.REBOOT_STARTED,
    task_states.REBOOTING_HARD,
    task_states.REBOOT_PENDING_HARD,
    task_states.REBOOT_STARTED_HARD,
}
SETTLE_TASKS = {
    task_states.PAUSING,
    task_states.UNPAUSING,
    task_states.SUSPENDING,
    task_states.RESUMING,
}
MOVE_TASKS = {
    task_states.RESIZE_PREP,
    task_states.RESIZE_MIGRATING,
    task_states.RESIZE_MIGRATED,
    task_states.RESIZE_FINISH,
    task_states.RESIZE_REVERTING,
    task_states.RESIZE_CONFIRMING,
    task_states.MIGRATING,  # live migration
}
REBUILD_TASKS = {
    task_states.REBUILDING,
    task_states.REBUILD_BLOCK_DEVICE_MAPPING,
    task_states.REBUILD_SPAWNING,
}
SNAPSHOT_TASKS = set(snapshot.SNAPSHOT_TASKS)
# Shelve, offload and unshelve (compute/shelve.py); an offloaded instance's
# unshelve spawns in SPAWNING.
SHELVE_TASKS = {
    task_states.SHELVING,
    task_states.SHELVING_IMAGE_PENDING_UPLOAD,
    task_states.SHELVING_IMAGE_UPLOADING,
    task_states.SHELVING_OFFLOADING,
    task_states.UNSHELVING,
}
VM_STATE_OF_POWER = {
    power_state.RUNNING: vm_states.ACTIVE,
    power_state.PAUSED: vm_states.PAUSED,
    power_state.SUSPENDED: vm_states.SUSPENDED,
    power_state.SHUTDOWN: vm_states.STOPPED,
    power_state.CRASHED: vm_states.STOPPED,
}


def task_deadline(task_state: str) -> int:
    """Seconds an instance may stay in ``task_state`` without progress."""
    overrides = CONF.task_state_timeouts
    return int(overrides.get(task_state, CONF.task_state_timeout))


def past_deadline(instance) -> bool:
    since = instance.updated_at or instance.created_at
    age = timeutils.delta_seconds(timeutils.normalize_time(since), timeutils.utcnow())
    return age > task_deadline(instance.task_state)


def is_move(context, instance, task: str) -> bool:
    """Whether ``task`` belongs to a move (a REBUILDING one to an evacuation)."""
    if task in MOVE_TASKS:
        return True
    if task not in REBUILD_TASKS:
        return False
    return bool(MigrationList.get_in_progress_by_instance(context, instance.uuid, "evacuation"))


class RecoveryOperations(utils.PeriodicTaskMixin):
    """Mixed into ComputeManager; uses its driver, host and instance locks."""

    _last_run: dict[str, float]

    def _due(self, name: str, interval: float) -> bool:
        """Whether a periodic job that runs every ``interval`` s (<0: never) is due."""
        if interval < 0:
            return False
        last_run = self.__dict__.setdefault("_last_run", {})
        now = time.monotonic()
        if name in last_run and now - last_run[name] < interval:
            return False
        last_run[name] = now
        return True

    # -- after a restart ----------------------------------------------------------
    def _resume_task(self, context, instance, restarted: bool = True) -> bool:
        """Finish or settle a task interrupted by a restart (``restarted``) or found
        past its deadline; False if not one it knows."""
        task = instance.task_state
        if task == task_states.POWERING_OFF:
            LOG.info("Finishing the interrupted stop of %s", instance.uuid)
            self.stop_instance(context, instance)
        elif task == task_states.POWERING_ON:
            LOG.info("Finishing the interrupted start of %s", instance.uuid)
            self.start_instance(context, instance)
        elif task in REBOOT_TASKS:
            LOG.info("Finishing the interrupted reboot of %s", instance.uuid)
            if self._query_power_state(instance) != power_state.RUNNING:
                try:
                    self.driver.power_on(context, instance)
                except Exception as error:  # noqa: BLE001 - recorded on the instance
                    instance.set_error(error, host=self.host, expected_task_state=[task])
                    return True
            self._settle(instance, task)
        elif is_move(context, instance, task):
            self._recover_move(context, instance, task, restarted)
        elif task in SETTLE_TASKS:
            LOG.info("Settling %s after an interrupted %s", instance.uuid, task)
            self._settle(instance, task)
        elif task in REBUILD_TASKS:
            LOG.warning("Rebuild of %s interrupted in %s: ERROR", instance.uuid, task)
            error = exception.InstanceTaskTimedOut(
                instance_uuid=instance.uuid, reason=f"the rebuild was interrupted in {task}"
            )
            instance.set_error(error, host=self.host, expected_task_state=[task])
        elif task in (task_states.RESCUING, task_states.UNRESCUING):
            LOG.info("Settling %s after an interrupted %s", instance.uuid, task)
            self._settle_rescue(instance, task)
        elif task == task_states.UPDATING_PASSWORD:
            instance.task_state = None
            instance.save(expected_task_state=[task])
        elif task in SNAPSHOT_TASKS:
            self._end_interrupted_snapshot(context, instance, task)
        elif task in SHELVE_TASKS or instance.vm_state == vm_states.SHELVED_OFFLOADED:
            self._recover_shelve(context, instance, task)
        else:
            return False
        return True

    def _settle_rescue(self, instance, task: str) -> None:
        """A guest running from its rescue image is RESCUED; otherwise as _settle."""
        try:
            rescued = self.driver.is_rescued(instance)
        except NotImplementedError:
            rescued = False
        if not rescued:
            self._settle(instance, task)
            return
        instance.power_state = self._query_power_state(instance)
        instance.vm_state = vm_states.RESCUED
        instance.task_state = None
        instance.save(expected_task_state=[task])

    def _settle(self, instance, task: str) -> None:
        """Let the hypervisor decide vm_state and power_state, and clear the task."""
        state = self._query_power_state(instance)
        instance.power_state = state
        instance.task_state = None
        vm_state = VM_STATE_OF_POWER.get(state)
        if vm_state is None:
            error = exception.InstanceNotFound(instance_id=instance.uuid)
            instance.set_error(error, host=self.host, expected_task_state=[task])
            return
        instance.vm_state = vm_state
        instance.save(expected_task_state=[task])

    # -- power-state sync -----------------------------------------------------------
    @periodic_task.periodic_task
    def sync_power_states(self, context) -> None:
        """Align power_state with the hypervisor; the user's intent (vm_state) wins.

        A guest that stopped by itself is recorded as stopped; a guest running
        while the user stopped it is powered off (Nova's rules).
        """
        if not self._due("sync_power_states", CONF.sync_power_state_interval):
            return
        for instance in InstanceList.get_by_host(context, self.host):
            if instance.task_state is not None:
                continue
            with self._locks.hold(instance.uuid):
                try:
                    self._sync_one(context, instance)
                except exception.NovaLiteException as error:
                    LOG.info("Power sync of %s skipped: %s", instance.uuid, error)

    def _sync_one(self, context, instance) -> None:
        instance.refresh()
        if instance.task_state is not None or instance.host != self.host:
            return
        state = self._query_power_state(instance)
        stopped = (power_state.SHUTDOWN, power_state.CRASHED, power_state.NOSTATE)
        if instance.vm_state == vm_states.STOPPED and state not in stopped:
            LOG.warning("Instance %s should be stopped but runs: powering it off", instance.uuid)
            self.driver.power_off(instance)
            state = self._query_power_state(instance)
        elif (
            instance.vm_state in (vm_states.ACTIVE, vm_states.PAUSED, vm_states.SUSPENDED)
            and state in stopped
        ):
            LOG.warning("Instance %s stopped by itself: recording it as stopped", instance.uuid)
            instance.vm_state = vm_states.STOPPED
        if state != instance.power_state or instance.obj_what_changed():
            instance.power_state = state
            instance.save(expected_task_state=[None])

    # -- deadlines --------------------------------------------------------------------
    @periodic_task.periodic_task
    def repair_stuck_tasks(self, context) -> None:
        """Settle this host's instances whose task passed its deadline and that no
        operation here is working on (e.g. after a lost message)."""
        if not self._due("repair_stuck_tasks", CONF.task_state_check_interval):
            return
        for instance in InstanceList.get_by_host(context, self.host):
            if instance.task_state is None or not past_deadline(instance):
                continue
            if self._locks.is_held(instance.uuid):
                continue  # an operation is still running on it here
            LOG.warning(
                "Instance %s has been %s past its deadline: repairing",
                instance.uuid,
                instance.task_state,
            )
            with self._locks.hold(instance.uuid):
                try:
                    self._repair(context, instance)
                except exception.NovaLiteException as error:
                    LOG.info("Repair of %s skipped: %s", instance.uuid, error)

    def _repair(self, context, instance) -> None:
        task = instance.task_state
        try:
            if task == task_states.DELETING:
                self._delete(context, instance)
            elif instance.vm_state == vm_states.BUILDING:
                error = exception.BuildAbortException(
                    instance_uuid=instance.uuid, reason="the build passed its deadline"
                )
                self._fail_build(context, instance, error)
            elif not self._resume_task(context, instance, restarted=False):
                self._settle(instance, task)
        except exception.NovaLiteException:
            raise
        except Exception as error:  # noqa: BLE001 - never leave it in its task
            instance.set_error(error, host=self.host, expected_task_state=[task])
