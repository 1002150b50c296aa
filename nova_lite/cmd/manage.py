"""nova-lite-manage: database and service administration."""

from __future__ import annotations

import sys

from oslo_config import cfg

from nova_lite import conf  # noqa: F401 - registers the options

CONF = cfg.CONF


def _db_sync(args) -> int:
    from nova_lite.db import migration

    migration.db_sync(args.version or "head")
    print(f"Database is at revision {migration.db_version()}")
    return 0


def _db_version(args) -> int:
    from nova_lite.db import migration

    print(migration.db_version() or "None")
    return 0


def _add_commands(subparsers) -> None:
    db = subparsers.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="action", required=True)
    sync = db_commands.add_parser("sync", help="create or upgrade the schema")
    sync.add_argument("version", nargs="?", help="target revision (default: head)")
    sync.set_defaults(func=_db_sync)
    version = db_commands.add_parser("version", help="print the schema revision")
    version.set_defaults(func=_db_version)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv if argv is None else argv
    CONF.register_cli_opt(cfg.SubCommandOpt("category", handler=_add_commands))
    CONF(argv[1:], project="nova-lite", prog="nova-lite-manage")
    from nova_lite.db import api as db_api

    try:
        db_api.configure(CONF)
    except Exception as error:  # noqa: BLE001 - one clear line, no traceback
        print(f"Error: {error}", file=sys.stderr)
        return 1
    return CONF.category.func(CONF.category)
