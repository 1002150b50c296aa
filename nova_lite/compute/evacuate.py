"""Evacuation on the compute hosts (Nova's rebuild_instance with evacuate=True).

::

    conductor   --evacuate_instance-->  destination: rebuild the guest there
    source, when it starts again:       destroy the evacuated guest left on it,
                                        release its allocation

The migration record goes accepted (API) -> pre-migrating -> done, then
completed once the source has cleaned up; failed when the rebuild fails.
Allocations follow the other moves' rule: the migration holds the source's
(its host is down, so nothing can free it yet), the instance the
destination's.
"""

from __future__ import annotations

from oslo_log import log as logging
from oslo_utils import timeutils

from nova_lite import exception
from nova_lite.compute import task_states, utils, vm_states
from nova_lite.objects import migration as migration_obj
from nova_lite.objects.compute_node import Allocations
from nova_lite.objects.instance import Instance

LOG = logging.getLogger(__name__)

EVENT = "compute_rebuild_instance"


class EvacuateOperations(utils.PeriodicTaskMixin):
    """Mixed into ComputeManager (with MoveOperations, whose helpers it uses)."""

    # -- destination: rebuild the guest here -----------------------------------------
    def evacuate_instance(
        self,
        context,
        instance,
        migration,
        image: dict,
        admin_password,
        node: str,
        target_state: str | None = None,
    ) -> None:
        with self._locks.hold(instance.uuid):
            try:
                with utils.event_reporter(context, instance.uuid, EVENT, self.host):
                    self._evacuate(
                        context, instance, migration, image, admin_password, node, target_state
                    )
            except Exception as error:  # noqa: BLE001 - a cast: recorded, then rolled back
                if type(error) is exception.UnexpectedTaskStateError:
                    # A repair cancelled the evacuation while this message waited.
                    LOG.warning("Evacuation of %s came too late: %s", instance.uuid, error)
                    return
                LOG.exception("Evacuation of instance %s failed", instance.uuid)
                try:
                    self._fail_evacuate(context, instance, migration, error)
                except Exception:  # noqa: BLE001 - logged; task deadlines repair the rest
                    LOG.exception("Rolling back the evacuation of %s failed", instance.uuid)

    def _evacuate(
        self, context, instance, migration, image, admin_password, node, target_state
    ) -> None:
        """Rebuild here; the instance ends stopped when it was or when
        ``target_state`` says so (2.95), else active."""
        orig_vm_state = instance.vm_state
        with self.rt.instance_claim(context, instance, node):
            instance.host = self.host
            instance.node = node
            instance.task_state = task_states.REBUILD_SPAWNING
            instance.save(expected_task_state=[task_states.REBUILDING])
            self._set_migration_status(migration, "pre-migrating")
            self.driver.spawn(context, instance, image, admin_password=admin_password)
        final = vm_states.ACTIVE
        if vm_states.STOPPED in (orig_vm_state, target_state):
            LOG.info("Bringing evacuated instance %s back to stopped", instance.uuid)
            self.driver.power_off(instance)
            final = vm_states.STOPPED
        instance.vm_state = final
        instance.task_state = None
        instance.power_state = self._query_power_state(instance)
        instance.launched_at = timeutils.utcnow()
        instance.save(expected_task_state=[task_states.REBUILD_SPAWNING])
        self._set_migration_status(migration, "done")
        self.rt.save_usage(node)
        LOG.info("Instance %s evacuated to %s", instance.uuid, self.host)

    def _fail_evacuate(self, context, instance, migration, error) -> None:
        """Nothing of the instance stays here; it is ERROR, recorded on its source."""
        try:
            self.driver.destroy(context, instance)
        except Exception:  # noqa: BLE001 - best effort
            LOG.exception("Could not remove the guest of %s", instance.uuid)
        self.rt.release(context, instance.uuid)
        self._set_migration_status(migration, "failed")
        # The source's allocation goes back to the instance, replacing this host's.
        Allocations.move(context, migration.uuid, instance.uuid, if_held=True)
        instance.host = migration.source_compute
        instance.node = migration.source_node
        try:
            instance.set_error(
                error,
                host=self.host,
                expected_task_state=[task_states.REBUILDING, task_states.REBUILD_SPAWNING],
            )
        except exception.InstanceNotFound:
            LOG.info("Instance %s was deleted during its evacuation", instance.uuid)
            Allocations.release(context, instance.uuid)
        except exception.UnexpectedTaskStateError as race:
            LOG.warning("Instance %s changed during its evacuation: %s", instance.uuid, race)

    # -- source, at start-up: forget what was evacuated ----------------------------------
    def _destroy_evacuated_instances(self, context) -> None:
        """Destroy the guests evacuated from this host while it was down, and
        release the allocation their migration kept here (Nova's init_host)."""
        migrations = migration_obj.MigrationList.get_by_filters(
            context,
            {
                "source_compute": self.host,
                "status": "done",
                "migration_type": migration_obj.EVACUATION,
            },
        )
        local = set(self.driver.list_instance_uuids())
        for migration in migrations:
            LOG.info(
                "Instance %s was evacuated from this host: cleaning up", migration.instance_uuid
            )
            try:
                if migration.instance_uuid in local:
                    self.driver.destroy(context, self._evacuated(context, migration), None, None)
                Allocations.release(context, migration.uuid)
                self.rt.release(context, migration.instance_uuid)
                self._set_migration_status(migration, "completed")
            except Exception:  # noqa: BLE001 - one broken guest must not block start-up
                LOG.exception("Could not clean up evacuated instance %s", migration.instance_uuid)

    @staticmethod
    def _evacuated(context, migration):
        """The evacuated instance (a bare stand-in when it was deleted since)."""
        try:
            return Instance.get_by_uuid(context, migration.instance_uuid)
        except exception.InstanceNotFound:
            return Instance(context, uuid=migration.instance_uuid, metadata={})
