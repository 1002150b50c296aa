"""``nova-lite server migration list|show|abort|force complete``."""

from __future__ import annotations

import argparse
from typing import Any

from oslo_utils import uuidutils

from nova_lite.cli import output
from nova_lite.cli.errors import CommandError
from nova_lite.cli.lookup import server_id

LIST_COLUMNS = ("ID", "UUID", "Server", "Type", "Status", "Source", "Dest", "Created At")
TYPES = ("migration", "resize", "live-migration", "evacuation")


def show_fields(migration: Any) -> list[tuple[str, Any]]:
    """Return the (field, value) pairs printed for one in-progress migration."""
    names = (
        "id",
        "uuid",
        "server_uuid",
        "status",
        "source_compute",
        "source_node",
        "dest_compute",
        "dest_node",
        "dest_host",
        "memory_total_bytes",
        "memory_processed_bytes",
        "memory_remaining_bytes",
        "disk_total_bytes",
        "disk_processed_bytes",
        "disk_remaining_bytes",
        "user_id",
        "project_id",
        "created_at",
        "updated_at",
    )
    return [(name, getattr(migration, name)) for name in names]


def migration_id(conn: Any, server: str, id_or_uuid: str) -> str:
    """Return the number of the server's migration given by number or UUID (2.59+)."""
    if not uuidutils.is_uuid_like(id_or_uuid):
        return id_or_uuid
    for migration in conn.compute.server_migrations(server):
        if migration.uuid == id_or_uuid:
            return str(migration.id)
    raise CommandError(f"No migration {id_or_uuid} in progress for server {server}")


def list_(conn: Any, args: argparse.Namespace) -> int:
    """List migrations (admin), optionally filtered."""
    query = {
        "server_id": server_id(conn, args.server) if args.server else None,
        "host": args.host,
        "status": args.status,
        "migration_type": args.type,
    }
    migrations = conn.compute.migrations(**{k: v for k, v in query.items() if v})
    rows = [
        (
            m.id,
            m.uuid,
            m.server_id,
            m.migration_type,
            m.status,
            m.source_compute,
            m.dest_compute,
            m.created_at,
        )
        for m in migrations
    ]
    output.print_list(LIST_COLUMNS, rows, args.format)
    return 0


def show(conn: Any, args: argparse.Namespace) -> int:
    """Show an in-progress live migration of a server."""
    server = server_id(conn, args.server)
    number = migration_id(conn, server, args.migration)
    migration = conn.compute.get_server_migration(number, server, ignore_missing=False)
    output.print_record(show_fields(migration), args.format)
    return 0


def abort(conn: Any, args: argparse.Namespace) -> int:
    """Abort an in-progress live migration (API 2.24+)."""
    server = server_id(conn, args.server)
    number = migration_id(conn, server, args.migration)
    conn.compute.abort_server_migration(number, server, ignore_missing=False)
    return 0


def force_complete(conn: Any, args: argparse.Namespace) -> int:
    """Force an in-progress live migration to switch over now (API 2.22+)."""
    server = server_id(conn, args.server)
    number = migration_id(conn, server, args.migration)
    conn.compute.force_complete_server_migration(number, server)
    return 0


def _server_and_migration(parser: argparse.ArgumentParser) -> None:
    """Add the SERVER and MIGRATION positional arguments."""
    parser.add_argument("server", metavar="ID_OR_NAME", help="Server name or ID.")
    parser.add_argument("migration", metavar="MIGRATION", help="Migration ID or UUID.")


def register(server_actions: Any, common: argparse.ArgumentParser) -> None:
    """Add ``server migration`` and its actions to the ``server`` command."""
    parser = server_actions.add_parser("migration", help="Server migrations.")
    actions = parser.add_subparsers(dest="migration_action", metavar="ACTION", required=True)

    p = actions.add_parser("list", parents=[common], help="List migrations (admin).")
    p.add_argument("--server", help="Only this server's migrations (name or ID).")
    p.add_argument("--host", help="Only migrations from or to this host.")
    p.add_argument("--status", help="Only migrations in this status.")
    p.add_argument("--type", choices=TYPES, help="Only migrations of this type.")
    p.set_defaults(func=list_)

    p = actions.add_parser("show", parents=[common], help="Show an in-progress migration.")
    _server_and_migration(p)
    p.set_defaults(func=show)

    p = actions.add_parser("abort", parents=[common], help="Abort a live migration.")
    _server_and_migration(p)
    p.set_defaults(func=abort)

    p = actions.add_parser("force", help="Force a live migration.")
    force = p.add_subparsers(dest="force_action", metavar="ACTION", required=True)
    p = force.add_parser("complete", parents=[common], help="Switch over to the destination now.")
    _server_and_migration(p)
    p.set_defaults(func=force_complete)
