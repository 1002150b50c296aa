"""``nova-lite server tag list|add|remove`` and ``server metadata list|set|unset``."""

from __future__ import annotations

import argparse
from typing import Any

from nova_lite.cli import output
from nova_lite.cli.arguments import key_value
from nova_lite.cli.lookup import find_server


def list_tags(conn: Any, args: argparse.Namespace) -> int:
    """List a server's tags (API 2.26+)."""
    server = find_server(conn, args.server)
    output.print_list(("Tag",), [(tag,) for tag in sorted(server.tags or [])], args.format)
    return 0


def add_tags(conn: Any, args: argparse.Namespace) -> int:
    """Add tags to a server."""
    server = find_server(conn, args.server)
    for tag in args.tags:
        conn.compute.add_tag_to_server(server, tag)
    return 0


def remove_tags(conn: Any, args: argparse.Namespace) -> int:
    """Remove tags from a server."""
    server = find_server(conn, args.server)
    for tag in args.tags:
        conn.compute.remove_tag_from_server(server, tag)
    return 0


def list_metadata(conn: Any, args: argparse.Namespace) -> int:
    """List a server's metadata."""
    server = conn.compute.get_server_metadata(find_server(conn, args.server))
    rows = sorted((server.metadata or {}).items())
    output.print_list(("Key", "Value"), rows, args.format)
    return 0


def set_metadata(conn: Any, args: argparse.Namespace) -> int:
    """Set metadata items of a server (others are kept)."""
    server = find_server(conn, args.server)
    conn.compute.set_server_metadata(server, **dict(args.items))
    return 0


def unset_metadata(conn: Any, args: argparse.Namespace) -> int:
    """Remove metadata items from a server."""
    server = find_server(conn, args.server)
    conn.compute.delete_server_metadata(server, args.keys)
    return 0


def _group(server_actions: Any, name: str, help_text: str) -> Any:
    """Add ``server NAME`` and return its subparsers."""
    parser = server_actions.add_parser(name, help=help_text)
    return parser.add_subparsers(dest=f"{name}_action", metavar="ACTION", required=True)


def _server_argument(parser: argparse.ArgumentParser) -> None:
    """Add the SERVER positional argument."""
    parser.add_argument("server", metavar="ID_OR_NAME", help="Server name or ID.")


def register(server_actions: Any, common: argparse.ArgumentParser) -> None:
    """Add ``server tag`` and ``server metadata`` to the ``server`` command."""
    actions = _group(server_actions, "tag", "Tags of a server (API 2.26+).")
    p = actions.add_parser("list", parents=[common], help="List a server's tags.")
    _server_argument(p)
    p.set_defaults(func=list_tags)
    p = actions.add_parser("add", parents=[common], help="Add tags to a server.")
    _server_argument(p)
    p.add_argument("tags", metavar="TAG", nargs="+", help="Tags to add.")
    p.set_defaults(func=add_tags)
    p = actions.add_parser("remove", parents=[common], help="Remove tags from a server.")
    _server_argument(p)
    p.add_argument("tags", metavar="TAG", nargs="+", help="Tags to remove.")
    p.set_defaults(func=remove_tags)

    actions = _group(server_actions, "metadata", "Metadata of a server.")
    p = actions.add_parser("list", parents=[common], help="List a server's metadata.")
    _server_argument(p)
    p.set_defaults(func=list_metadata)
    p = actions.add_parser("set", parents=[common], help="Set metadata items.")
    _server_argument(p)
    p.add_argument("items", metavar="KEY=VALUE", type=key_value, nargs="+", help="Items to set.")
    p.set_defaults(func=set_metadata)
    p = actions.add_parser("unset", parents=[common], help="Remove metadata items.")
    _server_argument(p)
    p.add_argument("keys", metavar="KEY", nargs="+", help="Keys to remove.")
    p.set_defaults(func=unset_metadata)
