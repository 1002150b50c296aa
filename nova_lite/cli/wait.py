"""Waiting for servers to reach a status or to be gone, reporting progress on stderr."""

from __future__ import annotations

import sys
import time
from typing import Any

from openstack import exceptions as sdk_exc

from nova_lite.cli.errors import CommandError

POLL_INTERVAL = 1.0


def label(server: Any) -> str:
    """Return "name (id)" for progress and error messages."""
    return f"{server.name} ({server.id})" if server.name else str(server.id)


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
    return wait_status(conn, servers, ("ACTIVE",), timeout, interval)


def wait_status(
    conn: Any,
    servers: list[Any],
    statuses: tuple[str, ...],
    timeout: float,
    interval: float = POLL_INTERVAL,
) -> list[Any]:
    """Poll until every server has one of ``statuses`` and no task state; CommandError on
    ERROR, on timeout, or when a server's action ended (no task state) in another status
    than BUILD."""
    wanted = " or ".join(statuses)
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
                errors.append(f"Server {server_id} disappeared while waiting for {wanted}")
                continue
            _progress(server, seen)
            if server.status in statuses and not server.task_state:
                pending.remove(server_id)
                done[server_id] = server
            elif server.status == "ERROR":
                pending.remove(server_id)
                errors.append(f"Server {label(server)} is in ERROR: {_fault_message(server)}")
            elif not server.task_state and server.status not in (*statuses, "BUILD"):
                pending.remove(server_id)
                errors.append(f"Server {label(server)} is {server.status}, not {wanted}")
        if not pending:
            break
        if time.monotonic() >= deadline:
            ids = ", ".join(pending)
            errors.append(f"Timed out after {timeout:g}s waiting for server {ids} to be {wanted}")
            break
        time.sleep(interval)
    if errors:
        raise CommandError("; ".join(errors))
    return [done[s.id] for s in servers]


def wait_deleted(
    conn: Any, servers: list[Any], timeout: float, interval: float = POLL_INTERVAL
) -> None:
    """Poll until every server is gone (404); raise CommandError on a failed delete.

    A delete failed when a server that was not in ERROR before is in ERROR with no
    task state; servers already in ERROR are followed until they are gone.
    """
    pending = {s.id: s for s in servers}
    was_error = {s.id for s in servers if s.status == "ERROR"}
    errors: list[str] = []
    seen: dict[str, tuple] = {}
    deadline = time.monotonic() + timeout
    while True:
        for server_id, before in list(pending.items()):
            try:
                server = conn.compute.get_server(server_id)
            except sdk_exc.NotFoundException:
                del pending[server_id]
                print(f"{label(before)}: deleted", file=sys.stderr, flush=True)
                continue
            _progress(server, seen)
            failed = server.status == "ERROR" and not server.task_state
            if failed and server_id not in was_error:
                del pending[server_id]
                errors.append(f"Deleting server {label(server)} failed: {_fault_message(server)}")
        if not pending:
            break
        if time.monotonic() >= deadline:
            ids = ", ".join(pending)
            errors.append(f"Timed out after {timeout:g}s waiting for server {ids} to be deleted")
            break
        time.sleep(interval)
    if errors:
        raise CommandError("; ".join(errors))
