"""Power operations of the compute manager: start, stop, reboot, pause,
suspend and their reverses, and the console log."""

from __future__ import annotations

import oslo_messaging as messaging
from oslo_log import log as logging

from nova_lite import exception
from nova_lite.compute import power_state, snapshot_images, task_states, utils, vm_states

LOG = logging.getLogger(__name__)

SOFT, HARD = "SOFT", "HARD"


class PowerOperations:
    """Mixed into ComputeManager; uses its driver, host and instance locks."""

    def _finish(self, instance, vm_state: str, expected_task_state: list[str]) -> None:
        instance.power_state = self._query_power_state(instance)
        instance.vm_state = vm_state
        instance.task_state = None
        instance.save(expected_task_state=expected_task_state)

    def _query_power_state(self, instance) -> int:
        try:
            return self.driver.get_info(instance).state
        except Exception:  # noqa: BLE001 - a guest that is gone has no state
            return power_state.NOSTATE

    def start_instance(self, context, instance) -> None:
        """Start the guest; a SHELVED instance (unshelve) also leaves its shelf and
        loses its shelved image."""
        with utils.instance_operation(self, context, instance, "compute_start_instance"):
            self.driver.power_on(context, instance)
            snapshot_images.delete(context, snapshot_images.forget_shelved_image(instance))
            self._finish(instance, vm_states.ACTIVE, [task_states.POWERING_ON])

    def stop_instance(self, context, instance, clean_shutdown: bool = True) -> None:
        with utils.instance_operation(self, context, instance, "compute_stop_instance"):
            self.driver.power_off(instance, timeout=60 if clean_shutdown else 0)
            self._finish(instance, vm_states.STOPPED, [task_states.POWERING_OFF])

    def reboot_instance(self, context, instance, reboot_type: str = SOFT) -> None:
        hard = reboot_type == HARD
        started = task_states.REBOOT_STARTED_HARD if hard else task_states.REBOOT_STARTED
        pending = (
            (task_states.REBOOTING_HARD, task_states.REBOOT_PENDING_HARD)
            if hard
            else (task_states.REBOOTING, task_states.REBOOT_PENDING)
        )
        with utils.instance_operation(
            self,
            context,
            instance,
            "compute_reboot_instance",
            error_state=vm_states.ERROR if hard else None,
        ):
            instance.task_state = started
            instance.save(expected_task_state=list(pending))
            self.driver.reboot(context, instance, None, reboot_type)
            self._finish(instance, vm_states.ACTIVE, [started])

    def pause_instance(self, context, instance) -> None:
        with utils.instance_operation(self, context, instance, "compute_pause_instance"):
            self.driver.pause(instance)
            self._finish(instance, vm_states.PAUSED, [task_states.PAUSING])

    def unpause_instance(self, context, instance) -> None:
        with utils.instance_operation(self, context, instance, "compute_unpause_instance"):
            self.driver.unpause(instance)
            self._finish(instance, vm_states.ACTIVE, [task_states.UNPAUSING])

    def suspend_instance(self, context, instance) -> None:
        with utils.instance_operation(self, context, instance, "compute_suspend_instance"):
            self.driver.suspend(context, instance)
            self._finish(instance, vm_states.SUSPENDED, [task_states.SUSPENDING])

    def resume_instance(self, context, instance) -> None:
        with utils.instance_operation(self, context, instance, "compute_resume_instance"):
            self.driver.resume(context, instance)
            self._finish(instance, vm_states.ACTIVE, [task_states.RESUMING])

    @messaging.expected_exceptions(exception.NovaLiteException)
    def get_console_output(self, context, instance, tail_length: int | None = None) -> str:
        output = self.driver.get_console_output(context, instance)
        if tail_length is not None:
            lines = output.splitlines()
            output = "\n".join(lines[-tail_length:] if tail_length else [])
        return output
