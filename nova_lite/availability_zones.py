"""Availability zones: named by the ``availability_zone`` metadata of host
aggregates. A compute host in no such aggregate is in
``default_availability_zone``; every other service is in
``internal_service_availability_zone``."""

from __future__ import annotations

from oslo_config import cfg
from oslo_log import log as logging

from nova_lite import exception
from nova_lite.objects.aggregate import AZ_KEY, AggregateList
from nova_lite.objects.service import ServiceList

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
COMPUTE_BINARY = "nova-compute"


def get_host_availability_zone(context, host: str) -> str:
    """The zone of a compute host."""
    aggregates = AggregateList.get_by_host(context, host, key=AZ_KEY)
    return aggregates[0].availability_zone if aggregates else CONF.default_availability_zone


def service_zones(context, services) -> dict[int, str]:
    """The zone of each service, by service id (a compute host in several zoned
    aggregates has their zones joined by commas, as Nova shows them)."""
    hosts = sorted({s.host for s in services if s.binary == COMPUTE_BINARY})
    zones: dict[str, set[str]] = {}
    if hosts:
        for aggregate in AggregateList.get_by_metadata_key(context, AZ_KEY, hosts=hosts):
            for host in aggregate.hosts:
                zones.setdefault(host, set()).add(aggregate.availability_zone)
    return {
        s.id: (
            ",".join(sorted(zones[s.host])) if s.host in zones else CONF.default_availability_zone
        )
        if s.binary == COMPUTE_BINARY
        else CONF.internal_service_availability_zone
        for s in services
    }


def get_availability_zones(
    context, services=None, zones: dict[int, str] | None = None
) -> tuple[list[str], list[str]]:
    """(available zones: those of enabled services, zones of only disabled
    services), each sorted; ``zones`` as service_zones gives them, if known."""
    if services is None:
        services = ServiceList.get_all(context)
    if zones is None:
        zones = service_zones(context, services)
    available = {zones[s.id] for s in services if not s.disabled}
    unavailable = {zones[s.id] for s in services if s.disabled} - available
    return sorted(available), sorted(unavailable)


def parse_availability_zone(requested: str | None) -> tuple[str | None, str | None, str | None]:
    """(zone, host, node) of a server create's ``availability_zone``: ``zone``,
    ``zone:host``, ``zone:host:node`` or ``zone::node`` (the last three for admins)."""
    if not requested or ":" not in requested:
        return requested or None, None, None
    parts = requested.split(":")
    if len(parts) > 3:
        raise exception.InvalidRequest(
            reason="Invalid input received: Unable to parse availability_zone"
        )
    zone, host, node = (parts + [""])[:3]
    return zone or None, host or None, node or None


def check_requested_zone(context, zone: str | None) -> None:
    """400 unless ``zone`` is the zone of some enabled service."""
    if zone and zone not in get_availability_zones(context.elevated())[0]:
        raise exception.InvalidRequest(reason="The requested availability zone is not available")


def zone_of_forced_host(context, zone: str | None, host: str) -> str | None:
    """The zone to record for a server forced onto ``host``: the requested one if
    the host is in it, otherwise none (the host's own zone is set once it is
    placed), as Nova does."""
    aggregates = AggregateList.get_by_host(context, host)
    host_zone = next((a.availability_zone for a in aggregates if a.availability_zone), None)
    if zone == host_zone or (zone == CONF.default_availability_zone and host_zone is None):
        return zone
    LOG.warning(
        "Requested availability zone '%s' but forced host '%s' is not in it; "
        "ignoring the requested availability zone",
        zone,
        host,
    )
    return None
