"""``nova-lite availability zone list``."""

from __future__ import annotations

import argparse
from typing import Any

from nova_lite.cli import output

COLUMNS = ("Zone Name", "Zone Status")
LONG_COLUMNS = (*COLUMNS, "Host Name", "Service Name", "Service Status", "Updated At")


def zone_status(zone: Any) -> str:
    """Return "available" or "not available"."""
    return "available" if (zone.state or {}).get("available") else "not available"


def long_rows(zone: Any) -> list[tuple]:
    """Return one LONG_COLUMNS row per service of the zone (one row if it has none)."""
    rows = []
    for host, services in sorted((zone.hosts or {}).items()):
        for binary, service in sorted(services.items()):
            enabled = "enabled" if service.get("active") else "disabled"
            state = "up" if service.get("available") else "down"
            rows.append(
                (
                    zone.name,
                    zone_status(zone),
                    host,
                    binary,
                    f"{enabled} {state}",
                    service.get("updated_at"),
                )
            )
    return rows or [(zone.name, zone_status(zone), None, None, None, None)]


def list_(conn: Any, args: argparse.Namespace) -> int:
    """List availability zones; with --long (admin) their hosts and services."""
    zones = conn.compute.availability_zones(details=args.long)
    if args.long:
        rows = [row for zone in zones for row in long_rows(zone)]
        output.print_list(LONG_COLUMNS, rows, args.format)
    else:
        output.print_list(COLUMNS, [(z.name, zone_status(z)) for z in zones], args.format)
    return 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``availability zone`` command."""
    parser = subparsers.add_parser("availability", help="Availability zones.")
    objects = parser.add_subparsers(dest="object", metavar="OBJECT", required=True)
    zone = objects.add_parser("zone", help="Availability zones.")
    actions = zone.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = actions.add_parser("list", parents=[common], help="List availability zones.")
    p.add_argument(
        "--long", action="store_true", help="Show hosts and their services (admin only)."
    )
    p.set_defaults(func=list_)
