"""``nova-lite server create|list|show|delete``."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from openstack import exceptions as sdk_exc
from openstack import utils as sdk_utils

from nova_lite.cli import output
from nova_lite.cli.errors import CommandError, describe
from nova_lite.cli.lookup import find_flavor, find_server, flavor_names

POLL_INTERVAL = 1.0
WAIT_TIMEOUT = 600.0

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


def _positive_int(text: str) -> int:
    """Parse a command-line integer that must be at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _seconds(text: str) -> float:
    """Parse a non-negative number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def label(server: Any) -> str:
    """Return "name (id)" for progress and error messages."""
    return f"{server.name} ({server.id})" if server.name else str(server.id)


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


def _progress(server: Any, seen: dict[str, tuple]) -> None:
    """Print a line to stderr when the server's status or task state changed."""
    state = (server.status, server.task_state)
    if seen.get(server.id) == state:
        return
    seen[server.id] = state
    task = f" (task: {server.task_state})" if server.task_state else ""
    print(f"{label(server)}: {server.status}{task}", file=sys.stderr, flush=True)


def _fault_message(server: Any) -> str:
    """Return the message of the server's fault record, if it has one."""
    fault = server.fault or {}
    return fault.get("message") or "no fault message recorded"


def wait_active(
    conn: Any, servers: list[Any], timeout: float, interval: float = POLL_INTERVAL
) -> list[Any]:
    """Poll until every server is ACTIVE; raise CommandError on ERROR or timeout."""
    pending = [s.id for s in servers]
    done: dict[str, Any] = {}
    errors: list[str] = []
    seen: dict[str, tuple] = {}
    deadline = time.monotonic() + timeout
    while True:
        for server_id in list(pending):
            try:
                server = conn.compute.get_server(server_id)
            except sdk_exc.NotFoundException:
                pending.remove(server_id)
                errors.append(f"Server {server_id} disappeared while building")
                continue
            _progress(server, seen)
            if server.status == "ACTIVE":
                pending.remove(server_id)
                done[server_id] = server
            elif server.status == "ERROR":
                pending.remove(server_id)
                errors.append(f"Server {label(server)} is in ERROR: {_fault_message(server)}")
        if not pending:
            break
        if time.monotonic() >= deadline:
            ids = ", ".join(pending)
            errors.append(f"Timed out after {timeout:g}s waiting for server {ids} to be ACTIVE")
            break
        time.sleep(interval)
    if errors:
        raise CommandError("; ".join(errors))
    return [done[s.id] for s in servers]


def wait_deleted(
    conn: Any, servers: list[Any], timeout: float, interval: float = POLL_INTERVAL
) -> None:
    """Poll until every server is gone (404); raise CommandError on ERROR or timeout."""
    pending = [s.id for s in servers]
    errors: list[str] = []
    seen: dict[str, tuple] = {}
    deadline = time.monotonic() + timeout
    while True:
        for server_id in list(pending):
            try:
                server = conn.compute.get_server(server_id)
            except sdk_exc.NotFoundException:
                pending.remove(server_id)
                print(f"{server_id}: deleted", file=sys.stderr, flush=True)
                continue
            _progress(server, seen)
            if server.status == "ERROR":
                pending.remove(server_id)
                errors.append(
                    f"Server {label(server)} went to ERROR while deleting: "
                    f"{_fault_message(server)}"
                )
        if not pending:
            break
        if time.monotonic() >= deadline:
            ids = ", ".join(pending)
            errors.append(f"Timed out after {timeout:g}s waiting for server {ids} to be deleted")
            break
        time.sleep(interval)
    if errors:
        raise CommandError("; ".join(errors))


def _siblings(conn: Any, server: Any) -> list[Any]:
    """Return all servers of the create request ``server`` belongs to (by reservation)."""
    reservation_id = server.reservation_id
    if not reservation_id:
        print(
            f"Warning: reservation ID of {server.id} not visible; following only that server",
            file=sys.stderr,
        )
        return [server]
    found = [
        s
        for s in conn.compute.servers(details=True, reservation_id=reservation_id)
        if s.reservation_id == reservation_id
    ]
    found.sort(key=lambda s: (s.launch_index is None, s.launch_index or 0, s.name or ""))
    return found or [server]


def _default_networks(conn: Any) -> str | None:
    """Return "auto" where the API requires ``networks`` (2.37+), else None."""
    try:
        return "auto" if sdk_utils.supports_microversion(conn.compute, "2.37") else None
    except (sdk_exc.SDKException, AttributeError):
        return None


def create(conn: Any, args: argparse.Namespace) -> int:
    """Create one or more servers, optionally waiting for them to be ACTIVE."""
    max_count = args.max if args.max is not None else args.min
    if args.min > max_count:
        raise CommandError("--min must not be greater than --max")
    flavor = find_flavor(conn, args.flavor)
    attrs: dict[str, Any] = {"name": args.name, "flavor_id": flavor.id, "image_id": args.image}
    if max_count > 1:
        attrs.update(min_count=args.min, max_count=max_count)
    networks = args.nic or _default_networks(conn)
    if networks:
        attrs["networks"] = networks
    created = conn.compute.create_server(**attrs)
    servers = [conn.compute.get_server(created.id)]
    if max_count > 1:
        servers = _siblings(conn, servers[0])
    if args.wait:
        servers = wait_active(conn, servers, args.wait_timeout, args.poll_interval)
    names = flavor_names(conn)
    if len(servers) == 1:
        fields = show_fields(servers[0], names)
        if created.admin_password:
            fields.append(("admin_password", created.admin_password))
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
    deleted = []
    failed = 0
    for name_or_id in args.servers:
        try:
            server = find_server(conn, name_or_id, all_projects=args.all_projects)
            conn.compute.delete_server(server)
        except (CommandError, sdk_exc.SDKException) as exc:
            print(f"Error: {name_or_id}: {describe(exc)}", file=sys.stderr)
            failed += 1
            continue
        deleted.append(server)
    if args.wait and deleted:
        wait_deleted(conn, deleted, args.wait_timeout, args.poll_interval)
    if failed:
        raise CommandError(f"{failed} of {len(args.servers)} servers could not be deleted")
    return 0


def _add_wait_options(parser: argparse.ArgumentParser, what: str) -> None:
    """Add --wait, --wait-timeout and --poll-interval."""
    parser.add_argument("--wait", action="store_true", help=f"Wait until {what}.")
    parser.add_argument(
        "--wait-timeout",
        type=_seconds,
        default=WAIT_TIMEOUT,
        metavar="SECONDS",
        help=f"Give up waiting after this long (default {WAIT_TIMEOUT:g}).",
    )
    parser.add_argument(
        "--poll-interval",
        type=_seconds,
        default=POLL_INTERVAL,
        metavar="SECONDS",
        help=f"Time between status polls while waiting (default {POLL_INTERVAL:g}).",
    )


def _add_all_projects(parser: argparse.ArgumentParser) -> None:
    """Add --all-projects (admin only)."""
    parser.add_argument(
        "--all-projects", action="store_true", help="Include all projects (admin only)."
    )


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``server`` command and its actions."""
    parser = subparsers.add_parser("server", help="Manage servers.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = actions.add_parser("create", parents=[common], help="Create a server.")
    p.add_argument("name", metavar="NAME", help="Name of the new server.")
    p.add_argument("--flavor", required=True, help="Flavor name or ID.")
    p.add_argument("--image", required=True, help="Image ID (passed as imageRef).")
    p.add_argument("--min", type=_positive_int, default=1, help="Create at least N servers.")
    p.add_argument(
        "--max", type=_positive_int, help="Create at most N servers (default: --min)."
    )
    p.add_argument(
        "--nic",
        choices=("auto", "none"),
        help="Network allocation (API 2.37+; default auto where the API needs it).",
    )
    _add_wait_options(p, "the servers are ACTIVE")
    p.set_defaults(func=create)

    p = actions.add_parser("list", parents=[common], help="List servers.")
    _add_all_projects(p)
    p.set_defaults(func=list_)

    p = actions.add_parser("show", parents=[common], help="Show a server.")
    p.add_argument("server", metavar="ID_OR_NAME", help="Server to show.")
    _add_all_projects(p)
    p.set_defaults(func=show)

    p = actions.add_parser("delete", parents=[common], help="Delete servers.")
    p.add_argument("servers", metavar="ID_OR_NAME", nargs="+", help="Servers to delete.")
    _add_all_projects(p)
    _add_wait_options(p, "the servers are gone")
    p.set_defaults(func=delete)
