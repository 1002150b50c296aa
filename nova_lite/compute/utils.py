"""Helpers shared by compute operations."""

from __future__ import annotations

import collections
import contextlib
import threading

from oslo_log import log as logging

from nova_lite import exception
from nova_lite.objects.instance import Instance
from nova_lite.objects.instance_action import InstanceActionEvent

LOG = logging.getLogger(__name__)


@contextlib.contextmanager
def event_reporter(context, instance_uuid: str, event: str, host: str, start: bool = True):
    """Record an instance action event around a block: start, then the result.

    ``start=False`` when the block starts the event itself (in a save).
    Work a service starts by itself (repairs at start-up, periodic tasks)
    belongs to no user action; it runs without an event.
    """
    try:
        if start:
            InstanceActionEvent.event_start(context, instance_uuid, event, host=host)
    except exception.NotFound:
        LOG.debug(
            "No action of request %s on %s: %s runs without an event",
            context.request_id,
            instance_uuid,
            event,
        )
        yield
        return
    try:
        yield
    except BaseException as error:
        InstanceActionEvent.event_finish_with_failure(context, instance_uuid, event, error)
        raise
    InstanceActionEvent.event_finish(context, instance_uuid, event)


@contextlib.contextmanager
def instance_operation(manager, context, instance, event: str, error_state: str | None = None):
    """Run one compute operation on an instance, as Nova's decorators do.

    Holds the instance's lock and records the action event. On failure the
    fault is recorded and the task state reverted (the vm_state set to
    ``error_state`` when given); the error is logged, not raised, since
    operations arrive as casts.
    """
    with manager._locks.hold(instance.uuid):
        try:
            with event_reporter(context, instance.uuid, event, manager.host):
                yield
        except exception.InstanceNotFound:
            LOG.info("Instance %s was deleted during %s", instance.uuid, event)
        except Exception as error:  # noqa: BLE001 - recorded on the instance
            LOG.exception("%s failed for instance %s", event, instance.uuid)
            try:
                instance.add_fault(error, host=manager.host)
                instance.task_state = None
                if error_state is not None:
                    instance.vm_state = error_state
                instance.save()
            except exception.InstanceNotFound:
                LOG.info("Instance %s was deleted during %s", instance.uuid, event)


class KeyedLocks:
    """One re-entrant lock per key (an instance uuid), dropped when nobody holds it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._users: collections.Counter = collections.Counter()

    @contextlib.contextmanager
    def hold(self, key: str):
        with self._guard:
            lock = self._locks.setdefault(key, threading.RLock())
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

    def is_held(self, key: str) -> bool:
        """Whether some thread holds or waits for the key's lock."""
        with self._guard:
            return key in self._users


class PeriodicTaskMixin:
    """Base of compute manager mixins that define periodic tasks.

    oslo.service's PeriodicTasks metaclass collects the tasks defined on the
    class itself and inherits the list of only the first base that has one;
    tasks of mixins would be silently lost. This registers the periodic tasks
    of every mixin in the class's MRO on the class being created.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        meta = type(cls)
        if not hasattr(meta, "_add_periodic_task"):
            return
        cls._periodic_tasks = list(getattr(cls, "_periodic_tasks", []))
        cls._periodic_spacing = dict(getattr(cls, "_periodic_spacing", {}))
        known = {name for name, _task in cls._periodic_tasks}
        for klass in cls.__mro__[1:]:
            if not issubclass(klass, PeriodicTaskMixin):
                continue
            for value in klass.__dict__.values():
                name = getattr(value, "_periodic_name", None)
                if getattr(value, "_periodic_task", False) and name not in known:
                    meta._add_periodic_task(cls, value)
                    known.add(name)


def instance_gone(context, instance, error: Exception) -> bool:
    """Whether ``error`` means the instance was deleted (not merely its guest)."""
    if isinstance(error, exception.UnexpectedDeletingTaskStateError):
        return True
    if not isinstance(error, exception.InstanceNotFound):
        return False
    try:  # the driver also says InstanceNotFound, of a guest
        Instance.get_by_uuid(context, instance.uuid)
    except exception.InstanceNotFound:
        return True
    return False
