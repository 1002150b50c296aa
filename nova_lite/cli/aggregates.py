"""``nova-lite aggregate create|list|show|set|unset|add host|remove host|delete`` (admin)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from nova_lite.cli import output
from nova_lite.cli.arguments import key_value
from nova_lite.cli.errors import CommandError, check_failed, for_each
from nova_lite.cli.lookup import find

LIST_COLUMNS = ("ID", "Name", "Availability Zone", "Hosts", "Properties")


def properties(aggregate: Any) -> dict[str, Any]:
    """Return the aggregate's metadata without the zone (shown on its own)."""
    metadata = aggregate.metadata or {}
    return {k: v for k, v in metadata.items() if k != "availability_zone"}


def show_fields(aggregate: Any) -> list[tuple[str, Any]]:
    """Return the (field, value) pairs printed for one aggregate."""
    return [
        ("id", aggregate.id),
        ("uuid", aggregate.uuid),
        ("name", aggregate.name),
        ("availability_zone", aggregate.availability_zone),
        ("hosts", aggregate.hosts or []),
        ("properties", properties(aggregate)),
        ("created_at", aggregate.created_at),
        ("updated_at", aggregate.updated_at),
    ]


def _find_aggregate(conn: Any, name_or_id: str) -> Any:
    """Return the aggregate with this name or ID."""
    return find("aggregate", conn.compute.find_aggregate, name_or_id)


def _refetch(conn: Any, aggregate: Any) -> Any:
    """Return the aggregate as GET shows it (openstacksdk's actions answer at 2.1,
    without ``uuid``)."""
    return conn.compute.get_aggregate(aggregate.id)


def create(conn: Any, args: argparse.Namespace) -> int:
    """Create an aggregate, optionally in a zone and with properties."""
    attrs = {"name": args.name}
    if args.zone:
        attrs["availability_zone"] = args.zone
    aggregate = conn.compute.create_aggregate(**attrs)
    if args.property:
        conn.compute.set_aggregate_metadata(aggregate, dict(args.property))
        aggregate = _refetch(conn, aggregate)
    output.print_record(show_fields(aggregate), args.format)
    return 0


def list_(conn: Any, args: argparse.Namespace) -> int:
    """List aggregates."""
    rows = [
        (a.id, a.name, a.availability_zone, a.hosts or [], properties(a))
        for a in conn.compute.aggregates()
    ]
    output.print_list(LIST_COLUMNS, rows, args.format)
    return 0


def show(conn: Any, args: argparse.Namespace) -> int:
    """Show one aggregate."""
    output.print_record(show_fields(_find_aggregate(conn, args.aggregate)), args.format)
    return 0


def set_(conn: Any, args: argparse.Namespace) -> int:
    """Rename an aggregate, move it to a zone, or set properties."""
    attrs = {
        name: value
        for name, value in (("name", args.name), ("availability_zone", args.zone))
        if value is not None
    }
    if not attrs and not args.property:
        raise CommandError("Nothing to set: give --name, --zone or --property")
    aggregate = _find_aggregate(conn, args.aggregate)
    if attrs:
        conn.compute.update_aggregate(aggregate, **attrs)
    if args.property:
        conn.compute.set_aggregate_metadata(aggregate, dict(args.property))
    return 0


def unset(conn: Any, args: argparse.Namespace) -> int:
    """Remove properties from an aggregate."""
    aggregate = _find_aggregate(conn, args.aggregate)
    conn.compute.set_aggregate_metadata(aggregate, dict.fromkeys(args.property))
    return 0


def add_host(conn: Any, args: argparse.Namespace) -> int:
    """Add a compute host to an aggregate."""
    aggregate = _find_aggregate(conn, args.aggregate)
    conn.compute.add_host_to_aggregate(aggregate, args.host)
    output.print_record(show_fields(_refetch(conn, aggregate)), args.format)
    return 0


def remove_host(conn: Any, args: argparse.Namespace) -> int:
    """Remove a compute host from an aggregate."""
    aggregate = _find_aggregate(conn, args.aggregate)
    conn.compute.remove_host_from_aggregate(aggregate, args.host)
    output.print_record(show_fields(_refetch(conn, aggregate)), args.format)
    return 0


def delete(conn: Any, args: argparse.Namespace) -> int:
    """Delete aggregates; report each failure and go on."""

    def delete_one(name_or_id: str) -> None:
        conn.compute.delete_aggregate(_find_aggregate(conn, name_or_id), ignore_missing=False)

    _, failed = for_each(args.aggregates, delete_one)
    check_failed(failed, len(args.aggregates), "aggregates could not be deleted")
    return 0


def _host_command(
    subparsers: Any,
    common: argparse.ArgumentParser,
    verb: str,
    func: Callable[[Any, argparse.Namespace], int],
    text: str,
) -> None:
    """Add ``aggregate VERB host AGGREGATE HOST``."""
    parser = subparsers.add_parser(verb, help=f"{text} a host.")
    actions = parser.add_subparsers(dest="object", metavar="OBJECT", required=True)
    p = actions.add_parser("host", parents=[common], help=f"{text} a host.")
    p.add_argument("aggregate", metavar="AGGREGATE", help="Aggregate name or ID.")
    p.add_argument("host", metavar="HOST", help="Compute host name.")
    p.set_defaults(func=func)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``aggregate`` command and its actions."""
    parser = subparsers.add_parser("aggregate", help="Manage host aggregates (admin).")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    property_help = "Property KEY=VALUE (repeatable)."

    p = actions.add_parser("create", parents=[common], help="Create an aggregate.")
    p.add_argument("name", metavar="NAME", help="Name of the new aggregate.")
    p.add_argument("--zone", help="Availability zone of its hosts.")
    p.add_argument(
        "--property", type=key_value, action="append", metavar="KEY=VALUE", help=property_help
    )
    p.set_defaults(func=create)

    p = actions.add_parser("list", parents=[common], help="List aggregates.")
    p.set_defaults(func=list_)

    p = actions.add_parser("show", parents=[common], help="Show an aggregate.")
    p.add_argument("aggregate", metavar="ID_OR_NAME", help="Aggregate to show.")
    p.set_defaults(func=show)

    p = actions.add_parser("set", parents=[common], help="Change an aggregate.")
    p.add_argument("aggregate", metavar="ID_OR_NAME", help="Aggregate to change.")
    p.add_argument("--name", help="New name.")
    p.add_argument("--zone", help="New availability zone.")
    p.add_argument(
        "--property", type=key_value, action="append", metavar="KEY=VALUE", help=property_help
    )
    p.set_defaults(func=set_)

    p = actions.add_parser("unset", parents=[common], help="Remove aggregate properties.")
    p.add_argument("aggregate", metavar="ID_OR_NAME", help="Aggregate to change.")
    p.add_argument(
        "--property",
        action="append",
        required=True,
        metavar="KEY",
        help="Property to remove (repeatable).",
    )
    p.set_defaults(func=unset)

    _host_command(actions, common, "add", add_host, "Add")
    _host_command(actions, common, "remove", remove_host, "Remove")

    p = actions.add_parser("delete", parents=[common], help="Delete aggregates.")
    p.add_argument("aggregates", metavar="ID_OR_NAME", nargs="+", help="Aggregates to delete.")
    p.set_defaults(func=delete)
