"""Snapshots of a guest into a Glance image (createImage), on the instance's host.

The API created the image (queued) and set the task image_snapshot_pending.
Here the task goes image_snapshot -> image_pending_upload -> image_uploading
(the driver reports the last two) -> None; the vm_state never changes. A
failure deletes the image and clears the task with a fault; an instance
deleted meanwhile loses its image unless the upload completed (Nova's rules).
"""

from __future__ import annotations

from oslo_log import log as logging

from nova_lite import exception
from nova_lite.compute import snapshot_images, task_states, utils

LOG = logging.getLogger(__name__)

EVENT = "compute_snapshot_instance"
SNAPSHOT_TASKS = [
    task_states.IMAGE_SNAPSHOT_PENDING,
    task_states.IMAGE_SNAPSHOT,
    task_states.IMAGE_PENDING_UPLOAD,
    task_states.IMAGE_UPLOADING,
]


def end_failed_upload(instance, error: BaseException, host: str, tasks: list[str]) -> None:
    """Record ``error`` and clear the task of a failed snapshot or shelve (one of
    ``tasks``), forgetting its image; the caller set the states to save with it."""
    instance.add_fault(error, host=host)
    instance.task_state = None
    snapshot_images.drop_keys(instance, [snapshot_images.PENDING_IMAGE])
    instance.save(expected_task_state=tasks)


class SnapshotOperations:
    """Mixed into ComputeManager; uses its driver, host and instance locks."""

    def snapshot_instance(self, context, instance, image_id: str) -> None:
        """Upload the guest's disk into the image ``image_id`` (a cast)."""
        with self._locks.hold(instance.uuid):
            try:
                with utils.event_reporter(context, instance.uuid, EVENT, self.host):
                    try:
                        self._snapshot(context, instance, image_id)
                    except Exception as error:
                        self._snapshot_failed(context, instance, image_id, error)
                        raise
            except Exception:  # noqa: BLE001 - a cast: recorded on the instance
                LOG.info("Snapshot of instance %s to image %s failed", instance.uuid, image_id)

    def _snapshot(self, context, instance, image_id: str) -> None:
        instance.task_state = task_states.IMAGE_SNAPSHOT
        instance.power_state = self._query_power_state(instance)
        instance.save(expected_task_state=[task_states.IMAGE_SNAPSHOT_PENDING])
        LOG.info("Snapshotting instance %s to image %s", instance.uuid, image_id)

        def update_task_state(task_state: str, expected_state: str = task_states.IMAGE_SNAPSHOT):
            instance.task_state = task_state
            instance.save(expected_task_state=[expected_state])

        self.driver.snapshot(context, instance, image_id, update_task_state)
        instance.task_state = None
        snapshot_images.drop_keys(instance, [snapshot_images.PENDING_IMAGE])
        instance.save(expected_task_state=[task_states.IMAGE_UPLOADING])

    def _snapshot_failed(self, context, instance, image_id: str, error: Exception) -> None:
        if utils.instance_gone(context, instance, error):
            LOG.info("Instance %s was deleted during its snapshot", instance.uuid)
            snapshot_images.delete(context, image_id, unless_active=True)
            return
        LOG.error("Snapshot of instance %s failed: %s", instance.uuid, error)
        snapshot_images.delete(context, image_id)
        try:
            end_failed_upload(instance, error, self.host, SNAPSHOT_TASKS)
        except exception.NovaLiteException as race:
            LOG.warning("Could not clear the snapshot task of %s: %s", instance.uuid, race)

    def _end_interrupted_snapshot(self, context, instance, task: str) -> None:
        """A snapshot interrupted by a restart or past its deadline: clear the task and
        delete its image unless the upload completed (the guest was never changed)."""
        LOG.info("Ending the interrupted snapshot of %s (%s)", instance.uuid, task)
        snapshot_images.end_interrupted(context, instance, keep_complete=True)
        instance.task_state = None
        instance.save(expected_task_state=[task])
