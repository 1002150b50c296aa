"""Turning client-side failures into one-line messages."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc

_URL = re.compile(r"(?:connection to|discovery document at) (\S+?)[:,]?(?:\s|$)")
T = TypeVar("T")


class CommandError(Exception):
    """A failure whose message is shown to the user as it is."""


def _root_cause(exc: BaseException) -> BaseException:
    """Return the innermost exception that ``exc`` was raised from."""
    seen = {id(exc)}
    while True:
        nxt = exc.__cause__ or exc.__context__
        if nxt is None or id(nxt) in seen:
            return exc
        seen.add(id(nxt))
        exc = nxt


def _connect_message(exc: BaseException) -> str:
    """Return "Unable to connect to URL: reason" for a connection failure."""
    match = _URL.search(str(exc))
    where = f" to {match.group(1)}" if match else ""
    root = _root_cause(exc)
    if isinstance(root, OSError) and root.strerror:
        reason = root.strerror
    else:
        reason = str(root).splitlines()[0] if str(root) else type(root).__name__
    return f"Unable to connect{where}: {reason}"


def describe(exc: BaseException) -> str:
    """Return a one-line, user-facing description of ``exc``."""
    if isinstance(exc, CommandError):
        return str(exc)
    if isinstance(exc, sdk_exc.HttpException):
        text = (exc.details or "").strip() or exc.message or type(exc).__name__
        text = " ".join(text.split())
        if exc.status_code:
            return f"{text} (HTTP {exc.status_code})"
        return text
    if isinstance(exc, (ks_exc.ConnectionError, ks_exc.DiscoveryFailure)):
        cause = _root_cause(exc)
        if isinstance(exc, ks_exc.DiscoveryFailure) and not isinstance(cause, OSError):
            return str(exc)
        return _connect_message(exc)
    if isinstance(exc, ks_exc.MissingRequiredOptions):
        return (
            f"{exc} (configure a cloud with --os-cloud / OS_CLOUD, or OS_* variables, e.g. "
            "OS_AUTH_TYPE=admin_token OS_TOKEN=admin:admin OS_ENDPOINT=URL)"
        )
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


def for_each(items: Sequence[str], action: Callable[[str], T]) -> tuple[list[T], int]:
    """Run ``action`` on every item, printing "Error: item: message" for each failure
    and going on; return the results of those that worked and the number that failed."""
    results = []
    failed = 0
    for item in items:
        try:
            results.append(action(item))
        except (CommandError, sdk_exc.SDKException) as exc:
            print(f"Error: {item}: {describe(exc)}", file=sys.stderr)
            failed += 1
    return results, failed


def check_failed(failed: int, total: int, what: str) -> None:
    """Raise CommandError "FAILED of TOTAL WHAT" when anything failed."""
    if failed:
        raise CommandError(f"{failed} of {total} {what}")
