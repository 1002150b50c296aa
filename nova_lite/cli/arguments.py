"""Argument types and option groups shared by the ``nova-lite`` commands."""

from __future__ import annotations

import argparse

from nova_lite.cli.wait import POLL_INTERVAL

WAIT_TIMEOUT = 600.0


def positive_int(text: str) -> int:
    """Parse a command-line integer that must be at least 1."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """Parse a command-line integer that must be 0 or more."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def quota_limit(text: str) -> int:
    """Parse a quota limit: 0 or more, or -1 for unlimited."""
    value = _int(text)
    if value < -1:
        raise argparse.ArgumentTypeError(f"must be -1 (unlimited) or more: {text!r}")
    return value


def _int(text: str) -> int:
    """Parse a command-line integer."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid integer: {text!r}") from None


def seconds(text: str) -> float:
    """Parse a non-negative number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def key_value(text: str) -> tuple[str, str]:
    """Parse ``KEY=VALUE`` (the value may be empty, the key may not)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE: {text!r}")
    return key, value


def add_wait_options(parser: argparse.ArgumentParser, what: str, poll: bool = True) -> None:
    """Add --wait, --wait-timeout and (with ``poll``) --poll-interval."""
    parser.add_argument("--wait", action="store_true", help=f"Wait until {what}.")
    parser.add_argument(
        "--wait-timeout",
        type=seconds,
        default=WAIT_TIMEOUT,
        metavar="SECONDS",
        help=f"Give up waiting after this long (default {WAIT_TIMEOUT:g}).",
    )
    if not poll:
        return
    parser.add_argument(
        "--poll-interval",
        type=seconds,
        default=POLL_INTERVAL,
        metavar="SECONDS",
        help=f"Time between status polls while waiting (default {POLL_INTERVAL:g}).",
    )


def add_all_projects(parser: argparse.ArgumentParser) -> None:
    """Add --all-projects (admin only)."""
    parser.add_argument(
        "--all-projects", action="store_true", help="Include all projects (admin only)."
    )
