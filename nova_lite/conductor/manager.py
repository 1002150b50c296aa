"""Conductor endpoints: the object proxy and the compute task manager."""

from __future__ import annotations

import oslo_messaging as messaging
from oslo_log import log as logging

from nova_lite import availability_zones, exception
from nova_lite.compute import rpcapi as compute_rpcapi
from nova_lite.compute import task_states
from nova_lite.conductor import evacuate, live_migrate, migrate, unshelve
from nova_lite.conductor.recovery import OrphanRepair
from nova_lite.objects import base as objects_base
from nova_lite.objects.instance_action import InstanceActionEvent
from nova_lite.scheduler import rpcapi as scheduler_rpcapi

LOG = logging.getLogger(__name__)


class ConductorManager:
    """Runs remotable object methods for services without database access."""

    target = messaging.Target(version="1.0")

    # Domain errors (not found, conflicts) are answers, not server faults: they
    # reach the caller without an ERROR traceback in the conductor's log.
    @messaging.expected_exceptions(exception.NovaLiteException)
    def object_class_action_versions(
        self, context, objname, objmethod, object_versions, args, kwargs
    ):
        objclass = objects_base.NovaLiteObject.obj_class_from_name(
            objname, object_versions[objname]
        )
        return getattr(objclass, objmethod)(context, *args, **kwargs)

    @messaging.expected_exceptions(exception.NovaLiteException)
    def object_action(self, context, objinst, objmethod, args, kwargs):
        old = objinst.obj_clone()
        result = getattr(objinst, objmethod)(*args, **kwargs)
        updates = {}
        for name, field in objinst.fields.items():
            if not objinst.obj_attr_is_set(name):
                continue
            if not old.obj_attr_is_set(name) or getattr(old, name) != getattr(objinst, name):
                updates[name] = field.to_primitive(objinst, name, getattr(objinst, name))
        updates["obj_what_changed"] = list(objinst.obj_what_changed())
        return updates, result

    def object_backport_versions(self, context, objinst, object_versions):
        target = object_versions[objinst.obj_name()]
        return objinst.obj_to_primitive(target_version=target, version_manifest=object_versions)


class ComputeTaskManager(OrphanRepair):
    """Orchestrates tasks that span services: building instances, and moving them
    (cold migration and resize, in conductor/migrate.py)."""

    target = messaging.Target(namespace="compute_task", version="1.6")

    def __init__(self) -> None:
        super().__init__()
        self.scheduler = scheduler_rpcapi.SchedulerAPI()
        self.compute = compute_rpcapi.ComputeAPI()

    def migrate_server(self, context, instance, flavor, request_spec, clean_shutdown=True) -> None:
        """Cold migration or resize: schedule, then start the move (conductor/migrate.py)."""
        migrate.migrate_server(
            context, instance, flavor, request_spec, clean_shutdown, self.scheduler, self.compute
        )

    def live_migrate_instance(
        self, context, instance, host, block_migration, disk_over_commit, request_spec
    ) -> None:
        """Live migration: choose and check the destination, then start the move
        on the source (conductor/live_migrate.py)."""
        live_migrate.live_migrate_instance(
            context,
            instance,
            host,
            block_migration,
            disk_over_commit,
            request_spec,
            self.scheduler,
            self.compute,
        )

    def evacuate_instance(
        self, context, instance, migration, admin_password, request_spec, target_state=None
    ):
        """Evacuation: choose the destination, then rebuild there (conductor/evacuate.py)."""
        evacuate.evacuate_instance(
            context,
            instance,
            migration,
            admin_password,
            request_spec,
            self.scheduler,
            self.compute,
            target_state,
        )

    def unshelve_instance(self, context, instance, request_spec) -> None:
        """Unshelve: start a SHELVED instance on its host, or schedule an offloaded
        one and spawn it there (conductor/unshelve.py)."""
        unshelve.unshelve_instance(context, instance, request_spec, self.scheduler, self.compute)

    def build_instances(self, context, instances, image, request_spec, admin_password=None) -> None:
        request_spec.num_instances = len(instances)
        for instance in instances:
            InstanceActionEvent.event_start(
                context, instance.uuid, "conductor_schedule_and_build_instances"
            )
        try:
            selections = self.scheduler.select_destinations(
                context, request_spec, [i.uuid for i in instances]
            )
        except Exception as error:  # noqa: BLE001 - every failure puts them in ERROR
            LOG.warning("Failed to schedule instances: %s", error)
            for instance in instances:
                self._set_build_error(context, instance, error)
            return
        # An instance deleted meanwhile is noticed by its compute host, whose
        # compare-and-swap on task_state fails; it then releases the claim.
        for instance, selection in zip(instances, selections, strict=True):
            spec = request_spec.obj_clone()
            spec.instance_uuid = instance.uuid
            spec.num_instances = 1
            # A forced host is for this boot only; later moves are scheduled.
            spec.force_hosts = spec.force_nodes = None
            spec.save()
            # The instance is in its host's zone from now on (saved by the host
            # with its first update, as Nova's conductor sets it).
            instance.availability_zone = (
                selection.availability_zone
                if "availability_zone" in selection
                else availability_zones.get_host_availability_zone(context, selection.service_host)
            )
            InstanceActionEvent.event_finish(
                context, instance.uuid, "conductor_schedule_and_build_instances"
            )
            self.compute.build_and_run_instance(
                context,
                instance,
                selection.service_host,
                selection.nodename,
                image,
                spec,
                admin_password,
            )

    @staticmethod
    def _set_build_error(context, instance, error: Exception) -> None:
        try:
            instance.set_error(error, expected_task_state=[task_states.SCHEDULING, None])
            InstanceActionEvent.event_finish_with_failure(
                context, instance.uuid, "conductor_schedule_and_build_instances", error
            )
        except (exception.InstanceNotFound, exception.UnexpectedTaskStateError) as race:
            LOG.info("Instance %s changed while its build failed: %s", instance.uuid, race)
