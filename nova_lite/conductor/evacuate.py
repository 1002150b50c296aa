"""Evacuation, the conductor's part (Nova's rebuild_instance with evacuate=True).

The API recorded the migration ('accepted') and set the instance REBUILDING.
Here: park the source's allocation on the migration (its host is down), choose
the destination (the scheduler, the source excluded; or the host the admin
named, claimed here), then have the destination rebuild the instance (see
nova_lite.compute.evacuate). A failure here leaves the instance on its
source in its vm_state with no task and a fault, the migration in 'error'.
"""

from __future__ import annotations

from oslo_log import log as logging

from nova_lite.compute import task_states, utils
from nova_lite.conductor import move_common
from nova_lite.objects.compute_node import Allocations

LOG = logging.getLogger(__name__)

EVENT = "conductor_rebuild_server"


class EvacuateTask:
    def __init__(
        self,
        context,
        instance,
        migration,
        admin_password,
        request_spec,
        scheduler,
        compute,
        target_state=None,
    ):
        self.context = context
        self.target_state = target_state
        self.instance = instance
        self.migration = migration
        self.admin_password = admin_password
        self.request_spec = request_spec
        self.scheduler = scheduler
        self.compute = compute

    def execute(self) -> None:
        context, instance, migration = self.context, self.instance, self.migration
        Allocations.move(context, instance.uuid, migration.uuid)
        if migration.dest_compute:
            host, node = self._claim_requested_destination(migration.dest_compute)
        else:
            spec = self.request_spec
            spec.instance_uuid = instance.uuid
            spec.flavor = instance.flavor
            spec.num_instances = 1
            spec.ignore_hosts = [instance.host]
            selection = self.scheduler.select_destinations(context, spec, [instance.uuid])[0]
            host, node = selection.service_host, selection.nodename
        LOG.info("Evacuating instance %s from %s to %s", instance.uuid, instance.host, host)
        migration.dest_compute = host
        migration.dest_node = node
        migration.save()
        move_common.set_destination_zone(context, instance, host)
        self.compute.evacuate_instance(
            context,
            instance,
            migration,
            {"id": instance.image_ref},
            self.admin_password,
            node,
            self.target_state,
        )

    def _claim_requested_destination(self, host: str) -> tuple[str, str]:
        return move_common.claim_on_host(self.context, self.instance, self.request_spec, host)

    def rollback(self, error: Exception) -> None:
        context, instance = self.context, self.instance
        move_common.return_allocation(context, instance, self.migration)
        move_common.end_failed_task(context, instance, error, task_states.REBUILDING, "evacuation")


def evacuate_instance(
    context, instance, migration, admin_password, request_spec, scheduler, compute, target_state
) -> None:
    task = EvacuateTask(
        context, instance, migration, admin_password, request_spec, scheduler, compute, target_state
    )
    try:
        with utils.event_reporter(context, instance.uuid, EVENT, None):
            task.execute()
    except Exception as error:  # noqa: BLE001 - every failure is rolled back and recorded
        LOG.warning("Cannot evacuate instance %s: %s", instance.uuid, error)
        try:
            task.rollback(error)
        except Exception:  # noqa: BLE001 - logged; the task deadline repairs the rest
            LOG.exception("Rolling back the evacuation of instance %s failed", instance.uuid)
