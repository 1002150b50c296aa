"""Shelve, shelve offload and unshelve on the compute hosts (Nova's flow).

::

    API       --shelve_instance-->          host: power off, snapshot to "<name>-shelved"
                                            (SHELVED; offloaded at once when
                                            shelved_offload_time is 0)
    API/timer --shelve_offload_instance-->  host: destroy the guest, free the host
                                            (SHELVED_OFFLOADED, no host)
    conductor --unshelve_instance-->        host chosen by the scheduler: spawn from the
                                            shelved image, then delete it (ACTIVE)

A SHELVED instance is unshelved by starting its guest (the conductor casts
start_instance). The shelved instance keeps ``shelved_at``,
``shelved_image_id`` and ``shelved_host`` in its system_metadata until it is
unshelved or deleted. Failures: a shelve deletes its image and leaves the
instance as its hypervisor says, with a fault; a failed offload leaves it
SHELVED; a failed unshelve leaves it SHELVED_OFFLOADED with no host and no
allocation, with a fault. Volume-backed instances (which Nova offloads
without a snapshot) do not exist here.
"""

from __future__ import annotations

from oslo_config import cfg
from oslo_log import log as logging
from oslo_service import periodic_task
from oslo_utils import timeutils

from nova_lite import exception
from nova_lite.compute import power_state, recovery, snapshot_images, task_states, utils, vm_states
from nova_lite.compute.snapshot import end_failed_upload
from nova_lite.objects.compute_node import Allocations
from nova_lite.objects.instance import InstanceList

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

SHELVE_EVENT = "compute_shelve_instance"
OFFLOAD_EVENT = "compute_shelve_offload_instance"
UNSHELVE_EVENT = "compute_unshelve_instance"
SHELVE_TASKS = [
    task_states.SHELVING,
    task_states.SHELVING_IMAGE_PENDING_UPLOAD,
    task_states.SHELVING_IMAGE_UPLOADING,
]
OFFLOAD_TASKS = [task_states.SHELVING, task_states.SHELVING_OFFLOADING]
UNSHELVE_TASKS = [task_states.UNSHELVING, task_states.SPAWNING]
# The driver's snapshot task states, as a shelve shows them.
_SHELVING_STATE = {
    task_states.SHELVING: task_states.SHELVING,
    task_states.IMAGE_PENDING_UPLOAD: task_states.SHELVING_IMAGE_PENDING_UPLOAD,
    task_states.IMAGE_UPLOADING: task_states.SHELVING_IMAGE_UPLOADING,
}


class ShelveOperations(utils.PeriodicTaskMixin):
    """Mixed into ComputeManager; uses its driver, host, resource tracker and
    instance locks. Every method but the periodic task arrives as a cast."""

    # -- shelve ------------------------------------------------------------------------
    def shelve_instance(
        self, context, instance, image_id: str, clean_shutdown: bool = True
    ) -> None:
        with self._locks.hold(instance.uuid):
            try:
                with utils.event_reporter(context, instance.uuid, SHELVE_EVENT, self.host):
                    try:
                        self._shelve(context, instance, image_id, clean_shutdown)
                    except Exception as error:
                        self._shelve_failed(context, instance, image_id, error)
                        raise
                    if instance.task_state == task_states.SHELVING_OFFLOADING:
                        self._offload_or_revert(context, instance, clean_shutdown=False)
            except Exception:  # noqa: BLE001 - a cast: recorded on the instance
                LOG.info("Shelve of instance %s failed", instance.uuid)

    def _shelve(self, context, instance, image_id: str, clean_shutdown: bool) -> None:
        LOG.info("Shelving instance %s to image %s", instance.uuid, image_id)

        def update_task_state(task_state: str, expected_state: str = task_states.SHELVING):
            instance.task_state = _SHELVING_STATE[task_state]
            instance.save(expected_task_state=[_SHELVING_STATE[expected_state]])

        # A paused guest cannot shut down cleanly.
        clean = clean_shutdown and instance.power_state != power_state.PAUSED
        self.driver.power_off(instance, timeout=60 if clean else 0)
        self.driver.snapshot(context, instance, image_id, update_task_state)
        snapshot_images.drop_keys(instance, [snapshot_images.PENDING_IMAGE])
        instance.system_metadata = {
            **instance.system_metadata,
            snapshot_images.SHELVED_AT: timeutils.utcnow().isoformat(),
            snapshot_images.SHELVED_IMAGE: image_id,
            snapshot_images.SHELVED_HOST: self.host,
        }
        instance.vm_state = vm_states.SHELVED
        offload = CONF.shelved_offload_time == 0
        instance.task_state = task_states.SHELVING_OFFLOADING if offload else None
        instance.power_state = self._query_power_state(instance)
        instance.save(
            expected_task_state=[task_states.SHELVING, task_states.SHELVING_IMAGE_UPLOADING]
        )

    def _shelve_failed(self, context, instance, image_id: str, error: Exception) -> None:
        """Delete the shelve's image; the instance is what its hypervisor says, with a
        fault (its guest may have been powered off already)."""
        snapshot_images.delete(context, image_id)
        if utils.instance_gone(context, instance, error):
            LOG.info("Instance %s was deleted during its shelve", instance.uuid)
            return
        LOG.error("Shelve of instance %s failed: %s", instance.uuid, error)
        instance.power_state = self._query_power_state(instance)
        instance.vm_state = recovery.VM_STATE_OF_POWER.get(instance.power_state, instance.vm_state)
        try:
            end_failed_upload(instance, error, self.host, SHELVE_TASKS)
        except exception.NovaLiteException as race:
            LOG.warning("Could not clear the shelve task of %s: %s", instance.uuid, race)

    # -- offload ------------------------------------------------------------------------
    def shelve_offload_instance(self, context, instance, clean_shutdown: bool = True) -> None:
        with self._locks.hold(instance.uuid):
            try:
                with utils.event_reporter(context, instance.uuid, OFFLOAD_EVENT, self.host):
                    self._offload_or_revert(context, instance, clean_shutdown)
            except Exception:  # noqa: BLE001 - a cast: recorded on the instance
                LOG.info("Shelve offload of instance %s failed", instance.uuid)

    def _offload_or_revert(self, context, instance, clean_shutdown: bool) -> None:
        """Offload; on failure the instance stays SHELVED with a fault (re-raised)."""
        try:
            self._offload(context, instance, clean_shutdown)
        except Exception as error:
            if utils.instance_gone(context, instance, error):
                LOG.info("Instance %s was deleted during its offload", instance.uuid)
                raise
            LOG.error("Shelve offload of instance %s failed: %s", instance.uuid, error)
            try:
                instance.add_fault(error, host=self.host)
                instance.task_state = None
                instance.save(expected_task_state=OFFLOAD_TASKS)
            except exception.NovaLiteException as race:
                LOG.warning("Could not clear the offload task of %s: %s", instance.uuid, race)
            raise

    def _offload(self, context, instance, clean_shutdown: bool) -> None:
        LOG.info("Offloading shelved instance %s", instance.uuid)
        try:
            self.driver.power_off(instance, timeout=60 if clean_shutdown else 0)
        except exception.InstanceNotFound:
            LOG.info("Shelved instance %s has no guest here any more", instance.uuid)
        state = self._query_power_state(instance)
        self.driver.destroy(context, instance)
        node = instance.node
        # Freed before the state shows it, so that whoever waits for the offload to
        # schedule more finds the room.
        Allocations.release(context, instance.uuid)
        instance.power_state = state
        instance.vm_state = vm_states.SHELVED_OFFLOADED
        instance.task_state = None
        instance.host = None
        instance.node = None
        instance.save(expected_task_state=OFFLOAD_TASKS)
        self.rt.release(context, instance.uuid, node)

    @periodic_task.periodic_task
    def _poll_shelved_instances(self, context) -> None:
        """Offload this host's instances shelved longer than shelved_offload_time."""
        if CONF.shelved_offload_time <= 0:
            return
        interval = CONF.shelved_poll_interval if CONF.shelved_poll_interval > 0 else -1
        if not self._due("_poll_shelved_instances", interval):
            return
        shelved = InstanceList.get_by_filters(
            context, {"vm_state": vm_states.SHELVED, "task_state": None, "host": self.host}
        )
        for instance in shelved:
            shelved_at = instance.system_metadata.get(snapshot_images.SHELVED_AT)
            if shelved_at and not timeutils.is_older_than(shelved_at, CONF.shelved_offload_time):
                continue
            LOG.info("Instance %s was shelved at %s: offloading it", instance.uuid, shelved_at)
            try:
                instance.task_state = task_states.SHELVING_OFFLOADING
                instance.save(expected_task_state=[None])
            except exception.NovaLiteException as race:
                LOG.info("Offload of %s skipped: %s", instance.uuid, race)
                continue
            self.shelve_offload_instance(context, instance, clean_shutdown=False)

    # -- unshelve -------------------------------------------------------------------------
    def unshelve_instance(self, context, instance, node: str, image: dict) -> None:
        """Spawn the offloaded instance here (the scheduler claimed ``node`` for it)
        from its shelved image ``image``."""
        with self._locks.hold(instance.uuid):
            try:
                with utils.event_reporter(context, instance.uuid, UNSHELVE_EVENT, self.host):
                    try:
                        self._unshelve(context, instance, node, image)
                    except Exception as error:
                        self._unshelve_failed(context, instance, error)
                        raise
            except Exception:  # noqa: BLE001 - a cast: recorded on the instance
                LOG.info("Unshelve of instance %s failed", instance.uuid)

    def _unshelve(self, context, instance, node: str, image: dict) -> None:
        LOG.info("Unshelving instance %s from image %s", instance.uuid, image.get("id"))
        instance.host = self.host
        instance.node = node
        instance.task_state = task_states.SPAWNING
        instance.save(expected_task_state=[task_states.UNSHELVING])
        with self.rt.instance_claim(context, instance, node):
            self.driver.spawn(context, instance, image)
        # As Nova: the image goes before the state shows the instance unshelved.
        snapshot_images.delete(context, snapshot_images.forget_shelved_image(instance))
        instance.vm_state = vm_states.ACTIVE
        instance.task_state = None
        instance.power_state = self._query_power_state(instance)
        instance.launched_at = timeutils.utcnow()
        instance.save(expected_task_state=[task_states.SPAWNING])
        self.rt.save_usage(node)

    def _unshelve_failed(self, context, instance, error: Exception) -> None:
        """Undo a spawn that failed (or was interrupted): no guest, no claim, no
        allocation, no host; SHELVED_OFFLOADED with a fault (deleted instances only
        give their resources back)."""
        try:
            self.driver.destroy(context, instance)
        except Exception:  # noqa: BLE001 - logged; the guest may never have existed
            LOG.exception("Could not clean up the guest of %s", instance.uuid)
        self.rt.release(context, instance.uuid, instance.node)
        Allocations.release(context, instance.uuid)
        if utils.instance_gone(context, instance, error):
            LOG.info("Instance %s was deleted during its unshelve", instance.uuid)
            return
        LOG.error("Unshelve of instance %s failed: %s", instance.uuid, error)
        try:
            instance.add_fault(error, host=self.host)
            instance.host = None
            instance.node = None
            instance.power_state = power_state.NOSTATE
            instance.task_state = None
            instance.save(expected_task_state=UNSHELVE_TASKS)
        except exception.NovaLiteException as race:
            LOG.warning("Could not clear the unshelve task of %s: %s", instance.uuid, race)

    # -- repair of interrupted work (restart or deadline) ------------------------------------
    def _recover_shelve(self, context, instance, task: str) -> None:
        """Settle a shelve, offload or unshelve that was interrupted in ``task``."""
        if task in SHELVE_TASKS:
            LOG.info("Settling %s after an interrupted shelve (%s)", instance.uuid, task)
            snapshot_images.end_interrupted(context, instance, keep_complete=False)
            self._settle(instance, task)
        elif task == task_states.SHELVING_OFFLOADING:
            LOG.info("Finishing the interrupted offload of %s", instance.uuid)
            self._offload_or_revert(context, instance, clean_shutdown=False)
        else:
            LOG.warning("Unshelve of %s interrupted in %s", instance.uuid, task)
            error = exception.InstanceTaskTimedOut(
                instance_uuid=instance.uuid, reason=f"the unshelve was interrupted in {task}"
            )
            if instance.vm_state == vm_states.SHELVED_OFFLOADED:
                self._unshelve_failed(context, instance, error)
            else:  # SHELVED here; the conductor never started its guest
                instance.add_fault(error, host=self.host)
                instance.task_state = None
                instance.save(expected_task_state=[task])
