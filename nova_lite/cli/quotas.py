"""``nova-lite quota show|set`` and ``nova-lite limits show``."""

from __future__ import annotations

import argparse
from typing import Any

from nova_lite.cli import output
from nova_lite.cli.arguments import quota_limit
from nova_lite.cli.errors import CommandError
from nova_lite.cli.lookup import current_project

# Quota resources in the order they are shown; the API leaves some out by microversion.
RESOURCES = (
    "instances",
    "cores",
    "ram",
    "key_pairs",
    "metadata_items",
    "server_groups",
    "server_group_members",
    "injected_files",
    "injected_file_content_bytes",
    "injected_file_path_bytes",
)
SETTABLE = RESOURCES[:7]
USAGE_COLUMNS = ("Resource", "Limit", "In Use", "Reserved")
# (name in the API's ``absolute`` limits, openstacksdk attribute)
ABSOLUTE_LIMITS = (
    ("maxTotalInstances", "instances"),
    ("totalInstancesUsed", "instances_used"),
    ("maxTotalCores", "total_cores"),
    ("totalCoresUsed", "total_cores_used"),
    ("maxTotalRAMSize", "total_ram"),
    ("totalRAMUsed", "total_ram_used"),
    ("maxTotalKeypairs", "keypairs"),
    ("maxServerMeta", "server_meta"),
    ("maxImageMeta", "image_meta"),
    ("maxServerGroups", "server_groups"),
    ("totalServerGroupsUsed", "server_groups_used"),
    ("maxServerGroupMembers", "server_group_members"),
)


def limits_of(quota: Any) -> list[tuple[str, Any]]:
    """Return (resource, limit) for the resources the quota set shows."""
    values = [(name, getattr(quota, name, None)) for name in RESOURCES]
    return [(name, value) for name, value in values if value is not None]


def show(conn: Any, args: argparse.Namespace) -> int:
    """Show a project's quotas (default: the caller's), its usage, or the defaults."""
    project = args.project or current_project(conn)
    if args.default:
        quota = conn.compute.get_quota_set_defaults(project)
    else:
        quota = conn.compute.get_quota_set(project, usage=args.usage)
    if args.usage:
        usage, reserved = quota.usage or {}, quota.reservation or {}
        rows = [
            (name, limit, usage.get(name), reserved.get(name)) for name, limit in limits_of(quota)
        ]
        output.print_list(USAGE_COLUMNS, rows, args.format)
    else:
        output.print_record(limits_of(quota), args.format)
    return 0


def set_(conn: Any, args: argparse.Namespace) -> int:
    """Set a project's quotas (admin); print the new ones."""
    attrs = {name: getattr(args, name) for name in SETTABLE if getattr(args, name) is not None}
    if not attrs:
        options = ", ".join("--" + name.replace("_", "-") for name in SETTABLE)
        raise CommandError(f"Nothing to set: give one of {options}")
    if args.force:
        attrs["force"] = True
    quota = conn.compute.update_quota_set(args.project or current_project(conn), **attrs)
    output.print_record(limits_of(quota), args.format)
    return 0


def show_limits(conn: Any, args: argparse.Namespace) -> int:
    """Show the absolute limits and usage of a project (default: the caller's)."""
    query = {"project_id": args.project} if args.project else {}
    absolute = conn.compute.get_limits(**query).absolute
    values = [(name, getattr(absolute, attr)) for name, attr in ABSOLUTE_LIMITS]
    rows = [(name, value) for name, value in values if value is not None]
    output.print_list(("Name", "Value"), rows, args.format)
    return 0


def _add_project(parser: argparse.ArgumentParser) -> None:
    """Add --project (default: the caller's project)."""
    parser.add_argument(
        "--project", metavar="PROJECT_ID", help="Project ID (default: the caller's project)."
    )


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``quota`` and ``limits`` commands."""
    parser = subparsers.add_parser("quota", help="Project quotas.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = actions.add_parser("show", parents=[common], help="Show a project's quotas.")
    _add_project(p)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--usage", action="store_true", help="Show usage beside the limits.")
    which.add_argument("--default", action="store_true", help="Show the default quotas.")
    p.set_defaults(func=show)

    p = actions.add_parser("set", parents=[common], help="Set a project's quotas (admin).")
    _add_project(p)
    for name in SETTABLE:
        p.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            type=quota_limit,
            metavar="N",
            help=f"Limit of {name.replace('_', ' ')} (-1: unlimited).",
        )
    p.add_argument("--force", action="store_true", help="Set limits even below the current usage.")
    p.set_defaults(func=set_)

    parser = subparsers.add_parser("limits", help="Absolute limits.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = actions.add_parser("show", parents=[common], help="Show limits and usage.")
    p.add_argument("--project", metavar="PROJECT_ID", help="Another project's limits (admin only).")
    p.set_defaults(func=show_limits)
