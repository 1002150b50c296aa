"""Client side of the conductor's RPC API."""

from __future__ import annotations

import oslo_messaging as messaging
from oslo_config import cfg

from nova_lite import rpc

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
    """

    VERSION = "1.1"

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
    ) -> None:
        self.client.prepare().cast(
            context, "build_instances", instances=instances, image=image, request_spec=request_spec
        )

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
