"""Calls started in a background thread, so that their waits (a Glance round
trip, a conductor call) overlap the caller's other work."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent import futures
from typing import Any, TypeVar

T = TypeVar("T")

_executor: futures.ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _get_executor() -> futures.ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = futures.ThreadPoolExecutor(thread_name_prefix="background")
        return _executor


def start(context, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Callable[[], T]:
    """Start ``fn(context, *args, **kwargs)`` in a background thread (logging as
    ``context``'s request).

    The returned function waits for the result, or raises the call's exception,
    where the caller uses it; when no thread has taken the call up yet (all
    busy), it makes the call itself instead of waiting for one.
    """

    def run() -> T:
        context.update_store()
        return fn(context, *args, **kwargs)

    future = _get_executor().submit(run)

    def result() -> T:
        return fn(context, *args, **kwargs) if future.cancel() else future.result()

    return result
