"""``nova-lite server create|list|show|delete``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from openstack import exceptions as sdk_exc
from openstack import resource
from openstack import utils as sdk_utils
from openstack.compute.v2.server import Server

from nova_lite.cli import output
from nova_lite.cli.arguments import add_all_projects, add_wait_options, key_value, positive_int
from nova_lite.cli.errors import CommandError, check_failed, for_each
from nova_lite.cli.lookup import find_flavor, find_server, flavor_names, image_id
from nova_lite.cli.wait import wait_active, wait_deleted

# Power states as the API reports them (numbers) and as people read them.
POWER_STATES = {
    0: "NOSTATE",
    1: "Running",
    3: "Paused",
    4: "Shutdown",
    6: "Crashed",
    7: "Suspended",
}

LIST_COLUMNS = ("ID", "Name", "Status", "Task State", "Power State", "Host", "Flavor", "Image")


def power_state(server: Any) -> str:
    """Return the server's power state as a word."""
    state = server.power_state
    if state is None:
        return ""
    return POWER_STATES.get(state, str(state))


def flavor_label(server: Any, names: dict[str, str]) -> str:
    """Return the server's flavor name (or its ID if the name is unknown)."""
    flavor = server.flavor
    if not flavor:
        return ""
    name = flavor.original_name or flavor.name
    return name or names.get(flavor.id) or flavor.id or ""


def image_label(server: Any) -> str:
    """Return the server's image ID ("" when it booted from a volume)."""
    image = server.image
    return (image.id or "") if image else ""


def list_row(server: Any, names: dict[str, str]) -> tuple:
    """Return the values of LIST_COLUMNS for one server."""
    return (
        server.id,
        server.name,
        server.status,
        server.task_state,
        power_state(server),
        server.compute_host,
        flavor_label(server, names),
        image_label(server),
    )


def show_fields(server: Any, names: dict[str, str]) -> list[tuple[str, Any]]:
    """Return the (field, value) pairs ``server show`` prints."""
    flavor = flavor_label(server, names)
    if server.flavor and server.flavor.id and flavor != server.flavor.id:
        flavor = f"{flavor} ({server.flavor.id})"
    fields = [
        ("id", server.id),
        ("name", server.name),
        ("status", server.status),
        ("task_state", server.task_state),
        ("vm_state", server.vm_state),
        ("power_state", power_state(server)),
        ("host", server.compute_host),
        ("hypervisor_hostname", server.hypervisor_hostname),
        ("instance_name", server.instance_name),
        ("flavor", flavor),
        ("image", image_label(server)),
        ("addresses", server.addresses or {}),
        ("key_name", server.key_name),
        ("availability_zone", server.availability_zone),
        ("locked", server.is_locked),
        ("locked_reason", server.locked_reason),
        ("tags", server.tags or []),
        ("user_id", server.user_id),
        ("project_id", server.project_id),
        ("reservation_id", server.reservation_id),
        ("created", server.created_at),
        ("updated", server.updated_at),
        ("launched_at", server.launched_at),
    ]
    if server.fault:
        fields.append(("fault", server.fault))
    return fields


class _Batch(Server):
    """POST /servers with ``return_reservation_id``: the answer is the reservation ID."""

    return_reservation_id = resource.Body("return_reservation_id", type=bool)
    reservation = resource.Body("reservation_id")


def create_batch(conn: Any, attrs: dict[str, Any]) -> str:
    """Create several servers in one request; return the request's reservation ID."""
    batch = _Batch.new(return_reservation_id=True, **attrs).create(conn.compute)
    if not batch.reservation:
        raise CommandError("The API did not return a reservation ID")
    return batch.reservation


def _batch_members(conn: Any, reservation_id: str, name: str, max_count: int) -> list[Any]:
    """Return the servers of one multi-create request, in launch order.

    Lists ``?reservation_id=``. Where the API shows reservation IDs they are checked;
    otherwise the names must be NAME-1..NAME-max, else the API ignored the filter and
    the newest server of each of those names is taken (with a warning).
    """
    found = list(conn.compute.servers(details=True, reservation_id=reservation_id))
    if any(s.reservation_id for s in found):
        members = [s for s in found if s.reservation_id == reservation_id]
    else:
        expected = {f"{name}-{n}" for n in range(1, max_count + 1)}
        members = [s for s in found if s.name in expected]
        if len(members) != len(found) or len({s.name for s in members}) != len(members):
            print(
                "Warning: the API ignored the reservation_id filter; following the newest "
                f"servers named {name}-1..{name}-{max_count}",
                file=sys.stderr,
            )
            newest: dict[str, Any] = {}
            for server in members:
                if server.name not in newest or (server.created_at or "") > (
                    newest[server.name].created_at or ""
                ):
                    newest[server.name] = server
            members = list(newest.values())
    if not members:
        raise CommandError(f"No servers found for reservation {reservation_id}")
    members.sort(key=lambda s: (s.launch_index or 0, len(s.name or ""), s.name or ""))
    return members


def _default_networks(conn: Any) -> str | None:
    """Return "auto" where the API requires ``networks`` (2.37+), else None."""
    try:
        return "auto" if sdk_utils.supports_microversion(conn.compute, "2.37") else None
    except (sdk_exc.SDKException, AttributeError):
        return None


def scheduler_hints(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Return --hint KEY=VALUE pairs as hints; a key given again collects a list."""
    hints: dict[str, Any] = {}
    for key, value in pairs:
        if key not in hints:
            hints[key] = value
        elif isinstance(hints[key], list):
            hints[key].append(value)
        else:
            hints[key] = [hints[key], value]
    return hints


def create(conn: Any, args: argparse.Namespace) -> int:
    """Create one or more servers, optionally waiting for them to be ACTIVE."""
    max_count = args.max if args.max is not None else args.min
    if args.min > max_count:
        raise CommandError("--min must not be greater than --max")
    flavor = find_flavor(conn, args.flavor)
    attrs: dict[str, Any] = {
        "name": args.name,
        "flavor_id": flavor.id,
        "image_id": image_id(conn, args.image),
    }
    optional = {
        "key_name": args.key_name,
        "availability_zone": args.availability_zone,
        "scheduler_hints": scheduler_hints(args.hint),
        "tags": args.tag,
    }
    attrs.update({name: value for name, value in optional.items() if value})
    if max_count > 1:
        attrs.update(min_count=args.min, max_count=max_count)
    networks = args.nic or _default_networks(conn)
    if networks:
        attrs["networks"] = networks
    admin_password = None
    if max_count > 1:
        reservation_id = create_batch(conn, attrs)
        servers = _batch_members(conn, reservation_id, args.name, max_count)
    else:
        created = conn.compute.create_server(**attrs)
        admin_password = created.admin_password
        servers = [conn.compute.get_server(created.id)]
    if args.wait:
        servers = wait_active(conn, servers, args.wait_timeout, args.poll_interval)
    names = flavor_names(conn)
    if len(servers) == 1:
        fields = show_fields(servers[0], names)
        if admin_password:
            fields.append(("admin_password", admin_password))
        output.print_record(fields, args.format)
    else:
        output.print_list(LIST_COLUMNS, [list_row(s, names) for s in servers], args.format)
    return 0


def list_(conn: Any, args: argparse.Namespace) -> int:
    """List servers (the caller's project, or all with --all-projects)."""
    query = {"all_projects": True} if args.all_projects else {}
    servers = list(conn.compute.servers(details=True, **query))
    names = flavor_names(conn) if servers else {}
    output.print_list(LIST_COLUMNS, [list_row(s, names) for s in servers], args.format)
    return 0


def show(conn: Any, args: argparse.Namespace) -> int:
    """Show one server's details."""
    server = find_server(conn, args.server, all_projects=args.all_projects)
    output.print_record(show_fields(server, flavor_names(conn)), args.format)
    return 0


def delete(conn: Any, args: argparse.Namespace) -> int:
    """Delete servers; report each failure and go on; optionally wait until gone."""

    def delete_one(name_or_id: str) -> Any:
        server = find_server(conn, name_or_id, all_projects=args.all_projects)
        conn.compute.delete_server(server)
        return server

    deleted, failed = for_each(args.servers, delete_one)
    if args.wait and deleted:
        wait_deleted(conn, deleted, args.wait_timeout, args.poll_interval)
    check_failed(failed, len(args.servers), "servers could not be deleted")
    return 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> Any:
    """Add the ``server`` command and its actions; return its subparsers for more."""
    parser = subparsers.add_parser("server", help="Manage servers.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = actions.add_parser("create", parents=[common], help="Create a server.")
    p.add_argument("name", metavar="NAME", help="Name of the new server.")
    p.add_argument("--flavor", required=True, help="Flavor name or ID.")
    p.add_argument(
        "--image", required=True, help="Image name or ID (names are looked up in Glance)."
    )
    p.add_argument("--key-name", help="Key pair to inject.")
    p.add_argument("--availability-zone", metavar="ZONE", help="Availability zone to boot in.")
    p.add_argument(
        "--hint",
        type=key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Scheduler hint, e.g. group=GROUP_UUID (repeatable; a repeated key makes a list).",
    )
    p.add_argument(
        "--tag", action="append", default=[], help="Tag for the server (repeatable; API 2.52+)."
    )
    p.add_argument("--min", type=positive_int, default=1, help="Create at least N servers.")
    p.add_argument("--max", type=positive_int, help="Create at most N servers (default: --min).")
    p.add_argument(
        "--nic",
        choices=("auto", "none"),
        help="Network allocation (API 2.37+; default auto where the API needs it).",
    )
    add_wait_options(p, "the servers are ACTIVE")
    p.set_defaults(func=create)

    p = actions.add_parser("list", parents=[common], help="List servers.")
    add_all_projects(p)
    p.set_defaults(func=list_)

    p = actions.add_parser("show", parents=[common], help="Show a server.")
    p.add_argument("server", metavar="ID_OR_NAME", help="Server to show.")
    add_all_projects(p)
    p.set_defaults(func=show)

    p = actions.add_parser("delete", parents=[common], help="Delete servers.")
    p.add_argument("servers", metavar="ID_OR_NAME", nargs="+", help="Servers to delete.")
    add_all_projects(p)
    add_wait_options(p, "the servers are gone")
    p.set_defaults(func=delete)
    return actions
