"""``nova-lite service list`` and ``nova-lite hypervisor list`` (admin)."""

from __future__ import annotations

import argparse
from typing import Any

from nova_lite.cli import output

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


def list_services(conn: Any, args: argparse.Namespace) -> int:
    """List compute services."""
    rows = [service_row(s) for s in conn.compute.services()]
    output.print_list(SERVICE_COLUMNS, rows, args.format)
    return 0


def list_hypervisors(conn: Any, args: argparse.Namespace) -> int:
    """List hypervisors with their usage."""
    rows = [hypervisor_row(h) for h in conn.compute.hypervisors(details=True)]
    output.print_list(HYPERVISOR_COLUMNS, rows, args.format)
    return 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``service`` and ``hypervisor`` commands."""
    parser = subparsers.add_parser("service", help="Compute services (admin).")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = actions.add_parser("list", parents=[common], help="List compute services.")
    p.set_defaults(func=list_services)

    parser = subparsers.add_parser("hypervisor", help="Hypervisors (admin).")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = actions.add_parser("list", parents=[common], help="List hypervisors.")
    p.set_defaults(func=list_hypervisors)
