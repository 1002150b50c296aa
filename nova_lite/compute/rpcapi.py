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
    """

    VERSION = "1.0"

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
