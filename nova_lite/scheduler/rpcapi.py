"""Client side of the scheduler's RPC API."""

from __future__ import annotations

import oslo_messaging as messaging
from oslo_config import cfg

from nova_lite import rpc

CONF = cfg.CONF

TOPIC = "scheduler"


class SchedulerAPI:
    """API version history:
    1.0 - select_destinations
    """

    VERSION = "1.0"

    def __init__(self) -> None:
        self.client = rpc.get_client(
            messaging.Target(topic=TOPIC, version=self.VERSION),
            version_cap=CONF.upgrade_levels.scheduler,
        )

    def select_destinations(self, context, request_spec, instance_uuids: list[str]) -> list:
        """One Selection per instance uuid; raises NoValidHost when some do not fit."""
        return self.client.prepare().call(
            context, "select_destinations", request_spec=request_spec, instance_uuids=instance_uuids
        )
