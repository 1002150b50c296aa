"""``nova-lite server image create|shelve|unshelve|lock|unlock``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from nova_lite.cli import output
from nova_lite.cli.arguments import add_wait_options, key_value
from nova_lite.cli.errors import check_failed, for_each
from nova_lite.cli.lookup import check_image_service, find_server
from nova_lite.cli.wait import wait_active, wait_status

SHELVED = ("SHELVED", "SHELVED_OFFLOADED")
OFFLOADED = ("SHELVED_OFFLOADED",)


def image_fields(image: Any) -> list[tuple[str, Any]]:
    """Return the (field, value) pairs printed for a new image."""
    return [
        ("id", image.id),
        ("name", image.name),
        ("status", image.status),
        ("size", image.size),
        ("disk_format", image.disk_format),
        ("container_format", image.container_format),
        ("visibility", image.visibility),
        ("created_at", image.created_at),
    ]


def create_image(conn: Any, args: argparse.Namespace) -> int:
    """Snapshot a server into a new Glance image (createImage)."""
    check_image_service(conn, "create an image")
    server = find_server(conn, args.server)
    image = conn.compute.create_server_image(
        server,
        args.name or server.name,
        metadata=dict(args.property) or None,
        wait=args.wait,
        timeout=args.wait_timeout,
    )
    output.print_record(image_fields(image), args.format)
    return 0


def _each_server(
    conn: Any, args: argparse.Namespace, act: Callable[[Any], None], what: str
) -> list[Any]:
    """Find each server of ``args.servers`` and ``act`` on it, going on after failures;
    return the servers acted on, or raise "N of M servers could not be WHAT"."""

    def act_on(name_or_id: str) -> Any:
        server = find_server(conn, name_or_id)
        act(server)
        return server

    servers, failed = for_each(args.servers, act_on)
    check_failed(failed, len(args.servers), f"servers could not be {what}")
    return servers


def shelve(conn: Any, args: argparse.Namespace) -> int:
    """Shelve servers; with --offload also free their hosts (SHELVED_OFFLOADED)."""

    def shelve_one(server: Any) -> None:
        if args.offload and server.status == "SHELVED":
            conn.compute.shelve_offload_server(server)
        else:
            conn.compute.shelve_server(server)

    servers = _each_server(conn, args, shelve_one, "shelved")
    if not args.offload:
        if args.wait:
            wait_status(conn, servers, SHELVED, args.wait_timeout, args.poll_interval)
        return 0
    # The API may offload right after shelving; offload the ones left SHELVED.
    shelved = wait_status(conn, servers, SHELVED, args.wait_timeout, args.poll_interval)
    offloading = [server for server in shelved if server.status == "SHELVED"]
    for server in offloading:
        conn.compute.shelve_offload_server(server)
    if args.wait and offloading:
        wait_status(conn, offloading, OFFLOADED, args.wait_timeout, args.poll_interval)
    return 0


def unshelve(conn: Any, args: argparse.Namespace) -> int:
    """Unshelve servers, optionally onto a zone or host."""
    where = {
        name: value
        for name, value in (("availability_zone", args.availability_zone), ("host", args.host))
        if value
    }
    servers = _each_server(
        conn, args, lambda server: conn.compute.unshelve_server(server, **where), "unshelved"
    )
    if args.wait:
        wait_active(conn, servers, args.wait_timeout, args.poll_interval)
    return 0


def lock(conn: Any, args: argparse.Namespace) -> int:
    """Lock servers against actions by non-admin users."""
    _each_server(
        conn,
        args,
        lambda server: conn.compute.lock_server(server, locked_reason=args.reason),
        "locked",
    )
    return 0


def unlock(conn: Any, args: argparse.Namespace) -> int:
    """Unlock servers."""
    _each_server(conn, args, conn.compute.unlock_server, "unlocked")
    return 0


def _servers_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """Add the SERVER... positional argument."""
    parser.add_argument("servers", metavar="ID_OR_NAME", nargs="+", help=f"Servers to {what}.")


def register(server_actions: Any, common: argparse.ArgumentParser) -> None:
    """Add ``server image create``, ``shelve``, ``unshelve``, ``lock`` and ``unlock``."""
    parser = server_actions.add_parser("image", help="Images of servers.")
    actions = parser.add_subparsers(dest="image_action", metavar="ACTION", required=True)
    p = actions.add_parser(
        "create", parents=[common], help="Create an image from a server (snapshot)."
    )
    p.add_argument("server", metavar="ID_OR_NAME", help="Server to snapshot.")
    p.add_argument("--name", help="Image name (default: the server's name).")
    p.add_argument(
        "--property",
        type=key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Image property (repeatable).",
    )
    add_wait_options(p, "the image is active", poll=False)
    p.set_defaults(func=create_image)

    p = server_actions.add_parser("shelve", parents=[common], help="Shelve servers.")
    _servers_argument(p, "shelve")
    p.add_argument(
        "--offload",
        action="store_true",
        help="Also remove them from their hosts (waits for the shelve to finish).",
    )
    add_wait_options(p, "the servers are shelved (or offloaded with --offload)")
    p.set_defaults(func=shelve)

    p = server_actions.add_parser("unshelve", parents=[common], help="Unshelve servers.")
    _servers_argument(p, "unshelve")
    p.add_argument("--availability-zone", metavar="ZONE", help="Zone to unshelve into.")
    p.add_argument("--host", help="Host to unshelve onto (admin, API 2.91+).")
    add_wait_options(p, "the servers are ACTIVE")
    p.set_defaults(func=unshelve)

    p = server_actions.add_parser("lock", parents=[common], help="Lock servers.")
    _servers_argument(p, "lock")
    p.add_argument("--reason", help="Why they are locked (API 2.73+).")
    p.set_defaults(func=lock)

    p = server_actions.add_parser("unlock", parents=[common], help="Unlock servers.")
    _servers_argument(p, "unlock")
    p.set_defaults(func=unlock)
