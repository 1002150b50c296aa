"""Client side of the compute service's RPC API (server = the compute host)."""

from __future__ import annotations

import oslo_messaging as messaging
from oslo_config import cfg

from nova_lite import rpc

CONF = cfg.CONF

TOPIC = "compute"


class ComputeAPI:
    """API version history:
    1.0 - build_and_run_instance, terminate_instance
    1.1 - start_instance, stop_instance, reboot_instance, pause_instance,
          unpause_instance, suspend_instance, resume_instance, get_console_output
    1.2 - prep_resize, resize_instance, finish_resize, confirm_resize,
          revert_resize, finish_revert_resize, drop_move_claim_at_dest
    """

    VERSION = "1.2"

    def __init__(self) -> None:
        self.client = rpc.get_client(
            messaging.Target(topic=TOPIC, version=self.VERSION),
            version_cap=CONF.upgrade_levels.compute,
        )

    def build_and_run_instance(
        self, context, instance, host: str, node: str, image: dict, request_spec
    ) -> None:
        self.client.prepare(server=host).cast(
            context,
            "build_and_run_instance",
            instance=instance,
            node=node,
            image=image,
            request_spec=request_spec,
        )

    def terminate_instance(self, context, instance) -> None:
        self.client.prepare(server=instance.host).cast(
            context, "terminate_instance", instance=instance
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
