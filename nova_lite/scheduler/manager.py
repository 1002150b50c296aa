"""SchedulerManager: select_destinations = filter, weigh, pick, claim."""

from __future__ import annotations

import random
import threading

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_log import log as logging

from nova_lite import exception
from nova_lite.objects.compute_node import Allocations
from nova_lite.objects.selection import Selection
from nova_lite.scheduler import filters, host_manager, weights

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

CLAIM_ATTEMPTS = 3


class SchedulerManager:
    target = messaging.Target(version="1.0")

    def __init__(self) -> None:
        self.host_manager = host_manager.HostManager()
        self.filters = filters.load(CONF.filter_scheduler.enabled_filters)
        self.weighers = weights.load(CONF.filter_scheduler.weight_classes)
        # One placement decision at a time per scheduler process: decisions
        # made in memory are then claimed atomically in the database.
        self._lock = threading.Lock()

    @messaging.expected_exceptions(exception.NoValidHost)
    def select_destinations(self, context, request_spec, instance_uuids: list[str]) -> list:
        with self._lock:
            return self._schedule(context, request_spec, instance_uuids)

    def _schedule(self, context, spec, instance_uuids: list[str]) -> list[Selection]:
        resources = spec.resources
        chosen: dict[str, object] = {}
        pending = list(instance_uuids)
        refresh = False
        for _attempt in range(CLAIM_ATTEMPTS):
            hosts = self.host_manager.get_host_states(context, refresh=refresh)
            picks = {}
            for uuid in pending:
                host = self._pick(hosts, spec)
                if host is None:
                    break
                host.consume(resources)
                picks[uuid] = host
            if len(picks) < len(pending):
                for host in picks.values():
                    host.unconsume(resources)
                if refresh:
                    break  # even a fresh view has no room
                refresh = True
                continue
            claims = [
                dict(consumer_uuid=uuid, compute_node_uuid=h.uuid, **resources)
                for uuid, h in picks.items()
            ]
            failed = set(Allocations.claim(context, claims))
            for uuid in failed:
                picks[uuid].unconsume(resources)
            chosen.update({u: h for u, h in picks.items() if u not in failed})
            pending = [u for u in pending if u in failed]
            if not pending:
                break
            LOG.info("Claims lost a race for %d instances; scheduling them again", len(pending))
            refresh = True
        if pending:
            for uuid in chosen:
                Allocations.release(context, uuid)
            self.host_manager.invalidate()
            raise exception.NoValidHost(
                reason=f"There are not enough hosts available for {len(instance_uuids)} "
                f"instance(s) of flavor {spec.flavor.flavorid}."
            )
        LOG.info("Selected %s", ", ".join(f"{u}->{chosen[u].host}" for u in instance_uuids))
        return [
            Selection(
                service_host=chosen[u].host,
                nodename=chosen[u].nodename,
                compute_node_uuid=chosen[u].uuid,
                instance_uuid=u,
            )
            for u in instance_uuids
        ]

    def _pick(self, hosts: list, spec):
        # Hosts the request excludes (a move's source, as in Nova) are not
        # candidates whatever the filters say.
        ignored = set(spec.ignore_hosts or ()) if "ignore_hosts" in spec else set()
        candidates = [h for h in hosts if h.host not in ignored] if ignored else hosts
        for host_filter in self.filters:
            candidates = host_filter.filter_all(candidates, spec)
            if not candidates:
                LOG.debug("Filter %s returned 0 hosts", type(host_filter).__name__)
                return None
        ranked = weights.weigh_hosts(self.weighers, candidates, spec, CONF)
        return random.choice(ranked[: CONF.filter_scheduler.host_subset_size])
