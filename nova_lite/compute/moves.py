"""Cold migration and resize on the compute hosts (Nova's resize flow).

::

    conductor   --prep_resize-->          destination: claim room for the new flavor
    destination --resize_instance-->      source: power the guest off, hand its disk over
    source      --finish_resize-->        destination: start the guest (VERIFY_RESIZE)
    API         --confirm_resize-->       source: drop the old guest and the room it kept
    API         --revert_resize-->        destination: drop the new guest, then
    destination --finish_revert_resize--> source: start the old guest again

Allocations follow Nova's migration-based allocations: while the move is in
progress the migration record holds the source's allocation and the
instance holds the destination's (claimed by the scheduler). Confirming
drops the migration's; reverting, and any rollback, gives it back to the
instance, replacing the destination's. The resource trackers of both hosts
follow the same rule (nova_lite.compute.move_claims).

A failure at any step rolls the move back as far as it can: the instance
returns to its previous vm_state with no task (ERROR when its guest's state
is unknown), with a fault saying what failed; the migration goes to
'error'; the destination's room and allocation are released. A failed
confirm or revert leaves the resize waiting in VERIFY_RESIZE when the new
guest is intact, so that it can be tried again. A step whose compare-and-swap
on the task fails finds its move ended by someone else (a repair of an
interrupted move, nova_lite.compute.move_recovery, or an admin's reset) and
undoes nothing.
"""

from __future__ import annotations

import contextlib
import functools

from oslo_config import cfg
from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_service import periodic_task
from oslo_utils import timeutils

from nova_lite import context as nova_context
from nova_lite import exception
from nova_lite.compute import api as compute_api
from nova_lite.compute import power_state, task_states, utils, vm_states
from nova_lite.compute import rpcapi as compute_rpcapi
from nova_lite.objects import migration as migration_obj
from nova_lite.objects.compute_node import Allocations
from nova_lite.objects.instance import Instance
from nova_lite.objects.request_spec import RequestSpec

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

RESIZE_TASKS = [
    task_states.RESIZE_PREP,
    task_states.RESIZE_MIGRATING,
    task_states.RESIZE_MIGRATED,
    task_states.RESIZE_FINISH,
]
# system_metadata of a move in progress: the vm_state it started from, and
# what the source's driver said about the disk it handed over (so that the
# destination can finish the move again after a crash).
OLD_VM_STATE = "old_vm_state"
DISK_INFO = "resize_disk_info"
MOVE_KEYS = {OLD_VM_STATE, DISK_INFO}


def old_vm_state(instance) -> str:
    """The vm_state the instance had when its move started (kept in system_metadata)."""
    return instance.system_metadata.get(OLD_VM_STATE, vm_states.ACTIVE)


def clear_move_info(instance) -> None:
    """Forget the flavors, state and disk information stashed for a move that is over."""
    instance.old_flavor = None
    instance.new_flavor = None
    if MOVE_KEYS & set(instance.system_metadata):
        instance.system_metadata = {
            k: v for k, v in instance.system_metadata.items() if k not in MOVE_KEYS
        }


def reset_spec_flavor(context, instance, migration) -> None:
    """Schedule later moves with the flavor the instance returns to."""
    if migration.migration_type != migration_obj.RESIZE or instance.old_flavor is None:
        return
    try:
        spec = RequestSpec.get_by_instance_uuid(context, instance.uuid)
    except exception.NotFound:
        return
    spec.flavor = instance.old_flavor
    spec.save()


def end_migration(context, instance, migration, status: str) -> None:
    """Put the migration in ``status`` and give the source's allocation it held
    back to the instance (only if it still holds it: a repair may run twice)."""
    if migration.status != status:
        migration.status = status
        migration.save()
    Allocations.move(context, migration.uuid, instance.uuid, if_held=True)


def cancel_move(context, instance, migration, error, vm_state: str, host=None) -> None:
    """Set the records of a move whose guest stays on (or went back to) its source:
    migration error, allocation back on the instance, old flavor, ``vm_state``, no
    task, a fault. ``migration`` may be None (never recorded). The caller saves."""
    if migration is not None:
        end_migration(context, instance, migration, "error")
        reset_spec_flavor(context, instance, migration)
        instance.host = migration.source_compute
        instance.node = migration.source_node
    instance.add_fault(error, host=host)
    if instance.old_flavor is not None:
        instance.flavor = instance.old_flavor
    instance.vm_state = vm_state
    instance.task_state = None
    clear_move_info(instance)


def hand_back_to_source(context, instance, migration, status: str) -> None:
    """Record the instance on its move's source again, old flavor, powered off,
    for the source to start its original guest (finish_revert_resize). The
    caller sets the task and saves."""
    end_migration(context, instance, migration, status)
    instance.host = migration.source_compute
    instance.node = migration.source_node
    if instance.old_flavor is not None:
        instance.flavor = instance.old_flavor.obj_clone()
    instance.power_state = power_state.SHUTDOWN


def end_confirmed(instance) -> None:
    """The move is confirmed: ACTIVE or STOPPED as its guest, no task."""
    stopped = instance.power_state == power_state.SHUTDOWN
    instance.vm_state = vm_states.STOPPED if stopped else vm_states.ACTIVE
    instance.task_state = None
    clear_move_info(instance)
    instance.save(expected_task_state=[task_states.RESIZE_CONFIRMING])


class MoveOperations(utils.PeriodicTaskMixin):
    """Mixed into ComputeManager; uses its driver, host, resource tracker and
    instance locks. Every method but the periodic task arrives as a cast."""

    @functools.cached_property
    def compute_rpcapi(self) -> compute_rpcapi.ComputeAPI:
        return compute_rpcapi.ComputeAPI()

    @functools.cached_property
    def compute_api(self) -> compute_api.API:
        return compute_api.API()

    # -- the frame of every step ---------------------------------------------------
    @contextlib.contextmanager
    def _move_step(self, context, instance, migration, event: str, rollback):
        """Run one step of a move under the instance's lock, recorded as an action
        event. On failure ``rollback(context, instance, migration, error)`` puts
        things back; if the instance was deleted meanwhile, the move is cleaned up."""
        with self._locks.hold(instance.uuid):
            try:
                with utils.event_reporter(context, instance.uuid, event, self.host):
                    yield
            except Exception as error:  # noqa: BLE001 - casts: recorded, then rolled back
                if utils.instance_gone(context, instance, error):
                    LOG.info("Instance %s was deleted during %s", instance.uuid, event)
                    rollback = self._cleanup_deleted_move
                elif isinstance(error, exception.UnexpectedTaskStateError):
                    # A repair (or an admin's reset) ended the move meanwhile.
                    LOG.warning("%s of instance %s came too late: %s", event, instance.uuid, error)
                    rollback = self._forget_move
                else:
                    LOG.exception("%s failed for instance %s", event, instance.uuid)
                try:
                    rollback(context, instance, migration, error)
                except Exception:  # noqa: BLE001 - logged; task deadlines repair the rest
                    LOG.exception("Rolling back %s of instance %s failed", event, instance.uuid)

    def _forget_move(self, context, instance, migration, error=None) -> None:
        """Count here only what the records now say of a move someone else ended."""
        instance.refresh()
        migration = migration_obj.Migration.get_by_id(context, migration.id)
        self.rt.refresh_move(context, instance, migration)

    @staticmethod
    def _set_migration_status(migration, status: str) -> None:
        if migration.status != status:
            migration.status = status
            migration.save()

    @staticmethod
    def _save_instance(context, instance, expected: list) -> bool:
        """Save with a compare-and-swap on the task; False (logged) when it lost."""
        try:
            instance.save(expected_task_state=expected)
            return True
        except exception.InstanceNotFound:
            LOG.info("Instance %s is gone; its allocation goes too", instance.uuid)
            Allocations.release(context, instance.uuid)
        except exception.UnexpectedTaskStateError as race:
            LOG.warning("Instance %s changed during a move rollback: %s", instance.uuid, race)
        return False

    def _abort_move(self, context, instance, migration, error, vm_state: str, expected) -> bool:
        """Cancel a move whose guest stays on (or went back to) the source."""
        cancel_move(context, instance, migration, error, vm_state, self.host)
        saved = self._save_instance(context, instance, expected)
        self.rt.refresh_move(context, instance, migration)
        return saved

    def _cleanup_deleted_move(self, context, instance, migration, error=None) -> None:
        """The instance was deleted mid-move: leave nothing of the move here."""
        if migration.status not in ("confirmed", "reverted"):
            self._set_migration_status(migration, "error")
        Allocations.release(context, migration.uuid)
        Allocations.release(context, instance.uuid)
        for cleanup in (
            lambda: self.driver.confirm_migration(context, migration, instance, None),
            lambda: self.driver.destroy(context, instance, None, None, True),
        ):
            try:
                cleanup()
            except Exception:  # noqa: BLE001 - best effort on a deleted instance
                LOG.exception("Cleaning up the guest of deleted instance %s failed", instance.uuid)
        self.rt.drop_move(context, instance, migration)
        if migration.dest_compute and migration.dest_compute != self.host:
            self.compute_rpcapi.drop_move_claim_at_dest(context, instance, migration)

    # -- destination: claim room for the new flavor --------------------------------
    def prep_resize(
        self, context, instance, migration, flavor, node: str, clean_shutdown: bool = True
    ) -> None:
        with self._move_step(
            context, instance, migration, "compute_prep_resize", self._rollback_prep
        ):
            same_flavor = flavor.id == instance.flavor.id
            if instance.host == self.host and same_flavor:
                if not self.driver.capabilities.get("supports_migrate_to_same_host", False):
                    raise exception.UnableToMigrateToSelf(instance_id=instance.uuid, host=self.host)
            with self.rt.move_claim(context, migration, flavor, node):
                self.compute_rpcapi.resize_instance(
                    context, instance, migration, flavor, clean_shutdown
                )
            self.rt.save_usage(node)

    def _rollback_prep(self, context, instance, migration, error) -> None:
        # The guest never left the source: cancel the move.
        self._abort_move(
            context, instance, migration, error, old_vm_state(instance), [task_states.RESIZE_PREP]
        )

    def drop_move_claim_at_dest(self, context, instance, migration) -> None:
        """Forget the room this host claimed for a move that failed elsewhere."""
        with self._locks.hold(instance.uuid):
            self.rt.refresh_move(context, instance, migration)

    # -- source: power off and hand the guest over -----------------------------------
    def resize_instance(
        self, context, instance, migration, flavor, clean_shutdown: bool = True
    ) -> None:
        with self._move_step(
            context, instance, migration, "compute_resize_instance", self._rollback_resize
        ):
            instance.task_state = task_states.RESIZE_MIGRATING
            instance.save(expected_task_state=[task_states.RESIZE_PREP])
            self._set_migration_status(migration, "migrating")
            disk_info = self.driver.migrate_disk_and_power_off(
                context,
                instance,
                migration.dest_host or migration.dest_compute,
                flavor,
                None,
                timeout=60 if clean_shutdown else 0,
            )
            self._set_migration_status(migration, "post-migrating")
            # From here the instance is recorded on its destination, with its
            # new flavor (as Nova does); this host keeps room for a revert.
            instance.host = migration.dest_compute
            instance.node = migration.dest_node
            instance.flavor = (instance.new_flavor or instance.flavor).obj_clone()
            instance.task_state = task_states.RESIZE_MIGRATED
            instance.power_state = power_state.SHUTDOWN
            instance.system_metadata = {
                **instance.system_metadata,
                DISK_INFO: jsonutils.dumps(disk_info),
            }
            instance.save(expected_task_state=[task_states.RESIZE_MIGRATING])
            self.rt.refresh_move(context, instance, migration)
            self.compute_rpcapi.finish_resize(context, instance, migration, disk_info)

    def _rollback_resize(self, context, instance, migration, error) -> None:
        # The guest may be half-way off the source: bring it back as it was.
        vm_state = old_vm_state(instance)
        try:
            self.driver.finish_revert_migration(
                context, instance, None, migration, None, power_on=vm_state != vm_states.STOPPED
            )
        except Exception:  # noqa: BLE001 - the guest's state is unknown: ERROR
            LOG.exception("Could not restore the guest of %s on its source", instance.uuid)
            vm_state = vm_states.ERROR
        instance.power_state = self._query_power_state(instance)
        self._abort_move(context, instance, migration, error, vm_state, RESIZE_TASKS[:3])
        if migration.dest_compute and migration.dest_compute != self.host:
            self.compute_rpcapi.drop_move_claim_at_dest(context, instance, migration)

    # -- destination: start the guest with the new flavor ------------------------------
    def finish_resize(self, context, instance, migration, disk_info: dict) -> None:
        with self._move_step(
            context, instance, migration, "compute_finish_resize", self._rollback_finish
        ):
            instance.task_state = task_states.RESIZE_FINISH
            instance.save(expected_task_state=[task_states.RESIZE_MIGRATED])
            self.driver.finish_migration(
                context,
                migration,
                instance,
                disk_info,
                None,
                {},
                migration.migration_type == migration_obj.RESIZE,
                power_on=old_vm_state(instance) != vm_states.STOPPED,
            )
            # The migration first: whoever sees VERIFY_RESIZE may confirm at once.
            self._set_migration_status(migration, "finished")
            instance.vm_state = vm_states.RESIZED
            instance.task_state = None
            instance.power_state = self._query_power_state(instance)
            instance.launched_at = timeutils.utcnow()
            instance.save(expected_task_state=[task_states.RESIZE_FINISH])
            self.rt.refresh_move(context, instance, migration)
            LOG.info("Instance %s moved to %s: waiting for confirmation", instance.uuid, self.host)

    def _rollback_finish(self, context, instance, migration, error) -> None:
        # The guest may be half-started here: remove it, give the source back
        # its allocation and have it start the old guest again.
        try:
            self.driver.destroy(context, instance, None, None, True)
        except Exception:  # noqa: BLE001 - the source restores the instance anyway
            LOG.exception("Could not remove the new guest of %s", instance.uuid)
        hand_back_to_source(context, instance, migration, "error")
        instance.add_fault(error, host=self.host)
        instance.task_state = task_states.RESIZE_REVERTING
        saved = self._save_instance(
            context, instance, [task_states.RESIZE_MIGRATED, task_states.RESIZE_FINISH]
        )
        self.rt.refresh_move(context, instance, migration)
        if saved:
            self.compute_rpcapi.finish_revert_resize(context, instance, migration)

    # -- source: confirm ---------------------------------------------------------------
    def confirm_resize(self, context, instance, migration) -> None:
        with self._move_step(
            context, instance, migration, "compute_confirm_resize", self._undo_confirm
        ):
            self.driver.confirm_migration(context, migration, instance, None)
            self._set_migration_status(migration, "confirmed")
            Allocations.release(context, migration.uuid)
            self.rt.refresh_move(context, instance, migration)
            if instance.task_state == task_states.DELETING:
                return  # deleted while VERIFY_RESIZE: its host removes the rest
            end_confirmed(instance)
            LOG.info("Move of instance %s to %s confirmed", instance.uuid, instance.host)

    def _undo_confirm(self, context, instance, migration, error) -> None:
        # The old guest is still here: the resize waits to be confirmed again.
        self._set_migration_status(migration, "finished")
        if instance.task_state == task_states.DELETING:
            return
        instance.add_fault(error, host=self.host)
        instance.task_state = None
        self._save_instance(context, instance, [task_states.RESIZE_CONFIRMING])

    # -- destination, then source: revert ------------------------------------------------
    def revert_resize(self, context, instance, migration) -> None:
        with self._move_step(
            context, instance, migration, "compute_revert_resize", self._undo_revert
        ):
            self.driver.destroy(context, instance, None, None, True)
            hand_back_to_source(context, instance, migration, "reverted")
            instance.save(expected_task_state=[task_states.RESIZE_REVERTING])
            self.rt.refresh_move(context, instance, migration)
            self.compute_rpcapi.finish_revert_resize(context, instance, migration)

    def _undo_revert(self, context, instance, migration, error) -> None:
        if self.driver.instance_exists(instance):
            # The new guest is intact: the resize waits to be confirmed or reverted again.
            self._set_migration_status(migration, "finished")
            instance.add_fault(error, host=self.host)
            instance.task_state = None
            self._save_instance(context, instance, [task_states.RESIZE_REVERTING])
            return
        self._set_migration_status(migration, "error")
        instance.task_state = None
        instance.set_error(
            error, host=self.host, expected_task_state=[task_states.RESIZE_REVERTING]
        )

    def finish_revert_resize(self, context, instance, migration) -> None:
        with self._move_step(
            context,
            instance,
            migration,
            "compute_finish_revert_resize",
            self._fail_finish_revert,
        ):
            power_on = old_vm_state(instance) != vm_states.STOPPED
            self.rt.refresh_move(context, instance, migration)
            self.driver.finish_revert_migration(
                context, instance, None, migration, None, power_on=power_on
            )
            instance.vm_state = vm_states.ACTIVE if power_on else vm_states.STOPPED
            instance.task_state = None
            instance.power_state = self._query_power_state(instance)
            instance.launched_at = timeutils.utcnow()
            reset_spec_flavor(context, instance, migration)
            clear_move_info(instance)
            instance.save(expected_task_state=[task_states.RESIZE_REVERTING])
            LOG.info("Instance %s is back on %s", instance.uuid, self.host)

    def _fail_finish_revert(self, context, instance, migration, error) -> None:
        # The old guest could not be started again: its state is unknown.
        self._set_migration_status(migration, "error")
        instance.power_state = self._query_power_state(instance)
        clear_move_info(instance)
        try:
            instance.set_error(
                error, host=self.host, expected_task_state=[task_states.RESIZE_REVERTING]
            )
        finally:
            self.rt.refresh_move(context, instance, migration)

    # -- automatic confirmation --------------------------------------------------------
    @periodic_task.periodic_task
    def _poll_unconfirmed_resizes(self, context) -> None:
        """Confirm the moves to this host that waited longer than resize_confirm_window."""
        if CONF.resize_confirm_window == 0:
            return
        migrations = migration_obj.MigrationList.get_unconfirmed_by_dest_compute(
            context, CONF.resize_confirm_window, self.host
        )
        for migration in migrations:
            LOG.info(
                "Automatically confirming migration %s of instance %s",
                migration.id,
                migration.instance_uuid,
            )
            self._auto_confirm(migration)

    def _auto_confirm(self, migration) -> None:
        context = nova_context.get_admin_context()  # a request (and action) of its own
        try:
            instance = Instance.get_by_uuid(context, migration.instance_uuid)
        except exception.InstanceNotFound:
            self._set_migration_status(migration, "error")
            return
        if instance.task_state is not None:
            return  # confirming, reverting or deleting already
        if instance.vm_state != vm_states.RESIZED:
            LOG.warning(
                "Migration %s is finished but instance %s is %s: setting it to error",
                migration.id,
                instance.uuid,
                instance.vm_state,
            )
            self._set_migration_status(migration, "error")
            return
        try:
            self.compute_api.confirm_resize(context, instance, migration=migration)
        except Exception as error:  # noqa: BLE001 - tried again next time
            LOG.info("Error auto-confirming the resize of %s: %s", instance.uuid, error)
