"""Cold migration and resize, the conductor's part (Nova's MigrationTask).

Record the move, park the instance's allocation on the source with the
migration record, ask the scheduler for a destination that fits the new
flavor (which claims it for the instance there), then start the move on the
destination (prep_resize). The compute hosts do the rest (see
nova_lite.compute.moves). Any failure here puts everything back: the
instance in its previous state with no task and a fault saying why, the
migration in 'error', the source allocation back on the instance.
"""

from __future__ import annotations

from oslo_log import log as logging

from nova_lite.compute import task_states, utils
from nova_lite.conductor import move_common
from nova_lite.objects import migration as migration_obj
from nova_lite.objects.compute_node import Allocations

LOG = logging.getLogger(__name__)

EVENT = "conductor_migrate_server"


class MigrationTask:
    def __init__(self, context, instance, flavor, request_spec, clean_shutdown, scheduler, compute):
        self.context = context
        self.instance = instance
        self.flavor = flavor
        self.request_spec = request_spec
        self.clean_shutdown = clean_shutdown
        self.scheduler = scheduler
        self.compute = compute
        self.migration: migration_obj.Migration | None = None
        self._spec_saved = False

    def execute(self) -> None:
        instance, context = self.instance, self.context
        resize = instance.flavor.id != self.flavor.id
        self.migration = migration = migration_obj.Migration(
            context,
            instance_uuid=instance.uuid,
            source_compute=instance.host,
            source_node=instance.node,
            old_instance_type_id=instance.flavor.id,
            new_instance_type_id=self.flavor.id,
            migration_type=migration_obj.RESIZE if resize else migration_obj.MIGRATION,
            status="pre-migrating",
            hidden=False,
            user_id=context.user_id,
            project_id=context.project_id,
        )
        migration.create()
        # The migration holds the source's allocation from now on, so that the
        # scheduler's claim for the instance on the destination adds to it.
        Allocations.move(context, instance.uuid, migration.uuid)

        spec = self.request_spec
        spec.instance_uuid = instance.uuid
        spec.flavor = self.flavor
        spec.num_instances = 1
        selection = self.scheduler.select_destinations(context, spec, [instance.uuid])[0]
        LOG.info(
            "Moving instance %s from %s to %s (%s)",
            instance.uuid,
            instance.host,
            selection.service_host,
            migration.migration_type,
        )
        migration.dest_compute = selection.service_host
        migration.dest_node = selection.nodename
        migration.save()
        # Later moves schedule with the new flavor, from any host.
        spec.ignore_hosts = None
        spec.save()
        self._spec_saved = resize
        move_common.set_destination_zone(context, instance, selection.service_host)
        self.compute.prep_resize(
            context, instance, self.flavor, migration, selection.nodename, self.clean_shutdown
        )

    def rollback(self, error: Exception) -> None:
        """Undo what execute did, whatever step it failed at."""
        context, instance, migration = self.context, self.instance, self.migration
        if migration is not None and "id" in migration:
            move_common.return_allocation(context, instance, migration)
        if self._spec_saved:
            self.request_spec.flavor = instance.flavor
            self.request_spec.save()
        instance.vm_state = instance.system_metadata.get("old_vm_state", instance.vm_state)
        instance.old_flavor = None
        instance.new_flavor = None
        instance.system_metadata = {
            k: v for k, v in instance.system_metadata.items() if k != "old_vm_state"
        }
        move_common.end_failed_task(context, instance, error, task_states.RESIZE_PREP, "move")


def migrate_server(
    context, instance, flavor, request_spec, clean_shutdown, scheduler, compute
) -> None:
    task = MigrationTask(
        context, instance, flavor, request_spec, clean_shutdown, scheduler, compute
    )
    try:
        with utils.event_reporter(context, instance.uuid, EVENT, None):
            task.execute()
    except Exception as error:  # noqa: BLE001 - every failure is rolled back and recorded
        LOG.warning("Cannot move instance %s: %s", instance.uuid, error)
        try:
            task.rollback(error)
        except Exception:  # noqa: BLE001 - logged; the task deadline repairs the rest
            LOG.exception("Rolling back the move of instance %s failed", instance.uuid)
