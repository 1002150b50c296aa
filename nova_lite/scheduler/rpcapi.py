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
    1.1 - update_aggregates, delete_aggregate
    1.2 - update_service
    """

    VERSION = "1.2"

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

    def update_aggregates(self, context, aggregates: list) -> None:
        """Tell every scheduler that aggregates were created or changed, so its
        view of the hosts is fetched again (a 1.0 scheduler sees them within
        ``host_state_ttl``)."""
        if self.client.can_send_version("1.1"):
            self.client.prepare(fanout=True, version="1.1").cast(
                context, "update_aggregates", aggregates=aggregates
            )

    def update_service(self, context, service) -> None:
        """Tell every scheduler that a compute service was enabled, disabled or
        forced down or up, so that its next pick sees it (a 1.1 scheduler sees
        it within ``host_state_ttl``)."""
        if self.client.can_send_version("1.2"):
            self.client.prepare(fanout=True, version="1.2").cast(
                context, "update_service", service=service
            )

    def delete_aggregate(self, context, aggregate) -> None:
        """Tell every scheduler that an aggregate was deleted."""
        if self.client.can_send_version("1.1"):
            self.client.prepare(fanout=True, version="1.1").cast(
                context, "delete_aggregate", aggregate=aggregate
            )
