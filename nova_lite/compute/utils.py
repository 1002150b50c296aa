"""Helpers shared by compute operations."""

from __future__ import annotations

import collections
import contextlib
import threading

from oslo_log import log as logging

from nova_lite.objects.instance_action import InstanceActionEvent

LOG = logging.getLogger(__name__)


@contextlib.contextmanager
def event_reporter(context, instance_uuid: str, event: str, host: str):
    """Record an instance action event around a block: start, then the result."""
    InstanceActionEvent.event_start(context, instance_uuid, event, host=host)
    try:
        yield
    except BaseException as error:
        InstanceActionEvent.event_finish_with_failure(context, instance_uuid, event, error)
        raise
    InstanceActionEvent.event_finish(context, instance_uuid, event)


class KeyedLocks:
    """One lock per key (an instance uuid), dropped when nobody holds it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._users: collections.Counter = collections.Counter()

    @contextlib.contextmanager
    def hold(self, key: str):
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
            self._users[key] += 1
        try:
            with lock:
                yield
        finally:
            with self._guard:
                self._users[key] -= 1
                if not self._users[key]:
                    del self._users[key]
                    del self._locks[key]
