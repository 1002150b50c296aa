"""Every periodic task of the managers (and their mixins) is registered."""

from nova_lite.compute.manager import ComputeManager
from nova_lite.compute.utils import PeriodicTaskMixin
from nova_lite.conductor.manager import ComputeTaskManager


def _names(cls) -> set[str]:
    return {name for name, _task in cls._periodic_tasks}


def test_compute_manager_runs_the_tasks_of_all_its_mixins():
    assert _names(ComputeManager) >= {
        "update_available_resource",
        "sync_power_states",
        "repair_stuck_tasks",
        "_poll_unconfirmed_resizes",
        "_poll_shelved_instances",
    }
    assert len(ComputeManager._periodic_tasks) == len(_names(ComputeManager))


def test_conductor_repairs_orphaned_tasks():
    assert "repair_orphaned_tasks" in _names(ComputeTaskManager)


def test_mixin_tasks_would_be_lost_without_the_mixin_base():
    from oslo_service import periodic_task

    class Plain:
        @periodic_task.periodic_task
        def lost(self, context):
            pass

    class Mixed(PeriodicTaskMixin):
        @periodic_task.periodic_task
        def kept(self, context):
            pass

    class Manager(Plain, Mixed, periodic_task.PeriodicTasks):
        pass

    assert _names(Manager) == {"kept"}
