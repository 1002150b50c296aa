"""``nova-lite keypair create|list|show|delete``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from nova_lite.cli import output
from nova_lite.cli.errors import CommandError, check_failed, for_each

LIST_COLUMNS = ("Name", "Fingerprint", "Type")


def show_fields(keypair: Any) -> list[tuple[str, Any]]:
    """Return the (field, value) pairs printed for one key pair."""
    return [
        ("name", keypair.name),
        ("fingerprint", keypair.fingerprint),
        ("type", keypair.type),
        ("user_id", keypair.user_id),
        ("created_at", keypair.created_at),
    ]


def _read(path: str) -> str:
    """Return the text of the public key file ``path``."""
    try:
        return Path(path).expanduser().read_text()
    except OSError as exc:
        raise CommandError(f"Cannot read public key {path}: {exc.strerror}") from None


def _write_private(path: str, key: str) -> None:
    """Write a new private key file readable by its owner only."""
    try:
        fd = os.open(Path(path).expanduser(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise CommandError(f"Cannot write private key {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w") as stream:
        stream.write(key)


def create(conn: Any, args: argparse.Namespace) -> int:
    """Import a public key, or have the API generate a key pair."""
    attrs: dict[str, Any] = {"name": args.name, "type": args.type}
    if args.public_key:
        attrs["public_key"] = _read(args.public_key)
    if args.user:
        attrs["user_id"] = args.user
    keypair = conn.compute.create_keypair(**attrs)
    fields = show_fields(keypair)
    if keypair.private_key:
        if args.private_key:
            _write_private(args.private_key, keypair.private_key)
        else:
            fields.append(("private_key", keypair.private_key))
    output.print_record(fields, args.format)
    return 0


def _user_query(args: argparse.Namespace) -> dict[str, Any]:
    """Return ``{"user_id": ...}`` when --user was given."""
    return {"user_id": args.user} if args.user else {}


def list_(conn: Any, args: argparse.Namespace) -> int:
    """List the caller's key pairs (or another user's, admin only)."""
    keypairs = conn.compute.keypairs(**_user_query(args))
    rows = [(k.name, k.fingerprint, k.type) for k in keypairs]
    output.print_list(LIST_COLUMNS, rows, args.format)
    return 0


def show(conn: Any, args: argparse.Namespace) -> int:
    """Show one key pair, with its public key."""
    keypair = conn.compute.get_keypair(args.name, **_user_query(args))
    fields = [*show_fields(keypair), ("public_key", keypair.public_key)]
    output.print_record(fields, args.format)
    return 0


def delete(conn: Any, args: argparse.Namespace) -> int:
    """Delete key pairs; report each failure and go on."""
    query = _user_query(args)

    def delete_one(name: str) -> None:
        conn.compute.delete_keypair(name, ignore_missing=False, **query)

    _, failed = for_each(args.names, delete_one)
    check_failed(failed, len(args.names), "key pairs could not be deleted")
    return 0


def _add_user(parser: argparse.ArgumentParser) -> None:
    """Add --user (admin only, API 2.10+)."""
    parser.add_argument("--user", metavar="USER_ID", help="Owner's user ID (admin, API 2.10+).")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``keypair`` command and its actions."""
    parser = subparsers.add_parser("keypair", help="Manage key pairs.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = actions.add_parser(
        "create", parents=[common], help="Import a public key or generate a key pair."
    )
    p.add_argument("name", metavar="NAME", help="Name of the new key pair.")
    key = p.add_mutually_exclusive_group()
    key.add_argument("--public-key", metavar="FILE", help="Import this public key.")
    key.add_argument(
        "--private-key",
        metavar="FILE",
        help="Save the generated private key in this new file (default: print it).",
    )
    p.add_argument("--type", choices=("ssh", "x509"), default="ssh", help="Key type (default ssh).")
    _add_user(p)
    p.set_defaults(func=create)

    p = actions.add_parser("list", parents=[common], help="List key pairs.")
    _add_user(p)
    p.set_defaults(func=list_)

    p = actions.add_parser("show", parents=[common], help="Show a key pair.")
    p.add_argument("name", metavar="NAME", help="Key pair to show.")
    _add_user(p)
    p.set_defaults(func=show)

    p = actions.add_parser("delete", parents=[common], help="Delete key pairs.")
    p.add_argument("names", metavar="NAME", nargs="+", help="Key pairs to delete.")
    _add_user(p)
    p.set_defaults(func=delete)
