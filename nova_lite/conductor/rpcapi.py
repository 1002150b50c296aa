"""Client side of the conductor's RPC API."""

from __future__ import annotations

import oslo_messaging as messaging
from oslo_config import cfg

from nova_lite import exception, rpc

CONF = cfg.CONF

TOPIC = "conductor"


class ConductorAPI:
    """Object proxy: remotable object methods run on the conductor.

    API version history:
        1.0 - object_class_action_versions, object_action,
              object_backport_versions
    """

    VERSION = "1.0"

    def __init__(self) -> None:
        self.client = rpc.get_client(
            messaging.Target(topic=TOPIC, version=self.VERSION),
            version_cap=CONF.upgrade_levels.conductor,
        )

    def object_class_action_versions(
        self, context, objname, objmethod, object_versions, args, kwargs
    ):
        return self.client.prepare().call(
            context,
            "object_class_action_versions",
            objname=objname,
            objmethod=objmethod,
            object_versions=object_versions,
            args=args,
            kwargs=kwargs,
        )

    def object_action(self, context, objinst, objmethod, args, kwargs):
        return self.client.prepare().call(
            context, "object_action", objinst=objinst, objmethod=objmethod, args=args, kwargs=kwargs
        )

    def object_backport_versions(self, context, objinst, object_versions):
        return self.client.prepare().call(
            context, "object_backport_versions", objinst=objinst, object_versions=object_versions
        )


class ComputeTaskAPI:
    """Long-running tasks the conductor orchestrates across services.

    API version history:
        1.0 - build_instances
        1.1 - migrate_server (cold migration and resize)
        1.2 - live_migrate_instance
        1.3 - evacuate_instance
        1.4 - evacuate_instance takes target_state
        1.5 - unshelve_instance
        1.6 - build_instances takes admin_password
    """

    VERSION = "1.6"

    def __init__(self) -> None:
        self.client = rpc.get_client(
            messaging.Target(topic=TOPIC, namespace="compute_task", version=self.VERSION),
            version_cap=CONF.upgrade_levels.conductor,
        )

    def build_instances(
        self,
        context,
        instances: list,
        image: dict,
        request_spec,
        admin_password: str | None = None,
    ) -> None:
        kwargs = {"instances": instances, "image": image, "request_spec": request_spec}
        version = "1.0"
        if self.client.can_send_version("1.6"):
            kwargs["admin_password"] = admin_password
            version = "1.6"
        self.client.prepare(version=version).cast(context, "build_instances", **kwargs)

    def migrate_server(
        self, context, instance, flavor, request_spec, clean_shutdown: bool = True
    ) -> None:
        """Cold-migrate (same flavor) or resize (new flavor) an instance: the
        conductor schedules the destination and starts the move there."""
        self.client.prepare(version="1.1").cast(
            context,
            "migrate_server",
            instance=instance,
            flavor=flavor,
            request_spec=request_spec,
            clean_shutdown=clean_shutdown,
        )

    def live_migrate_instance(
        self,
        context,
        instance,
        host: str | None,
        block_migration: bool,
        disk_over_commit: bool,
        request_spec,
    ) -> None:
        """Live-migrate an instance to ``host`` (None: the scheduler picks one)."""
        self.client.prepare(version="1.2").cast(
            context,
            "live_migrate_instance",
            instance=instance,
            host=host,
            block_migration=block_migration,
            disk_over_commit=disk_over_commit,
            request_spec=request_spec,
        )

    def evacuate_instance(
        self, context, instance, migration, admin_password, request_spec, target_state=None
    ) -> None:
        """Rebuild the instance of a down host elsewhere (to the migration's
        dest_compute when the admin named one, else where the scheduler picks),
        ending in ``target_state`` when given (2.95: stopped)."""
        kwargs = {"target_state": target_state} if target_state else {}
        self.client.prepare(version="1.4" if kwargs else "1.3").cast(
            context,
            "evacuate_instance",
            instance=instance,
            migration=migration,
            admin_password=admin_password,
            request_spec=request_spec,
            **kwargs,
        )

    def check_can_send(self, version: str, what: str) -> None:
        """Refuse (409) ``what`` while [upgrade_levels] caps the API below ``version``."""
        if not self.client.can_send_version(version):
            raise exception.ConductorRPCVersionCapped(
                method=what, cap=CONF.upgrade_levels.conductor, version=version
            )

    def unshelve_instance(self, context, instance, request_spec) -> None:
        """Bring a shelved instance back: start it on its host (SHELVED), or schedule
        it and spawn it from its shelved image (SHELVED_OFFLOADED)."""
        self.client.prepare(version="1.5").cast(
            context, "unshelve_instance", instance=instance, request_spec=request_spec
        )
