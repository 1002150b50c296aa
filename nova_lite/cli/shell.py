"""Argument parsing, connecting and error handling of the ``nova-lite`` client."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from openstack import config as sdk_config
from openstack import connection

from nova_lite.cli import (
    aggregates,
    availability_zones,
    flavors,
    hosts,
    keypairs,
    output,
    quotas,
    server_actions,
    server_events,
    server_groups,
    server_migrations,
    server_properties,
    servers,
)
from nova_lite.cli.errors import describe

Connect = Callable[[sdk_config.OpenStackConfig, argparse.Namespace], Any]


def connect(config: sdk_config.OpenStackConfig, options: argparse.Namespace) -> Any:
    """Return an openstacksdk Connection for the cloud the options and OS_* name."""
    return connection.Connection(config=config.get_one(argparse=options))


def build_parser(
    config: sdk_config.OpenStackConfig, argv: Sequence[str]
) -> tuple[argparse.ArgumentParser, set[str]]:
    """Return the parser and the names of the options that belong to openstacksdk."""
    sdk_parser = argparse.ArgumentParser(add_help=False)
    # register_argparse_arguments peeks at argv (--os-cloud, --os-auth-type) and edits it.
    config.register_argparse_arguments(sdk_parser, list(argv), service_keys=["compute", "image"])
    sdk_dests = set(vars(sdk_parser.parse_known_args([])[0]))

    parser = argparse.ArgumentParser(
        prog="nova-lite",
        parents=[sdk_parser],
        description="Command-line client of the nova-lite Compute API.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="Log HTTP requests and show tracebacks."
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-f",
        "--format",
        choices=output.FORMATS,
        default="table",
        help="Output format (default table).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    server_commands = servers.register(commands, common)
    for module in (
        server_actions,
        server_properties,
        server_groups,
        server_migrations,
        server_events,
    ):
        module.register(server_commands, common)
    for module in (flavors, keypairs, aggregates, availability_zones, quotas, hosts):
        module.register(commands, common)
    return parser, sdk_dests


@contextlib.contextmanager
def _debug_logging(enabled: bool) -> Iterator[None]:
    """While active (if enabled), log openstacksdk and HTTP requests to stderr."""
    if not enabled:
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(name) for name in ("openstack", "keystoneauth")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


def _error(message: str) -> int:
    """Print "Error: message" to stderr and return exit code 1."""
    print(f"Error: {message}", file=sys.stderr)
    return 1


def _exit_code(exc: SystemExit) -> int:
    """Return the integer exit code carried by a SystemExit."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def run(argv: Sequence[str], connect: Connect = connect) -> int:
    """Parse ``argv``, run the command on a connection from ``connect``; return exit code."""
    debug = "--debug" in argv
    with warnings.catch_warnings():
        if not debug:
            warnings.simplefilter("ignore")
        try:
            config = sdk_config.OpenStackConfig(app_name="nova-lite")
            parser, sdk_dests = build_parser(config, argv)
            args = parser.parse_args(list(argv))
        except SystemExit as exc:
            return _exit_code(exc)
        except Exception as exc:  # noqa: BLE001 - bad clouds.yaml, unknown cloud or auth type
            if debug:
                traceback.print_exc()
            return _error(describe(exc))
        options = argparse.Namespace(**{k: v for k, v in vars(args).items() if k in sdk_dests})
        with _debug_logging(args.debug):
            try:
                conn = connect(config, options)
                return args.func(conn, args)
            except KeyboardInterrupt:
                return _error("Interrupted")
            except Exception as exc:  # noqa: BLE001 - one line, never a traceback
                if args.debug:
                    traceback.print_exc()
                return _error(describe(exc))
