"""SchedulerManager: select_destinations = filter, weigh, pick, claim."""

from __future__ import annotations

import random
import threading

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_log import log as logging

from nova_lite import exception
from nova_lite.objects.compute_node import Allocations
from nova_lite.objects.instance_group import InstanceGroup
from nova_lite.objects.selection import Selection
from nova_lite.scheduler import filters, host_manager, weights

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

CLAIM_ATTEMPTS = 3

# The filter or weigher that applies each server group policy.
POLICY_PLUGINS = {
    "affinity": "ServerGroupAffinityFilter",
    "anti-affinity": "ServerGroupAntiAffinityFilter",
    "soft-affinity": "ServerGroupSoftAffinityWeigher",
    "soft-anti-affinity": "ServerGroupSoftAntiAffinityWeigher",
}


class SchedulerManager:
    target = messaging.Target(version="1.2")

    def __init__(self) -> None:
        self.host_manager = host_manager.HostManager()
        self.filters = filters.load(CONF.filter_scheduler.enabled_filters)
        self.weighers = weights.load(CONF.filter_scheduler.weight_classes)
        # One placement decision at a time per scheduler process: decisions
        # made in memory are then claimed atomically in the database.
        self._lock = threading.Lock()

    @messaging.expected_exceptions(exception.NoValidHost, exception.UnsupportedPolicyException)
    def select_destinations(self, context, request_spec, instance_uuids: list[str]) -> list:
        request_spec.obj_set_defaults("instance_group")
        with self._lock:
            # Under the lock: the group's hosts then include every claim made so far.
            self._setup_instance_group(context, request_spec)
            return self._schedule(context, request_spec, instance_uuids)

    def update_aggregates(self, context, aggregates: list) -> None:
        """An aggregate was created or changed (fanout from the API)."""
        self.host_manager.invalidate()

    def delete_aggregate(self, context, aggregate) -> None:
        """An aggregate was deleted (fanout from the API)."""
        self.host_manager.invalidate()

    def update_service(self, context, service) -> None:
        """A compute service was enabled, disabled or forced down or up (fanout from the API)."""
        self.host_manager.invalidate()

    @staticmethod
    def _setup_instance_group(context, spec) -> None:
        """Refresh the request's server group: policy, members and their hosts."""
        if spec.instance_group is None:
            return
        try:
            group = InstanceGroup.get_by_uuid(context, spec.instance_group.uuid)
        except exception.InstanceGroupNotFound:
            spec.instance_group = None
            return
        plugin = POLICY_PLUGINS.get(group.policy)
        enabled = CONF.filter_scheduler.enabled_filters + CONF.filter_scheduler.weight_classes
        if plugin is not None and plugin not in enabled:
            LOG.error("%s not configured", plugin)
            raise exception.UnsupportedPolicyException(reason=f"{plugin} not configured")
        spec.instance_group = group

    def _schedule(self, context, spec, instance_uuids: list[str]) -> list[Selection]:
        resources = spec.resources
        group = spec.instance_group
        group_hosts = list(group.hosts or ()) if group is not None else []
        chosen: dict[str, object] = {}
        pending = list(instance_uuids)
        refresh = False
        for _attempt in range(CLAIM_ATTEMPTS):
            hosts = self.host_manager.get_host_states(context, refresh=refresh)
            if group is not None:
                group.hosts = group_hosts + sorted({h.host for h in chosen.values()})
            picks = {}
            for uuid in pending:
                spec.instance_uuid = uuid  # the instance placed now (filters ask)
                host = self._pick(hosts, spec)
                if host is None:
                    break
                # Later picks of this request see this one (group policies too).
                host.consume(resources, uuid)
                if group is not None and host.host not in group.hosts:
                    group.hosts.append(host.host)
                picks[uuid] = host
            if len(picks) < len(pending):
                for uuid, host in picks.items():
                    host.unconsume(resources, uuid)
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
                picks[uuid].unconsume(resources, uuid)
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
                availability_zone=chosen[u].availability_zone,
            )
            for u in instance_uuids
        ]

    def _pick(self, hosts: list, spec):
        # Hosts the request excludes (a move's source, as in Nova) are not
        # candidates whatever the filters say.
        ignored = set(spec.ignore_hosts or ()) if "ignore_hosts" in spec else set()
        candidates = [h for h in hosts if h.host not in ignored] if ignored else hosts
        force_hosts = spec.force_hosts if "force_hosts" in spec else None
        force_nodes = spec.force_nodes if "force_nodes" in spec else None
        if force_hosts or force_nodes:
            # An admin's "zone:host:node" skips the filters, as in Nova; the
            # claim still checks the room.
            candidates = [
                h
                for h in candidates
                if (not force_hosts or h.host in force_hosts)
                and (not force_nodes or h.nodename in force_nodes)
            ]
            return candidates[0] if candidates else None
        destination = spec.requested_destination if "requested_destination" in spec else None
        if destination:
            # A requested host/node (2.74 create, 2.56 migrate, unforced moves)
            # is the only candidate, and it still has to pass the filters.
            candidates = [
                h
                for h in candidates
                if h.host == (destination.get("host") or h.host)
                and h.nodename == (destination.get("node") or h.nodename)
            ]
        for host_filter in self.filters:
            candidates = host_filter.filter_all(candidates, spec)
            if not candidates:
                LOG.debug("Filter %s returned 0 hosts", type(host_filter).__name__)
                return None
        ranked = weights.weigh_hosts(self.weighers, candidates, spec, CONF)
        return random.choice(ranked[: CONF.filter_scheduler.host_subset_size])
