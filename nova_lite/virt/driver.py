"""ComputeDriver: the interface every hypervisor driver implements.

The compute manager calls only these methods. A driver that cannot do an
operation leaves the base method, which raises NotImplementedError.
"""

from __future__ import annotations

import dataclasses
import importlib

from nova_lite import exception


@dataclasses.dataclass
class InstanceInfo:
    """What the hypervisor says about one guest."""

    state: int
    internal_id: str | None = None


class ComputeDriver:
    """Base class of virt drivers; ``host`` is the compute service's host."""

    capabilities = {
        "supports_password_change": False,
        "supports_rescue": False,
        "supports_live_migration": False,
    }

    def __init__(self, host: str):
        self.host = host

    # -- host -----------------------------------------------------------
    def init_host(self, host: str) -> None:
        """Prepare the hypervisor before the service takes requests."""

    def cleanup_host(self, host: str) -> None:
        """Release what init_host took when the service stops."""

    def get_available_nodes(self) -> list[str]:
        """Names of the nodes (hypervisors) this driver manages."""
        raise NotImplementedError()

    def get_available_resource(self, nodename: str) -> dict:
        """Capacity and usage of a node: vcpus, memory_mb, local_gb, the *_used
        values, hypervisor_type, hypervisor_version, hypervisor_hostname, cpu_info."""
        raise NotImplementedError()

    def get_host_uptime(self) -> str:
        raise NotImplementedError()

    # -- guests: inventory ------------------------------------------------
    def list_instances(self) -> list[str]:
        """Names of the guests the hypervisor knows."""
        raise NotImplementedError()

    def list_instance_uuids(self) -> list[str]:
        raise NotImplementedError()

    def instance_exists(self, instance) -> bool:
        return instance.uuid in self.list_instance_uuids()

    def get_info(self, instance) -> InstanceInfo:
        """Power state of a guest; raises InstanceNotFound when there is none."""
        raise NotImplementedError()

    # -- build and delete --------------------------------------------------
    def spawn(
        self,
        context,
        instance,
        image_meta: dict,
        admin_password: str | None = None,
        network_info: list | None = None,
        block_device_info: dict | None = None,
    ) -> None:
        """Create and boot a guest; return once it is running."""
        raise NotImplementedError()

    def destroy(
        self,
        context,
        instance,
        network_info: list | None = None,
        block_device_info: dict | None = None,
        destroy_disks: bool = True,
    ) -> None:
        """Stop and remove a guest (and its disks); absent guests are not an error."""
        raise NotImplementedError()

    def cleanup(
        self,
        context,
        instance,
        network_info: list | None = None,
        block_device_info: dict | None = None,
        destroy_disks: bool = True,
    ) -> None:
        """Remove what is left of a guest that is no longer running."""
        raise NotImplementedError()

    def rebuild(self, context, instance, image_meta: dict, **kwargs) -> None:
        """Re-create a guest from (possibly another) image, keeping its identity."""
        raise NotImplementedError()

    # -- power -------------------------------------------------------------
    def reboot(
        self,
        context,
        instance,
        network_info: list | None,
        reboot_type: str,
        block_device_info: dict | None = None,
    ) -> None:
        """SOFT (guest shutdown, then start) or HARD (power cycle) reboot."""
        raise NotImplementedError()

    def power_off(self, instance, timeout: int = 0, retry_interval: int = 0) -> None:
        raise NotImplementedError()

    def power_on(
        self,
        context,
        instance,
        network_info: list | None = None,
        block_device_info: dict | None = None,
    ) -> None:
        raise NotImplementedError()

    def pause(self, instance) -> None:
        """Freeze a guest; its state stays in host memory."""
        raise NotImplementedError()

    def unpause(self, instance) -> None:
        raise NotImplementedError()

    def suspend(self, context, instance) -> None:
        """Save a guest's memory to disk and stop it."""
        raise NotImplementedError()

    def resume(
        self,
        context,
        instance,
        network_info: list | None = None,
        block_device_info: dict | None = None,
    ) -> None:
        raise NotImplementedError()

    def resume_state_on_host_boot(
        self,
        context,
        instance,
        network_info: list | None = None,
        block_device_info: dict | None = None,
    ) -> None:
        raise NotImplementedError()

    # -- snapshots and shelve ----------------------------------------------
    def snapshot(self, context, instance, image_id: str, update_task_state) -> None:
        """Copy a guest's disk into a standalone image and upload it to the Glance
        image ``image_id`` (queued), setting its disk and container formats.

        Calls ``update_task_state(task_state=IMAGE_PENDING_UPLOAD)`` once the copy
        is taken, then ``update_task_state(task_state=IMAGE_UPLOADING,
        expected_state=IMAGE_PENDING_UPLOAD)`` before the upload (the compute
        manager maps these to the shelving task states during a shelve).
        """
        raise NotImplementedError()

    # -- rescue ---------------------------------------------------------------
    def rescue(
        self,
        context,
        instance,
        network_info: list | None,
        image_meta: dict,
        rescue_password: str | None,
        block_device_info: dict | None = None,
    ) -> None:
        raise NotImplementedError()

    def unrescue(self, context, instance) -> None:
        raise NotImplementedError()

    def is_rescued(self, instance) -> bool:
        """Whether the guest runs from a rescue image (settles interrupted rescues)."""
        raise NotImplementedError()

    # -- cold migration and resize -------------------------------------------
    def migrate_disk_and_power_off(
        self,
        context,
        instance,
        dest: str,
        flavor,
        network_info: list | None,
        block_device_info: dict | None = None,
        timeout: int = 0,
        retry_interval: int = 0,
    ) -> dict:
        raise NotImplementedError()

    def finish_migration(
        self,
        context,
        migration,
        instance,
        disk_info: dict,
        network_info: list | None,
        image_meta: dict,
        resize_instance: bool,
        allocations: dict | None = None,
        block_device_info: dict | None = None,
        power_on: bool = True,
    ) -> None:
        raise NotImplementedError()

    def confirm_migration(self, context, migration, instance, network_info: list | None) -> None:
        raise NotImplementedError()

    def finish_revert_migration(
        self,
        context,
        instance,
        network_info: list | None,
        migration,
        block_device_info: dict | None = None,
        power_on: bool = True,
    ) -> None:
        raise NotImplementedError()

    # -- live migration -------------------------------------------------------
    def check_can_live_migrate_destination(
        self,
        context,
        instance,
        src_compute_info: dict,
        dst_compute_info: dict,
        block_migration: bool = False,
        disk_over_commit: bool = False,
    ) -> dict:
        raise NotImplementedError()

    def check_can_live_migrate_source(
        self, context, instance, dest_check_data: dict, block_device_info: dict | None = None
    ) -> dict:
        raise NotImplementedError()

    def pre_live_migration(
        self,
        context,
        instance,
        block_device_info: dict | None,
        network_info: list | None,
        disk_info: dict | None,
        migrate_data: dict | None = None,
    ) -> dict:
        raise NotImplementedError()

    def live_migration(
        self,
        context,
        instance,
        dest: str,
        post_method,
        recover_method,
        block_migration: bool = False,
        migrate_data: dict | None = None,
    ) -> None:
        """Move the running guest to ``dest``; then call
        ``post_method(context, instance, dest, block_migration, migrate_data)``, or
        ``recover_method(context, instance, dest, migrate_data, migration_status=...)``
        when the guest stays here ("error", or "cancelled" after an abort)."""
        raise NotImplementedError()

    def live_migration_force_complete(self, instance) -> None:
        """Make the guest's migration in progress switch over now."""
        raise NotImplementedError()

    def live_migration_abort(self, instance) -> None:
        """Cancel the guest's migration in progress; live_migration then recovers
        with migration_status "cancelled"."""
        raise NotImplementedError()

    def post_live_migration(
        self, context, instance, block_device_info: dict | None, migrate_data: dict | None = None
    ) -> None:
        raise NotImplementedError()

    def post_live_migration_at_destination(
        self,
        context,
        instance,
        network_info: list | None,
        block_migration: bool = False,
        block_device_info: dict | None = None,
    ) -> None:
        raise NotImplementedError()

    def rollback_live_migration_at_destination(
        self,
        context,
        instance,
        network_info: list | None,
        block_device_info: dict | None,
        destroy_disks: bool = True,
        migrate_data: dict | None = None,
    ) -> None:
        raise NotImplementedError()

    # -- consoles and guest agent --------------------------------------------
    def get_console_output(self, context, instance) -> str:
        raise NotImplementedError()

    def get_vnc_console(self, context, instance) -> dict:
        raise NotImplementedError()

    def set_admin_password(self, instance, new_pass: str) -> None:
        raise NotImplementedError()


def load_compute_driver(name: str, host: str) -> ComputeDriver:
    """The driver named ``module.Class`` under nova_lite.virt, for ``host``."""
    module_name, _, class_name = name.rpartition(".")
    try:
        module = importlib.import_module(f"nova_lite.virt.{module_name}")
        driver_class = getattr(module, class_name)
    except (ImportError, AttributeError, ValueError) as error:
        raise exception.VirtDriverNotFound(name=name, reason=error) from None
    driver = driver_class(host)
    if not isinstance(driver, ComputeDriver):
        raise exception.VirtDriverNotFound(name=name, reason="not a ComputeDriver")
    return driver
