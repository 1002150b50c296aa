"""Rebuild, rescue and admin password operations of the compute manager."""

from __future__ import annotations

import oslo_messaging as messaging
from oslo_log import log as logging
from oslo_utils import timeutils

from nova_lite import exception
from nova_lite.compute import task_states, utils, vm_states

LOG = logging.getLogger(__name__)


class RebuildOperations:
    """Mixed into ComputeManager; uses its driver, host and instance locks."""

    def rebuild_instance(
        self, context, instance, image: dict, admin_password: str | None = None
    ) -> None:
        """Re-create the guest from ``image`` on this host, keeping its identity.

        A rebuilt STOPPED instance ends STOPPED, any other ACTIVE (as Nova).
        A failure leaves the instance in ERROR with a fault.
        """
        with utils.instance_operation(
            self, context, instance, "compute_rebuild_instance", error_state=vm_states.ERROR
        ):
            orig_vm_state = instance.vm_state
            try:
                self.driver.rebuild(context, instance, image, admin_password=admin_password)
                instance.task_state = task_states.REBUILD_SPAWNING
                instance.save(expected_task_state=[task_states.REBUILDING])
            except NotImplementedError:
                # Nova's _rebuild_default_impl: destroy, then spawn again.
                self.driver.destroy(context, instance, destroy_disks=True)
                instance.task_state = task_states.REBUILD_SPAWNING
                instance.save(expected_task_state=[task_states.REBUILDING])
                self.driver.spawn(context, instance, image, admin_password=admin_password)
            final = vm_states.ACTIVE
            if orig_vm_state == vm_states.STOPPED:
                LOG.info("Bringing rebuilt instance %s back to stopped", instance.uuid)
                self.driver.power_off(instance)
                final = vm_states.STOPPED
            instance.launched_at = timeutils.utcnow()
            self._finish(instance, final, [task_states.REBUILD_SPAWNING])

    def rescue_instance(
        self, context, instance, rescue_password: str | None, rescue_image_ref: str | None = None
    ) -> None:
        """Boot the guest from a rescue image with its own disk attached."""
        with utils.instance_operation(self, context, instance, "compute_rescue_instance"):
            image = {"id": rescue_image_ref or instance.image_ref}
            self.driver.rescue(context, instance, None, image, rescue_password)
            self._finish(instance, vm_states.RESCUED, [task_states.RESCUING])

    def unrescue_instance(self, context, instance) -> None:
        with utils.instance_operation(self, context, instance, "compute_unrescue_instance"):
            self.driver.unrescue(context, instance)
            self._finish(instance, vm_states.ACTIVE, [task_states.UNRESCUING])

    @messaging.expected_exceptions(exception.NovaLiteException)
    def set_admin_password(self, context, instance, new_pass: str) -> None:
        """A call: the API answers with the result (501 when the driver cannot)."""
        with self._locks.hold(instance.uuid):
            try:
                with utils.event_reporter(
                    context, instance.uuid, "compute_set_admin_password", self.host
                ):
                    self.driver.set_admin_password(instance, new_pass)
                    instance.task_state = None
                    instance.save(expected_task_state=[task_states.UPDATING_PASSWORD])
                    return
            except exception.InstanceNotFound:
                raise
            except NotImplementedError as error:
                LOG.warning("set_admin_password is not implemented for %s", instance.uuid)
                self._revert_password_task(instance, error)
                raise exception.SetAdminPasswdNotImplemented() from None
            except Exception as error:  # noqa: BLE001 - recorded, not revealed
                LOG.exception("set_admin_password failed for %s", instance.uuid)
                self._revert_password_task(instance, error)
                # A new error, so that no password reaches the caller.
                raise exception.InstancePasswordSetFailed(
                    instance=instance.uuid, reason="error setting admin password"
                ) from None

    def _revert_password_task(self, instance, error: BaseException) -> None:
        try:
            instance.add_fault(error, host=self.host)
            instance.task_state = None
            instance.save(expected_task_state=[task_states.UPDATING_PASSWORD])
        except exception.NovaLiteException:
            LOG.exception("Could not revert the password task of %s", instance.uuid)
