"""/os-availability-zone: the zones (anyone) and their hosts and services (admin)."""

from __future__ import annotations

import webob
from oslo_config import cfg

from nova_lite import availability_zones
from nova_lite.api import handler, policy, views
from nova_lite.objects.service import ServiceList

CONF = cfg.CONF
RULE = "os_compute_api:os-availability-zone:%s"


def _zone(name: str, available: bool, hosts: dict | None = None) -> dict:
    return {"zoneName": name, "zoneState": {"available": available}, "hosts": hosts}


@handler.handler()
def index(req: webob.Request) -> dict:
    """Every zone but the internal services' one, with no hosts."""
    context = handler.context_of(req)
    policy.authorize(context, RULE % "list", {})
    available, unavailable = availability_zones.get_availability_zones(context.elevated())
    internal = CONF.internal_service_availability_zone
    return {
        "availabilityZoneInfo": [_zone(z, True) for z in available if z != internal]
        + [_zone(z, False) for z in unavailable if z != internal]
    }


@handler.handler()
def detail(req: webob.Request) -> dict:
    """Every zone; an available one with its hosts and their enabled services."""
    context = handler.context_of(req).elevated()
    policy.authorize(handler.context_of(req), RULE % "detail", {})
    services = ServiceList.get_all(context)
    zones = availability_zones.service_zones(context, services)
    available, unavailable = availability_zones.get_availability_zones(context, services, zones)
    hosts: dict[str, dict[str, dict]] = {}
    for service in services:
        if service.disabled:
            continue
        zone_hosts = hosts.setdefault(zones[service.id], {})
        zone_hosts.setdefault(service.host, {})[service.binary] = {
            "available": service.is_up(),
            "active": True,
            "updated_at": views.strtime(service.updated_at),
        }
    return {
        "availabilityZoneInfo": [_zone(z, True, hosts.get(z, {})) for z in available]
        + [_zone(z, False) for z in unavailable]
    }
