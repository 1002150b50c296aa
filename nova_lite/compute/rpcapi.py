"""Client side of the compute service's RPC API (server = the compute host)."""

from __future__ import annotations

import oslo_messaging as messaging
from oslo_config import cfg

from nova_lite import exception, rpc

CONF = cfg.CONF

TOPIC = "compute"


class ComputeAPI:
    """API version history:
    1.0 - build_and_run_instance, terminate_instance
    1.1 - start_instance, stop_instance, reboot_instance, pause_instance,
          unpause_instance, suspend_instance, resume_instance, get_console_output
    1.2 - prep_resize, resize_instance, finish_resize, confirm_resize,
          revert_resize, finish_revert_resize, drop_move_claim_at_dest
    1.3 - check_can_live_migrate_destination, check_can_live_migrate_source,
          live_migration, pre_live_migration, post_live_migration_at_destination,
          rollback_live_migration_at_destination
    1.4 - rebuild_instance, rescue_instance, unrescue_instance, set_admin_password
    1.5 - evacuate_instance
    1.6 - live_migration_force_complete, live_migration_abort
    1.7 - evacuate_instance takes target_state
    1.8 - get_host_uptime
    1.9 - snapshot_instance, shelve_instance, shelve_offload_instance,
          unshelve_instance
    1.10 - build_and_run_instance takes admin_password
    """

    VERSION = "1.10"

    def __init__(self) -> None:
        self.client = rpc.get_client(
            messaging.Target(topic=TOPIC, version=self.VERSION),
            version_cap=CONF.upgrade_levels.compute,
        )

    def build_and_run_instance(
        self,
        context,
        instance,
        host: str,
        node: str,
        image: dict,
        request_spec,
        admin_password: str | None = None,
    ) -> None:
        kwargs = {"instance": instance, "node": node, "image": image, "request_spec": request_spec}
        version = "1.0"
        if self.client.can_send_version("1.10"):
            kwargs["admin_password"] = admin_password
            version = "1.10"
        self.client.prepare(server=host, version=version).cast(
            context, "build_and_run_instance", **kwargs
        )

    def terminate_instance(self, context, instance) -> None:
        self.client.prepare(server=instance.host).cast(
            context, "terminate_instance", instance=instance
        )

    def check_can_send(self, version: str, what: str) -> None:
        """Refuse (409) ``what`` while [upgrade_levels] caps the API below ``version``."""
        if not self.client.can_send_version(version):
            raise exception.ComputeRPCVersionCapped(
                method=what, cap=CONF.upgrade_levels.compute, version=version
            )

    def _cast(self, context, method: str, instance, version: str = "1.1", **kwargs) -> None:
        client = self.client.prepare(server=instance.host, version=version)
        client.cast(context, method, instance=instance, **kwargs)

    def start_instance(self, context, instance) -> None:
        self._cast(context, "start_instance", instance)

    def stop_instance(self, context, instance, clean_shutdown: bool = True) -> None:
        self._cast(context, "stop_instance", instance, clean_shutdown=clean_shutdown)

    def reboot_instance(self, context, instance, reboot_type: str) -> None:
        self._cast(context, "reboot_instance", instance, reboot_type=reboot_type)

    def pause_instance(self, context, instance) -> None:
        self._cast(context, "pause_instance", instance)

    def unpause_instance(self, context, instance) -> None:
        self._cast(context, "unpause_instance", instance)

    def suspend_instance(self, context, instance) -> None:
        self._cast(context, "suspend_instance", instance)

    def resume_instance(self, context, instance) -> None:
        self._cast(context, "resume_instance", instance)

    def get_console_output(self, context, instance, tail_length: int | None) -> str:
        client = self.client.prepare(server=instance.host, version="1.1")
        return client.call(
            context, "get_console_output", instance=instance, tail_length=tail_length
        )

    def get_host_uptime(self, context, host: str) -> str:
        """The host's ``uptime`` line, from its virt driver (NotImplementedError if none)."""
        client = self.client.prepare(server=host, version="1.8")
        return client.call(context, "get_host_uptime")

    # -- cold migration and resize (1.2): casts to the source or destination --------
    def _cast_move(self, context, host: str, method: str, instance, migration, **kwargs) -> None:
        client = self.client.prepare(server=host, version="1.2")
        client.cast(context, method, instance=instance, migration=migration, **kwargs)

    def prep_resize(
        self, context, instance, flavor, migration, node: str, clean_shutdown: bool = True
    ) -> None:
        """Destination: claim the new flavor, then have the source hand the guest over."""
        self._cast_move(
            context,
            migration.dest_compute,
            "prep_resize",
            instance,
            migration,
            flavor=flavor,
            node=node,
            clean_shutdown=clean_shutdown,
        )

    def resize_instance(
        self, context, instance, migration, flavor, clean_shutdown: bool = True
    ) -> None:
        """Source: power the guest off and send its disk to the destination."""
        self._cast_move(
            context,
            migration.source_compute,
            "resize_instance",
            instance,
            migration,
            flavor=flavor,
            clean_shutdown=clean_shutdown,
        )

    def finish_resize(self, context, instance, migration, disk_info: dict) -> None:
        """Destination: start the guest with the new flavor (VERIFY_RESIZE)."""
        self._cast_move(
            context,
            migration.dest_compute,
            "finish_resize",
            instance,
            migration,
            disk_info=disk_info,
        )

    def confirm_resize(self, context, instance, migration) -> None:
        """Source: drop the old guest and the room it kept."""
        self._cast_move(context, migration.source_compute, "confirm_resize", instance, migration)

    def revert_resize(self, context, instance, migration) -> None:
        """Destination: drop the new guest, then have the source start the old one."""
        self._cast_move(context, migration.dest_compute, "revert_resize", instance, migration)

    def finish_revert_resize(self, context, instance, migration) -> None:
        """Source: start the old guest again, with the old flavor."""
        self._cast_move(
            context, migration.source_compute, "finish_revert_resize", instance, migration
        )

    def drop_move_claim_at_dest(self, context, instance, migration) -> None:
        """Destination: forget the room claimed for a move that failed on the source."""
        self._cast_move(
            context, migration.dest_compute, "drop_move_claim_at_dest", instance, migration
        )

    # -- live migration (1.3) ------------------------------------------------------------
    def _prepare_live(self, host: str, timeout: int | None = None):
        return self.client.prepare(server=host, version="1.3", timeout=timeout)

    def check_can_live_migrate_destination(
        self, context, instance, migration, block_migration: bool, disk_over_commit: bool
    ) -> dict:
        """Destination (a call): can it take the guest? Claims room for it there."""
        return self._prepare_live(migration.dest_compute).call(
            context,
            "check_can_live_migrate_destination",
            instance=instance,
            migration=migration,
            block_migration=block_migration,
            disk_over_commit=disk_over_commit,
        )

    def check_can_live_migrate_source(self, context, instance, dest_check_data: dict) -> dict:
        """Source (a call): can the guest leave?"""
        return self._prepare_live(instance.host).call(
            context,
            "check_can_live_migrate_source",
            instance=instance,
            dest_check_data=dest_check_data,
        )

    def live_migration(self, context, instance, migration, migrate_data: dict) -> None:
        """Source: move the running guest to the migration's destination."""
        self._prepare_live(migration.source_compute).cast(
            context,
            "live_migration",
            instance=instance,
            migration=migration,
            migrate_data=migrate_data,
        )

    def pre_live_migration(self, context, instance, migration, migrate_data: dict) -> dict:
        """Destination (a call): get ready to receive the guest."""
        return self._prepare_live(migration.dest_compute).call(
            context,
            "pre_live_migration",
            instance=instance,
            migration=migration,
            migrate_data=migrate_data,
        )

    def post_live_migration_at_destination(self, context, instance, migration) -> None:
        """Destination (a call): the guest runs there now; record it there."""
        self._prepare_live(migration.dest_compute).call(
            context, "post_live_migration_at_destination", instance=instance, migration=migration
        )

    def rollback_live_migration_at_destination(self, context, instance, migration) -> None:
        """Destination: forget the guest and the room prepared for it."""
        self._prepare_live(migration.dest_compute).cast(
            context,
            "rollback_live_migration_at_destination",
            instance=instance,
            migration=migration,
        )

    # -- rebuild, rescue, admin password (1.4) -----------------------------------------
    def rebuild_instance(self, context, instance, image: dict, admin_password) -> None:
        """The instance's host: destroy the guest and spawn it again from ``image``."""
        self._cast(
            context,
            "rebuild_instance",
            instance,
            version="1.4",
            image=image,
            admin_password=admin_password,
        )

    def rescue_instance(self, context, instance, rescue_password, rescue_image_ref) -> None:
        self._cast(
            context,
            "rescue_instance",
            instance,
            version="1.4",
            rescue_password=rescue_password,
            rescue_image_ref=rescue_image_ref,
        )

    def unrescue_instance(self, context, instance) -> None:
        self._cast(context, "unrescue_instance", instance, version="1.4")

    def set_admin_password(self, context, instance, new_pass: str) -> None:
        """A call, as Nova's: the API reports the driver's answer (501/409)."""
        client = self.client.prepare(server=instance.host, version="1.4")
        client.call(context, "set_admin_password", instance=instance, new_pass=new_pass)

    # -- evacuation (1.5) -------------------------------------------------------------
    def evacuate_instance(
        self,
        context,
        instance,
        migration,
        image: dict,
        admin_password,
        node: str,
        target_state: str | None = None,
    ) -> None:
        """Destination: rebuild the instance of a down host there (Nova's
        rebuild_instance with evacuate=True), ending in ``target_state`` if given."""
        kwargs = {"target_state": target_state} if target_state else {}
        client = self.client.prepare(
            server=migration.dest_compute, version="1.7" if kwargs else "1.5"
        )
        client.cast(
            context,
            "evacuate_instance",
            instance=instance,
            migration=migration,
            image=image,
            admin_password=admin_password,
            node=node,
            **kwargs,
        )

    # -- live migration control (1.6): casts to the source, which runs the migration --
    def check_can_control_live_migration(self, what: str) -> None:
        """Refuse (409) force-complete and abort while [upgrade_levels] caps the API below 1.6."""
        self.check_can_send("1.6", what)

    def live_migration_force_complete(self, context, instance, migration) -> None:
        """Source: end the running live migration now."""
        self.client.prepare(server=migration.source_compute, version="1.6").cast(
            context, "live_migration_force_complete", instance=instance, migration=migration
        )

    def live_migration_abort(self, context, instance, migration_id: int) -> None:
        """Source: cancel the live migration; the guest stays there."""
        self.client.prepare(server=instance.host, version="1.6").cast(
            context, "live_migration_abort", instance=instance, migration_id=migration_id
        )

    # -- snapshots and shelve (1.9) ------------------------------------------------------
    def snapshot_instance(self, context, instance, image_id: str) -> None:
        """The instance's host: upload the guest's disk into the (queued) image."""
        self._cast(context, "snapshot_instance", instance, version="1.9", image_id=image_id)

    def shelve_instance(
        self, context, instance, image_id: str, clean_shutdown: bool = True
    ) -> None:
        """The instance's host: power the guest off and upload its disk into the image
        (then offload it at once when shelved_offload_time is 0)."""
        self._cast(
            context,
            "shelve_instance",
            instance,
            version="1.9",
            image_id=image_id,
            clean_shutdown=clean_shutdown,
        )

    def shelve_offload_instance(self, context, instance, clean_shutdown: bool = True) -> None:
        """The instance's host: destroy the shelved guest and free its resources."""
        self._cast(
            context,
            "shelve_offload_instance",
            instance,
            version="1.9",
            clean_shutdown=clean_shutdown,
        )

    def unshelve_instance(self, context, instance, host: str, node: str, image: dict) -> None:
        """``host`` (chosen by the scheduler): spawn the offloaded instance from its
        shelved image."""
        self.client.prepare(server=host, version="1.9").cast(
            context, "unshelve_instance", instance=instance, node=node, image=image
        )
