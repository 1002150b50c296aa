"""Interrupted moves are resumed or rolled back, never left half-done.

A move (resize, cold or live migration, evacuation) is interrupted when the
service running one of its steps dies, or when a message is lost. The host
the instance is recorded on (its *owner*) repairs it when it starts again,
if the interrupted step ran there, and in any case once the task passes its
deadline with nothing running on it there. When the owner's compute service
is down, the conductor repairs it past the deadline. The outcome depends on
how far the move got (its task_state) and on where the guest is:

=================  ===========================  ==============================================
task_state         where the guest is           outcome
=================  ===========================  ==============================================
resize_prep        source, untouched            rolled back: the instance stays on the source
                                                in its previous vm_state and flavor; the
                                                destination drops its claim
resize_migrating   source, perhaps powered off  rolled back: the source starts the guest
                   with its disk half sent      again as it was (ERROR if it cannot)
resize_migrated,   its disk on the destination  finished: the destination starts the guest
resize_finish      (the original kept on the    (again) and the resize waits in VERIFY_RESIZE;
                   source)                      if that fails, rolled back to the source
resize_reverting   the new guest on the         resumed where it stopped: the destination
                   destination, or removed      drops the new guest, the source starts the
                                                original (as ``revertResize``)
resize_confirming  both (the original parked    past its deadline: confirmed again by the
                   on the source)               source; with the source down, back to
                                                VERIFY_RESIZE so it can be confirmed later
migrating (live)   where the source's driver    still on the source: it stays there, the
                   says                         destination drops what it prepared; gone from
                                                the source: recorded on the destination, which
                                                must hold it (else ERROR). ACTIVE (or PAUSED
                                                as the guest), migration error, allocations
                                                where the guest is
rebuilding         its source (the evacuation   past its deadline: the evacuation is
(evacuation)       never reached a              cancelled; the instance stays on its source
                   destination)                 in its vm_state and may be evacuated again
rebuild_spawning   half built on the            rebuilt again there; ERROR with a fault if
(evacuation)       destination                  that fails
=================  ===========================  ==============================================

Every rolled back or failed move ends with its migration in ``error``, the
source's allocation back on the instance and a fault saying what happened;
each repair is an event (``compute_recover_move``, ``conductor_recover_move``)
of the move's instance action. A step that arrives after its move was repaired (its message waited
in a queue) finds the task changed and does nothing.

When the owner is down, the conductor applies the same table wherever that
needs no hypervisor of a down host: it rolls back ``resize_prep``, a live
migration the source never started, and an evacuation still in
``rebuilding``; it has the source start the original of a resize whose
destination is down (``resize_migrated``, ``resize_finish``,
``resize_reverting``; the guest it left there is destroyed when that host
starts again), and confirm again a ``resize_confirming`` one. Where
the guest's fate is on the down host's hypervisor, it sets the instance to
ERROR with a fault naming the hosts and keeps the task, the migration and
both allocations (nothing is over-committed): the owner applies the table
when it starts again (as Nova does for an ERROR instance left in
``resize_migrating``), or an admin resets the state.
"""

from __future__ import annotations

import copy

from oslo_log import log as logging
from oslo_serialization import jsonutils

from nova_lite import exception
from nova_lite.compute import power_state, task_states, utils, vm_states
from nova_lite.compute.moves import (
    DISK_INFO,
    cancel_move,
    end_confirmed,
    end_migration,
    hand_back_to_source,
    old_vm_state,
)
from nova_lite.objects import migration as migration_obj
from nova_lite.objects.compute_node import Allocations
from nova_lite.objects.instance import Instance, InstanceList
from nova_lite.objects.instance_action import InstanceActionList
from nova_lite.objects.service import Service

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = "nova-compute"
COLD = (migration_obj.MIGRATION, migration_obj.RESIZE)
EVACUATION_TASKS = (task_states.REBUILDING, task_states.REBUILD_SPAWNING)

# The statuses in which a migration is the one of the move in each task_state
# (with "error" where a rollback of the move may itself have been interrupted).
CURRENT = {
    task_states.RESIZE_PREP: ("pre-migrating",),
    task_states.RESIZE_MIGRATING: ("pre-migrating", "migrating", "error"),
    task_states.RESIZE_MIGRATED: ("post-migrating", "finished", "error"),
    task_states.RESIZE_FINISH: ("post-migrating", "finished", "error"),
    task_states.RESIZE_REVERTING: ("reverting", "reverted"),
    task_states.RESIZE_CONFIRMING: ("confirming", "confirmed", "finished"),
    task_states.MIGRATING: (*migration_obj.LIVE_IN_PROGRESS, "error"),
    task_states.REBUILDING: ("accepted", "pre-migrating"),
    task_states.REBUILD_SPAWNING: ("accepted", "pre-migrating"),
}
MIGRATION_TYPES = {
    task_states.MIGRATING: (migration_obj.LIVE_MIGRATION,),
    task_states.REBUILDING: (migration_obj.EVACUATION,),
    task_states.REBUILD_SPAWNING: (migration_obj.EVACUATION,),
}
# The instance actions that started the move (or its last step) in each task_state.
ACTIONS = {
    task_states.MIGRATING: ("live-migration",),
    task_states.REBUILDING: ("evacuate",),
    task_states.REBUILD_SPAWNING: ("evacuate",),
    task_states.RESIZE_REVERTING: ("revertResize",),
    task_states.RESIZE_CONFIRMING: ("confirmResize",),
}
# Tasks whose step runs on the owner: repaired as soon as it restarts.
OWNER_STEPS = {
    task_states.RESIZE_PREP,  # as Nova; a late step finds the task changed
    task_states.RESIZE_MIGRATING,
    task_states.RESIZE_MIGRATED,
    task_states.RESIZE_FINISH,
    task_states.RESIZE_REVERTING,
    task_states.MIGRATING,
    task_states.REBUILD_SPAWNING,
}


# -- what every repair needs -----------------------------------------------------------
def current_migration(context, instance, task: str):
    """The migration of the instance's move in ``task``, or None (never recorded,
    or not telling: an older move's)."""
    types = MIGRATION_TYPES.get(task, COLD)
    migrations = migration_obj.MigrationList.get_by_filters(
        context, {"instance_uuid": instance.uuid, "migration_type": list(types)}
    )
    if migrations and migrations[0].status in CURRENT[task]:
        return migrations[0]
    return None


def action_context(context, instance, task: str):
    """``context`` speaking for the request that started the move, so that the
    repair's events join that request's instance action."""
    names = ACTIONS.get(task, ("migrate", "resize"))
    for action in InstanceActionList.get_by_instance_uuid(context, instance.uuid):
        if action.action in names:
            ctx = copy.copy(context)
            ctx.request_id = action.request_id
            return ctx
    return context


def compute_up(context, host: str | None) -> bool:
    """Whether ``host``'s compute service reports in."""
    if not host:
        return False
    try:
        return Service.get_by_host_and_binary(context, host, COMPUTE_BINARY).is_up()
    except exception.ComputeHostNotFound:
        return False


def interrupted(instance, task: str, migration, outcome: str) -> exception.MoveInterrupted:
    """The fault of a repaired move, saying what became of it."""
    if migration is not None:
        move = migration.migration_type
    else:
        move = migration_obj.LIVE_MIGRATION if task == task_states.MIGRATING else "move"
    return exception.MoveInterrupted(
        move=move, instance_uuid=instance.uuid, task=task, outcome=outcome
    )


def waits_for_owner(instance) -> bool:
    """Flagged by the conductor: ERROR, its move's task kept for its down owner."""
    return instance.vm_state == vm_states.ERROR and instance.task_state in CURRENT


def cancel_records(context, instance, task: str, migration, error, host=None) -> None:
    """A move that never got its guest off the source (live migration not
    started, evacuation not begun): migration error, the allocation back on
    the instance, the task cleared with a fault; the vm_state stays."""
    if migration is not None:
        end_migration(context, instance, migration, "error")
    instance.add_fault(error, host=host)
    instance.task_state = None
    instance.save(expected_task_state=[task])


def resume_confirm(context, instance, migration, compute_rpcapi) -> None:
    """Finish a confirmation that went through, have the source confirm again,
    or (source down) wait in VERIFY_RESIZE to be confirmed later."""
    task = task_states.RESIZE_CONFIRMING
    if migration.status == "confirmed":
        end_confirmed(instance)
    elif migration.status == "confirming" and compute_up(context, migration.source_compute):
        compute_rpcapi.confirm_resize(context, instance, migration)
    else:
        migration.status = "finished"
        migration.save()
        outcome = f"waiting in VERIFY_RESIZE while {migration.source_compute} is down"
        instance.add_fault(interrupted(instance, task, migration, outcome))
        instance.task_state = None
        instance.save(expected_task_state=[task])


# -- the owner: at its restart, or past the deadline -----------------------------------------
class MoveRecovery(utils.PeriodicTaskMixin):
    """Mixed into ComputeManager, with the move operations whose steps it reruns."""

    def _recover_move(self, context, instance, task: str, restarted: bool) -> None:
        """Resume or roll back ``instance``'s move interrupted in ``task`` (the
        table above). At a restart, a step of another host is left to its deadline."""
        if restarted and task not in OWNER_STEPS:
            LOG.info(
                "Move of %s in %s goes on elsewhere: left to its deadline", instance.uuid, task
            )
            return
        migration = current_migration(context, instance, task)
        context = action_context(context, instance, task)
        LOG.warning("Move of %s was interrupted in %s: repairing it", instance.uuid, task)
        with utils.event_reporter(context, instance.uuid, "compute_recover_move", self.host):
            self._recover(context, instance, task, migration)

    def _recover(self, context, instance, task: str, migration) -> None:
        if task == task_states.MIGRATING:
            self._recover_live_migration(context, instance, migration)
        elif task in EVACUATION_TASKS:
            self._recover_evacuation(context, instance, task, migration)
        elif task == task_states.RESIZE_PREP:
            error = interrupted(instance, task, migration, f"rolled back; it stays on {self.host}")
            cancel_move(context, instance, migration, error, old_vm_state(instance), self.host)
            self._save_instance(context, instance, [task])
            if migration is not None:
                self.rt.refresh_move(context, instance, migration)
                if migration.dest_compute not in (None, self.host):
                    self.compute_rpcapi.drop_move_claim_at_dest(context, instance, migration)
        elif migration is None:
            error = interrupted(
                instance,
                task,
                None,
                "no migration record says where its guest is: check "
                "the hypervisors, then reset the state",
            )
            instance.set_error(error, host=self.host, expected_task_state=[task])
        elif task == task_states.RESIZE_MIGRATING:
            outcome = f"rolled back; it stays on {migration.source_compute}"
            self._rollback_resize(
                context, instance, migration, interrupted(instance, task, migration, outcome)
            )
        elif migration.status == "error":  # the rollback of a finish was interrupted
            outcome = f"rolled back to {migration.source_compute}"
            self._rollback_finish(
                context, instance, migration, interrupted(instance, task, migration, outcome)
            )
        elif task in (task_states.RESIZE_MIGRATED, task_states.RESIZE_FINISH):
            self._resume_finish(context, instance, task, migration)
        elif task == task_states.RESIZE_REVERTING:
            if migration.status == "reverting":
                self.revert_resize(context, instance, migration)
            else:
                self.finish_revert_resize(context, instance, migration)
        else:
            resume_confirm(context, instance, migration, self.compute_rpcapi)

    def _resume_finish(self, context, instance, task: str, migration) -> None:
        """Start the guest here (again) from the disk the source handed over."""
        if task == task_states.RESIZE_FINISH:
            try:  # keep the disk: it is the one the source sent
                self.driver.destroy(context, instance, None, None, False)
            except Exception:  # noqa: BLE001 - finish_migration then fails and rolls back
                LOG.exception("Could not remove the half-started guest of %s", instance.uuid)
            instance.task_state = task_states.RESIZE_MIGRATED
            instance.save(expected_task_state=[task])
        disk_info = jsonutils.loads(instance.system_metadata.get(DISK_INFO) or "{}")
        self.finish_resize(context, instance, migration, disk_info)

    def _recover_live_migration(self, context, instance, migration) -> None:
        """The guest is where the source's driver says: still here, or gone to the
        destination, which records it if it runs there."""
        task = task_states.MIGRATING
        if migration is None:  # never recorded: the guest never left
            error = interrupted(instance, task, None, f"cancelled; it stays on {self.host}")
            cancel_records(context, instance, task, None, error, self.host)
            return
        if self.driver.instance_exists(instance):
            outcome = f"rolled back; the guest runs on {self.host}"
            self._rollback_live(
                context, instance, migration, interrupted(instance, task, migration, outcome)
            )
            return
        dest = migration.dest_compute
        if compute_up(context, dest):
            try:
                self.compute_rpcapi.post_live_migration_at_destination(context, instance, migration)
            except exception.InstanceNotFound:
                LOG.warning(
                    "The guest of %s is on neither %s nor %s", instance.uuid, self.host, dest
                )
            else:  # it runs there: the source's allocation goes
                Allocations.release(context, migration.uuid)
                self._set_migration_status(migration, "error")
                instance.refresh()
                self.rt.refresh_move(context, instance, migration)
                return
        end_migration(context, instance, migration, "error")
        outcome = f"its guest runs neither on {self.host} nor on {dest} (or {dest} is down)"
        instance.power_state = power_state.NOSTATE
        instance.set_error(
            interrupted(instance, task, migration, outcome),
            host=self.host,
            expected_task_state=[task],
        )
        self.rt.refresh_move(context, instance, migration)

    def _recover_evacuation(self, context, instance, task: str, migration) -> None:
        if task == task_states.REBUILDING:  # never reached its destination
            error = interrupted(instance, task, migration, f"cancelled; it stays on {self.host}")
            cancel_records(context, instance, task, migration, error, self.host)
            return
        if migration is None:
            error = interrupted(instance, task, None, "its evacuation record is gone")
            instance.set_error(error, host=self.host, expected_task_state=[task])
            return
        try:
            self.driver.destroy(context, instance)
        except Exception:  # noqa: BLE001 - the spawn then fails, and the evacuation with it
            LOG.exception("Could not remove the half-built guest of %s", instance.uuid)
        instance.task_state = task_states.REBUILDING
        instance.save(expected_task_state=[task])
        self.evacuate_instance(
            context, instance, migration, {"id": instance.image_ref}, None, instance.node
        )

    def _destroy_abandoned_guests(self, context) -> None:
        """Destroy the guests that resizes or cold migrations to this host left
        here when they were rolled back to their source while this host was down."""
        local = set(self.driver.list_instance_uuids())
        local -= {i.uuid for i in InstanceList.get_by_host(context, self.host)}
        for uuid in sorted(local):
            migrations = migration_obj.MigrationList.get_by_filters(
                context, {"instance_uuid": uuid, "migration_type": list(COLD)}
            )
            if not migrations or migrations[0].dest_compute != self.host:
                continue
            if migrations[0].status not in ("error", "reverted"):
                continue
            try:
                instance = Instance.get_by_uuid(context, uuid)
            except exception.InstanceNotFound:
                continue
            LOG.warning("Destroying the guest of %s its rolled-back move left here", uuid)
            try:
                self.driver.destroy(context, instance, None, None, True)
            except Exception:  # noqa: BLE001 - one broken guest must not block start-up
                LOG.exception("Could not destroy the abandoned guest of %s", uuid)


# -- the conductor: the owner's compute service is down --------------------------------------
def repair_orphaned_move(context, instance, task: str, compute_rpcapi) -> None:
    """Apply the table where no hypervisor of a down host is needed; else flag
    the instance for its owner (ERROR, task kept)."""
    migration = current_migration(context, instance, task)
    context = action_context(context, instance, task)
    with utils.event_reporter(context, instance.uuid, "conductor_recover_move", None):
        _repair_orphaned(context, instance, task, migration, compute_rpcapi)


def _repair_orphaned(context, instance, task: str, migration, compute_rpcapi) -> None:
    source = migration.source_compute if migration is not None else instance.host
    source_up = migration is not None and compute_up(context, source)
    if task == task_states.RESIZE_PREP:
        error = interrupted(instance, task, migration, f"rolled back; it stays on {source}")
        cancel_move(context, instance, migration, error, old_vm_state(instance))
        instance.save(expected_task_state=[task])
        if migration is not None and compute_up(context, migration.dest_compute):
            compute_rpcapi.drop_move_claim_at_dest(context, instance, migration)
    elif task == task_states.MIGRATING and (migration is None or migration.status == "accepted"):
        error = interrupted(instance, task, migration, f"cancelled; it stays on {source}")
        cancel_records(context, instance, task, migration, error)
        if migration is not None and compute_up(context, migration.dest_compute):
            compute_rpcapi.rollback_live_migration_at_destination(context, instance, migration)
    elif task == task_states.REBUILDING:
        error = interrupted(instance, task, migration, f"cancelled; it stays on {source}")
        cancel_records(context, instance, task, migration, error)
    elif source_up and task in (task_states.RESIZE_MIGRATED, task_states.RESIZE_FINISH):
        hand_back_to_source(context, instance, migration, "error")
        outcome = f"rolled back to {source}, its destination being down"
        instance.add_fault(interrupted(instance, task, migration, outcome))
        instance.task_state = task_states.RESIZE_REVERTING
        instance.save(expected_task_state=[task])
        compute_rpcapi.finish_revert_resize(context, instance, migration)
    elif source_up and task == task_states.RESIZE_REVERTING and migration.status == "reverting":
        hand_back_to_source(context, instance, migration, "reverted")
        instance.save(expected_task_state=[task])
        compute_rpcapi.finish_revert_resize(context, instance, migration)
    elif task == task_states.RESIZE_CONFIRMING and migration is not None:
        resume_confirm(context, instance, migration, compute_rpcapi)
    else:
        hosts = [instance.host]
        if migration is not None:
            hosts = sorted({h for h in (migration.source_compute, migration.dest_compute) if h})
        outcome = (
            f"its guest is on {' or '.join(hosts)}; {instance.host} settles it when its "
            "compute service is back (or reset the state)"
        )
        LOG.warning("Instance %s: %s", instance.uuid, outcome)
        instance.add_fault(interrupted(instance, task, migration, outcome))
        instance.vm_state = vm_states.ERROR
        instance.save(expected_task_state=[task])
