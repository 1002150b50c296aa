"""Live migration on the compute hosts (Nova's live-migration flow).

::

    conductor --check_can_live_migrate_destination--> destination (call): claim room
    destination --check_can_live_migrate_source-->     source (call)
    conductor --live_migration-->                      source (cast)
    source    --pre_live_migration-->                  destination (call)
    source:   driver.live_migration(post_method, recover_method)
      post:    source cleanup, then
               --post_live_migration_at_destination--> destination (call):
                                                        instance.host = destination
      recover: instance stays on the source,
               --rollback_live_migration_at_destination--> destination (cast)

The migration record goes queued -> preparing -> running -> completed, or
error, or cancelled when an admin aborts it. Allocations follow the cold
migration's rule: the migration holds the source's while the instance holds
the destination's; completing drops the migration's, a rollback gives it
back to the instance.

An admin may force a running migration to complete (the driver switches the
guest over at once) or abort it; an abort of a queued or preparing migration
(2.65) is noticed by the source before the driver starts moving the guest.
"""

from __future__ import annotations

import oslo_messaging as messaging
from oslo_log import log as logging

from nova_lite import exception
from nova_lite.compute import power_state, task_states, utils, vm_states
from nova_lite.compute.moves import end_migration
from nova_lite.objects.compute_node import Allocations
from nova_lite.objects.migration import Migration

LOG = logging.getLogger(__name__)
CANCELLED = "cancelled"


class LiveMigrationOperations(utils.PeriodicTaskMixin):
    """Mixed into ComputeManager (after MoveOperations, whose helpers it uses)."""

    # -- destination: checks and claim (a call from the conductor) -----------------
    def check_can_live_migrate_destination(
        self, context, instance, migration, block_migration, disk_over_commit
    ) -> dict:
        with utils.event_reporter(
            context, instance.uuid, "compute_check_can_live_migrate_destination", self.host
        ):
            node = migration.dest_node or self.host
            with self.rt.move_claim(context, migration, instance.flavor, node):
                data = self.driver.check_can_live_migrate_destination(
                    context, instance, {}, {}, block_migration, disk_over_commit
                )
                data = self.compute_rpcapi.check_can_live_migrate_source(context, instance, data)
            self.rt.save_usage(node)
            return data

    def check_can_live_migrate_source(self, context, instance, dest_check_data) -> dict:
        with utils.event_reporter(
            context, instance.uuid, "compute_check_can_live_migrate_source", self.host
        ):
            return self.driver.check_can_live_migrate_source(context, instance, dest_check_data)

    # -- source: move the guest ------------------------------------------------------
    @property
    def _live_aborts(self) -> set[int]:
        """Ids of the migrations from here an admin aborted before they ran."""
        return self.__dict__.setdefault("_live_abort_ids", set())

    def live_migration(self, context, instance, migration, migrate_data) -> None:
        with self._move_step(
            context, instance, migration, "compute_live_migration", self._rollback_live
        ):
            try:
                self._live_migrate(context, instance, migration, migrate_data)
            finally:
                self._live_aborts.discard(migration.id)

    def _live_migrate(self, context, instance, migration, migrate_data) -> None:
        instance.refresh()
        if instance.task_state != task_states.MIGRATING:
            # A repair (or an admin's reset) ended it while this message waited.
            LOG.warning("Live migration %s of %s came too late", migration.id, instance.uuid)
            return
        self._set_migration_status(migration, "queued")
        self._set_migration_status(migration, "preparing")
        migrate_data = self.compute_rpcapi.pre_live_migration(
            context, instance, migration, migrate_data
        )
        self._set_migration_status(migration, "running")
        # After 'running' is saved: an abort that read an earlier status is seen here.
        if migration.id in self._live_aborts:
            LOG.info("Live migration %s of %s aborted before it ran", migration.id, instance.uuid)
            self._rollback_live(context, instance, migration, None, CANCELLED)
            return
        self.driver.live_migration(
            context,
            instance,
            migration.dest_compute,
            lambda ctxt, inst, dest, block, data: self._post_live(ctxt, inst, migration),
            lambda ctxt, inst, dest, data, migration_status="error": self._recover_live(
                ctxt, inst, migration, migration_status
            ),
            bool(migrate_data.get("block_migration")),
            migrate_data,
        )

    def live_migration_force_complete(self, context, instance, migration) -> None:
        """Have the driver switch the guest over now (no lock: the migration holds it)."""
        with utils.event_reporter(
            context, instance.uuid, "compute_live_migration_force_complete", self.host
        ):
            self.driver.live_migration_force_complete(instance)

    def live_migration_abort(self, context, instance, migration_id: int) -> None:
        """Cancel a live migration from here: one not running yet is cancelled by
        its own step; a running one by the driver (its recover method rolls back)."""
        with utils.event_reporter(
            context, instance.uuid, "compute_live_migration_abort", self.host
        ):
            self._live_aborts.add(migration_id)
            if Migration.get_by_id(context, migration_id).status == "running":
                self.driver.live_migration_abort(instance)

    def _post_live(self, context, instance, migration) -> None:
        """The guest runs on the destination: clean up here, record it there."""
        self._set_migration_status(migration, "post-migrating")
        self.driver.post_live_migration(context, instance, None, None)
        self.compute_rpcapi.post_live_migration_at_destination(context, instance, migration)
        instance.refresh()
        # Release first: a migration that says completed holds nothing any more.
        Allocations.release(context, migration.uuid)
        self._set_migration_status(migration, "completed")
        self.rt.refresh_move(context, instance, migration)
        LOG.info("Instance %s live-migrated to %s", instance.uuid, migration.dest_compute)

    def _recover_live(self, context, instance, migration, status: str) -> None:
        """The driver did not move the guest (it failed, or was aborted); it still runs here."""
        error = None
        if status != CANCELLED:
            error = exception.LiveMigrationFailed(
                instance_uuid=instance.uuid, host=migration.dest_compute
            )
        self._rollback_live(context, instance, migration, error, status)

    def _rollback_live(self, context, instance, migration, error, status: str = "error") -> None:
        # The guest stays on (or is back on) the source with its previous state;
        # a cancelled migration leaves no fault (the admin asked for it).
        end_migration(context, instance, migration, status)
        if error is not None:
            instance.add_fault(error, host=self.host)
        instance.host = migration.source_compute
        instance.node = migration.source_node
        instance.power_state = self._query_power_state(instance)
        if instance.power_state == power_state.PAUSED:
            instance.vm_state = vm_states.PAUSED
        elif instance.power_state == power_state.RUNNING:
            instance.vm_state = vm_states.ACTIVE
        else:
            instance.vm_state = vm_states.ERROR
        instance.task_state = None
        self._save_instance(context, instance, [task_states.MIGRATING])
        self.rt.refresh_move(context, instance, migration)
        if migration.dest_compute:
            self.compute_rpcapi.rollback_live_migration_at_destination(context, instance, migration)

    # -- destination: receive the guest --------------------------------------------------
    def pre_live_migration(self, context, instance, migration, migrate_data) -> dict:
        with utils.event_reporter(context, instance.uuid, "compute_pre_live_migration", self.host):
            return self.driver.pre_live_migration(context, instance, None, None, None, migrate_data)

    @messaging.expected_exceptions(exception.InstanceNotFound)
    def post_live_migration_at_destination(self, context, instance, migration) -> None:
        """Record the guest that now runs here (InstanceNotFound when none does)."""
        with (
            self._locks.hold(instance.uuid),
            utils.event_reporter(
                context, instance.uuid, "compute_post_live_migration_at_destination", self.host
            ),
        ):
            if not self.driver.instance_exists(instance):
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            self.driver.post_live_migration_at_destination(context, instance, None)
            instance.host = self.host
            instance.node = migration.dest_node or self.host
            instance.power_state = self._query_power_state(instance)
            paused = instance.power_state == power_state.PAUSED
            instance.vm_state = vm_states.PAUSED if paused else vm_states.ACTIVE
            instance.task_state = None
            instance.save(expected_task_state=[task_states.MIGRATING])
            self.rt.refresh_move(context, instance, migration)

    def rollback_live_migration_at_destination(self, context, instance, migration) -> None:
        with self._locks.hold(instance.uuid):
            try:
                self.driver.rollback_live_migration_at_destination(context, instance, None, None)
            except Exception:  # noqa: BLE001 - logged; the room is released anyway
                LOG.exception("Could not clean up the incoming guest of %s", instance.uuid)
            self.rt.refresh_move(context, instance, migration)
