"""``nova-lite server group create|list|show|delete``."""

from __future__ import annotations

import argparse
from typing import Any

from nova_lite.cli import output
from nova_lite.cli.arguments import add_all_projects, key_value
from nova_lite.cli.errors import check_failed, for_each
from nova_lite.cli.lookup import find

POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")
LIST_COLUMNS = ("ID", "Name", "Policy", "Members")


def policy(group: Any) -> str | None:
    """Return the group's policy (one ``policy`` from 2.64, ``policies`` before)."""
    return group.policy or next(iter(group.policies or []), None)


def show_fields(group: Any) -> list[tuple[str, Any]]:
    """Return the (field, value) pairs printed for one server group."""
    return [
        ("id", group.id),
        ("name", group.name),
        ("policy", policy(group)),
        ("rules", group.rules or {}),
        ("members", group.member_ids or []),
        ("project_id", group.project_id),
        ("user_id", group.user_id),
    ]


def _find_group(conn: Any, name_or_id: str, all_projects: bool = False) -> Any:
    """Return the server group with this name or ID."""
    return find(
        "server group", conn.compute.find_server_group, name_or_id, all_projects=all_projects
    )


def create(conn: Any, args: argparse.Namespace) -> int:
    """Create a server group."""
    attrs: dict[str, Any] = {"name": args.name, "policy": args.policy}
    if args.rule:
        # Numbers go as numbers (max_server_per_host is an integer).
        attrs["rules"] = {k: int(v) if v.isdigit() else v for k, v in args.rule}
    group = conn.compute.create_server_group(**attrs)
    output.print_record(show_fields(group), args.format)
    return 0


def list_(conn: Any, args: argparse.Namespace) -> int:
    """List server groups (the caller's project, or all with --all-projects)."""
    groups = conn.compute.server_groups(all_projects=args.all_projects)
    rows = [(g.id, g.name, policy(g), g.member_ids or []) for g in groups]
    output.print_list(LIST_COLUMNS, rows, args.format)
    return 0


def show(conn: Any, args: argparse.Namespace) -> int:
    """Show one server group."""
    group = _find_group(conn, args.group, args.all_projects)
    output.print_record(show_fields(group), args.format)
    return 0


def delete(conn: Any, args: argparse.Namespace) -> int:
    """Delete server groups; report each failure and go on."""

    def delete_one(name_or_id: str) -> None:
        group = _find_group(conn, name_or_id, args.all_projects)
        conn.compute.delete_server_group(group, ignore_missing=False)

    _, failed = for_each(args.groups, delete_one)
    check_failed(failed, len(args.groups), "server groups could not be deleted")
    return 0


def register(server_actions: Any, common: argparse.ArgumentParser) -> None:
    """Add ``server group`` and its actions to the ``server`` command."""
    parser = server_actions.add_parser("group", help="Manage server groups.")
    actions = parser.add_subparsers(dest="group_action", metavar="ACTION", required=True)

    p = actions.add_parser("create", parents=[common], help="Create a server group.")
    p.add_argument("name", metavar="NAME", help="Name of the new server group.")
    p.add_argument(
        "--policy",
        choices=POLICIES,
        default="affinity",
        help="Placement policy (default affinity).",
    )
    p.add_argument(
        "--rule",
        type=key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Policy rule, e.g. max_server_per_host=2 for anti-affinity (API 2.64+).",
    )
    p.set_defaults(func=create)

    p = actions.add_parser("list", parents=[common], help="List server groups.")
    add_all_projects(p)
    p.set_defaults(func=list_)

    p = actions.add_parser("show", parents=[common], help="Show a server group.")
    p.add_argument("group", metavar="ID_OR_NAME", help="Server group to show.")
    add_all_projects(p)
    p.set_defaults(func=show)

    p = actions.add_parser("delete", parents=[common], help="Delete server groups.")
    p.add_argument("groups", metavar="ID_OR_NAME", nargs="+", help="Server groups to delete.")
    add_all_projects(p)
    p.set_defaults(func=delete)
