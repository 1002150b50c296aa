"""Live migration, the conductor's part (Nova's LiveMigrationTask).

Record the move, park the instance's allocation on the source with the
migration record, choose the destination (the scheduler, excluding the
source; or the host the admin named, checked and claimed here), have the
destination check and claim room for the guest (it asks the source too),
then start the migration on the source (see nova_lite.compute.live_migration).
Any failure here puts everything back: the instance in its vm_state with no
task and a fault saying why, the migration in 'error', the source
allocation back on the instance.
"""

from __future__ import annotations

from oslo_log import log as logging

from nova_lite import exception
from nova_lite.compute import task_states, utils
from nova_lite.conductor import move_common
from nova_lite.objects import migration as migration_obj
from nova_lite.objects.compute_node import Allocations
from nova_lite.objects.service import Service

LOG = logging.getLogger(__name__)

EVENT = "conductor_live_migrate_instance"
COMPUTE_BINARY = "nova-compute"


class LiveMigrationTask:
    def __init__(
        self,
        context,
        instance,
        destination,
        block_migration,
        disk_over_commit,
        request_spec,
        scheduler,
        compute,
    ):
        self.context = context
        self.instance = instance
        self.destination = destination
        self.block_migration = block_migration
        self.disk_over_commit = disk_over_commit
        self.request_spec = request_spec
        self.scheduler = scheduler
        self.compute = compute
        self.migration: migration_obj.Migration | None = None

    def execute(self) -> None:
        instance, context = self.instance, self.context
        self.migration = migration = migration_obj.Migration(
            context,
            instance_uuid=instance.uuid,
            source_compute=instance.host,
            source_node=instance.node,
            dest_compute=self.destination,
            old_instance_type_id=instance.flavor.id,
            new_instance_type_id=instance.flavor.id,
            migration_type=migration_obj.LIVE_MIGRATION,
            status="accepted",
            hidden=False,
            user_id=context.user_id,
            project_id=context.project_id,
        )
        migration.create()
        self._check_host_is_up(instance.host)
        # The migration holds the source's allocation from now on; the
        # instance's claim on the destination adds to it.
        Allocations.move(context, instance.uuid, migration.uuid)
        if self.destination is None:
            host, node = self._schedule()
        else:
            host, node = self._claim_requested_destination()
        LOG.info("Live-migrating instance %s from %s to %s", instance.uuid, instance.host, host)
        migration.dest_compute = host
        migration.dest_node = node
        migration.save()
        migrate_data = self.compute.check_can_live_migrate_destination(
            context, instance, migration, self.block_migration, self.disk_over_commit
        )
        move_common.set_destination_zone(context, instance, host)
        self.compute.live_migration(context, instance, migration, migrate_data)

    def _check_host_is_up(self, host: str) -> None:
        try:
            service = Service.get_by_host_and_binary(self.context, host, COMPUTE_BINARY)
        except exception.ComputeHostNotFound:
            raise exception.ComputeServiceUnavailable(host=host) from None
        if not service.is_up():
            raise exception.ComputeServiceUnavailable(host=host)

    def _schedule(self) -> tuple[str, str]:
        spec = self.request_spec
        spec.instance_uuid = self.instance.uuid
        spec.flavor = self.instance.flavor
        spec.num_instances = 1
        spec.ignore_hosts = [self.instance.host]
        selection = self.scheduler.select_destinations(self.context, spec, [self.instance.uuid])[0]
        return selection.service_host, selection.nodename

    def _claim_requested_destination(self) -> tuple[str, str]:
        """Nova's checks of a named host: not the source, up, able to take the flavor."""
        host = self.destination
        if host == self.instance.host:
            raise exception.UnableToMigrateToSelf(instance_id=self.instance.uuid, host=host)
        self._check_host_is_up(host)
        return move_common.claim_on_host(self.context, self.instance, self.request_spec, host)

    def rollback(self, error: Exception) -> None:
        """Undo what execute did, whatever step it failed at."""
        context, instance, migration = self.context, self.instance, self.migration
        if migration is not None and "id" in migration:
            move_common.return_allocation(context, instance, migration)
        move_common.end_failed_task(
            context, instance, error, task_states.MIGRATING, "live migration"
        )


def live_migrate_instance(
    context,
    instance,
    destination,
    block_migration,
    disk_over_commit,
    request_spec,
    scheduler,
    compute,
) -> None:
    task = LiveMigrationTask(
        context,
        instance,
        destination,
        block_migration,
        disk_over_commit,
        request_spec,
        scheduler,
        compute,
    )
    try:
        with utils.event_reporter(context, instance.uuid, EVENT, None):
            task.execute()
    except Exception as error:  # noqa: BLE001 - every failure is rolled back and recorded
        LOG.warning("Cannot live-migrate instance %s: %s", instance.uuid, error)
        try:
            task.rollback(error)
        except Exception:  # noqa: BLE001 - logged; the task deadline repairs the rest
            LOG.exception("Rolling back the live migration of instance %s failed", instance.uuid)
