"""``nova-lite service list|set|delete`` and ``nova-lite hypervisor list|show|stats`` (admin)."""

from __future__ import annotations

import argparse
from typing import Any

from openstack import exceptions as sdk_exc

from nova_lite.cli import output
from nova_lite.cli.errors import CommandError, check_failed, for_each
from nova_lite.cli.lookup import find

# Hypervisor details lost their usage figures in 2.88: ask for the last version with them.
USAGE_MICROVERSION = "2.87"
SERVICE_COLUMNS = ("ID", "Binary", "Host", "Zone", "Status", "State", "Updated At")
HYPERVISOR_COLUMNS = (
    "ID",
    "Hypervisor Hostname",
    "Hypervisor Type",
    "Host IP",
    "State",
    "Status",
    "vCPUs Used",
    "vCPUs",
    "Memory MB Used",
    "Memory MB",
    "Running VMs",
)


def service_row(service: Any) -> tuple:
    """Return the values of SERVICE_COLUMNS for one service."""
    return (
        service.id,
        service.binary,
        service.host,
        service.availability_zone,
        service.status,
        service.state,
        service.updated_at,
    )


def hypervisor_row(hypervisor: Any) -> tuple:
    """Return the values of HYPERVISOR_COLUMNS for one hypervisor."""
    return (
        hypervisor.id,
        hypervisor.name,
        hypervisor.hypervisor_type,
        hypervisor.host_ip,
        hypervisor.state,
        hypervisor.status,
        hypervisor.vcpus_used,
        hypervisor.vcpus,
        hypervisor.memory_used,
        hypervisor.memory_size,
        hypervisor.running_vms,
    )


def service_fields(service: Any) -> list[tuple[str, Any]]:
    """Return the (field, value) pairs printed for one service."""
    return [
        ("id", service.id),
        ("binary", service.binary),
        ("host", service.host),
        ("zone", service.availability_zone),
        ("status", service.status),
        ("disabled_reason", service.disabled_reason),
        ("state", service.state),
        ("forced_down", service.is_forced_down),
        ("updated_at", service.updated_at),
    ]


def hypervisor_fields(hypervisor: Any) -> list[tuple[str, Any]]:
    """Return the (field, value) pairs printed for one hypervisor."""
    return [
        ("id", hypervisor.id),
        ("hypervisor_hostname", hypervisor.name),
        ("hypervisor_type", hypervisor.hypervisor_type),
        ("hypervisor_version", hypervisor.hypervisor_version),
        ("host_ip", hypervisor.host_ip),
        ("state", hypervisor.state),
        ("status", hypervisor.status),
        ("service", hypervisor.service_details),
        ("vcpus", hypervisor.vcpus),
        ("vcpus_used", hypervisor.vcpus_used),
        ("memory_mb", hypervisor.memory_size),
        ("memory_mb_used", hypervisor.memory_used),
        ("free_ram_mb", hypervisor.memory_free),
        ("local_gb", hypervisor.local_disk_size),
        ("local_gb_used", hypervisor.local_disk_used),
        ("free_disk_gb", hypervisor.local_disk_free),
        ("disk_available_least", hypervisor.disk_available),
        ("running_vms", hypervisor.running_vms),
        ("cpu_info", hypervisor.cpu_info),
    ]


def list_services(conn: Any, args: argparse.Namespace) -> int:
    """List compute services."""
    rows = [service_row(s) for s in conn.compute.services()]
    output.print_list(SERVICE_COLUMNS, rows, args.format)
    return 0


def set_service(conn: Any, args: argparse.Namespace) -> int:
    """Enable or disable a service, or force it down or up; print the result."""
    if args.disable_reason and not args.disable:
        raise CommandError("--disable-reason needs --disable")
    if not (args.enable or args.disable or args.down or args.up):
        raise CommandError("Nothing to set: give --enable, --disable, --up or --down")
    service = conn.compute.find_service(args.binary, ignore_missing=True, host=args.host)
    if service is None:
        raise CommandError(f"No {args.binary} service on host {args.host}")
    where = {"host": args.host, "binary": args.binary}
    reason = args.disable_reason
    updated = None
    if args.enable:
        updated = conn.compute.enable_service(service, **where)
    if args.disable:
        updated = conn.compute.disable_service(service, disabled_reason=reason, **where)
    if args.down or args.up:
        updated = conn.compute.update_service_forced_down(service, forced=args.down, **where)
    output.print_record(service_fields(updated or service), args.format)
    return 0


def delete_services(conn: Any, args: argparse.Namespace) -> int:
    """Delete services by ID; report each failure and go on."""

    def delete_one(service_id: str) -> None:
        conn.compute.delete_service(service_id, ignore_missing=False)

    _, failed = for_each(args.services, delete_one)
    check_failed(failed, len(args.services), "services could not be deleted")
    return 0


def list_hypervisors(conn: Any, args: argparse.Namespace) -> int:
    """List hypervisors with their usage."""
    hypervisors = conn.compute.hypervisors(details=True, microversion=USAGE_MICROVERSION)
    rows = [hypervisor_row(h) for h in hypervisors]
    output.print_list(HYPERVISOR_COLUMNS, rows, args.format)
    return 0


def show_hypervisor(conn: Any, args: argparse.Namespace) -> int:
    """Show one hypervisor (by ID or hostname) with its usage."""
    hypervisor = find("hypervisor", conn.compute.find_hypervisor, args.hypervisor)
    hypervisor = hypervisor.fetch(conn.compute, microversion=USAGE_MICROVERSION)
    output.print_record(hypervisor_fields(hypervisor), args.format)
    return 0


def show_statistics(conn: Any, args: argparse.Namespace) -> int:
    """Show the sums over all hypervisors of enabled compute services."""
    # openstacksdk has no call for this (gone in 2.88); ask at the last version with it.
    response = conn.compute.get("/os-hypervisors/statistics", microversion=USAGE_MICROVERSION)
    sdk_exc.raise_from_response(response)
    output.print_record(list(response.json()["hypervisor_statistics"].items()), args.format)
    return 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``service`` and ``hypervisor`` commands."""
    parser = subparsers.add_parser("service", help="Compute services (admin).")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = actions.add_parser("list", parents=[common], help="List compute services.")
    p.set_defaults(func=list_services)

    p = actions.add_parser("set", parents=[common], help="Change a compute service.")
    p.add_argument("host", metavar="HOST", help="Host of the service.")
    p.add_argument("binary", metavar="BINARY", help="Binary of the service (nova-compute).")
    status = p.add_mutually_exclusive_group()
    status.add_argument("--enable", action="store_true", help="Enable the service.")
    status.add_argument("--disable", action="store_true", help="Disable the service.")
    p.add_argument("--disable-reason", metavar="REASON", help="Why it is disabled.")
    forced = p.add_mutually_exclusive_group()
    forced.add_argument("--down", action="store_true", help="Force the service down.")
    forced.add_argument("--up", action="store_true", help="Stop forcing the service down.")
    p.set_defaults(func=set_service)

    p = actions.add_parser("delete", parents=[common], help="Delete compute services.")
    p.add_argument("services", metavar="ID", nargs="+", help="Services to delete (IDs).")
    p.set_defaults(func=delete_services)

    parser = subparsers.add_parser("hypervisor", help="Hypervisors (admin).")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = actions.add_parser("list", parents=[common], help="List hypervisors.")
    p.set_defaults(func=list_hypervisors)

    p = actions.add_parser("show", parents=[common], help="Show a hypervisor.")
    p.add_argument("hypervisor", metavar="ID_OR_HOSTNAME", help="Hypervisor to show.")
    p.set_defaults(func=show_hypervisor)

    p = actions.add_parser("stats", help="Hypervisor statistics.")
    stats = p.add_subparsers(dest="stats_action", metavar="ACTION", required=True)
    p = stats.add_parser("show", parents=[common], help="Show sums over all hypervisors.")
    p.set_defaults(func=show_statistics)
