"""``nova-lite server event list|show``: a server's instance actions and their events."""

from __future__ import annotations

import argparse
from typing import Any

from nova_lite.cli import output
from nova_lite.cli.lookup import server_id

LIST_COLUMNS = ("Request ID", "Action", "Start Time", "Message", "User ID")
EVENT_KEYS = ("event", "start_time", "finish_time", "result", "host", "host_id", "details")


def event_record(event: Any) -> dict[str, Any]:
    """Return one event as a dict of the keys the API showed."""
    values = {key: getattr(event, key) for key in EVENT_KEYS}
    return {key: value for key, value in values.items() if value is not None}


def list_(conn: Any, args: argparse.Namespace) -> int:
    """List the actions taken on a server (a UUID also names a deleted one)."""
    actions = conn.compute.server_actions(server_id(conn, args.server))
    rows = [(a.request_id, a.action, a.start_time, a.message, a.user_id) for a in actions]
    output.print_list(LIST_COLUMNS, rows, args.format)
    return 0


def show(conn: Any, args: argparse.Namespace) -> int:
    """Show one action on a server with its events."""
    server = server_id(conn, args.server)
    action = conn.compute.get_server_action(args.request_id, server, ignore_missing=False)
    fields = [
        ("request_id", action.request_id),
        ("action", action.action),
        ("server_id", server),
        ("start_time", action.start_time),
        ("message", action.message),
        ("user_id", action.user_id),
        ("project_id", action.project_id),
        ("events", [event_record(e) for e in action.events or []]),
    ]
    output.print_record(fields, args.format)
    return 0


def register(server_actions: Any, common: argparse.ArgumentParser) -> None:
    """Add ``server event`` and its actions to the ``server`` command."""
    parser = server_actions.add_parser("event", help="Actions taken on a server.")
    actions = parser.add_subparsers(dest="event_action", metavar="ACTION", required=True)

    p = actions.add_parser("list", parents=[common], help="List a server's actions.")
    p.add_argument("server", metavar="ID_OR_NAME", help="Server name or ID.")
    p.set_defaults(func=list_)

    p = actions.add_parser("show", parents=[common], help="Show an action and its events.")
    p.add_argument("server", metavar="ID_OR_NAME", help="Server name or ID.")
    p.add_argument("request_id", metavar="REQUEST_ID", help="Request ID of the action.")
    p.set_defaults(func=show)
