"""ComputeManager: runs on each compute host and drives its virt driver.

Operations are grouped by family in this package (build and delete here);
every one holds the instance's lock, so operations on one instance never
overlap on a host.
"""

from __future__ import annotations

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_log import log as logging
from oslo_service import periodic_task
from oslo_utils import timeutils

from nova_lite import exception
from nova_lite.compute import power_state, task_states, utils, vm_states
from nova_lite.compute.evacuate import EvacuateOperations
from nova_lite.compute.live_migration import LiveMigrationOperations
from nova_lite.compute.move_recovery import MoveRecovery
from nova_lite.compute.moves import MoveOperations
from nova_lite.compute.power import PowerOperations
from nova_lite.compute.rebuild import RebuildOperations
from nova_lite.compute.recovery import RecoveryOperations
from nova_lite.compute.resource_tracker import ResourceTracker
from nova_lite.compute.shelve import ShelveOperations
from nova_lite.compute.snapshot import SnapshotOperations
from nova_lite.objects.compute_node import Allocations
from nova_lite.objects.instance import InstanceList
from nova_lite.virt import driver as virt_driver

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
BUILD_EVENT = "compute_build_and_run_instance"


class ComputeManager(
    PowerOperations,
    RecoveryOperations,
    MoveOperations,
    LiveMigrationOperations,
    RebuildOperations,
    EvacuateOperations,
    MoveRecovery,
    SnapshotOperations,
    ShelveOperations,
    periodic_task.PeriodicTasks,
):
    target = messaging.Target(version="1.10")

    def __init__(self, host: str, driver: virt_driver.ComputeDriver | None = None):
        super().__init__(CONF)
        self.host = host
        self.driver = driver or virt_driver.load_compute_driver(CONF.compute_driver, host)
        self.rt = ResourceTracker(host, self.driver)
        self._locks = utils.KeyedLocks()

    # -- start-up ---------------------------------------------------------------
    def init_host(self, context) -> None:
        """Prepare the driver, audit resources and repair interrupted work."""
        self.driver.init_host(self.host)
        self._destroy_evacuated_instances(context)
        self._destroy_abandoned_guests(context)
        self.rt.update_available_resource(context)
        for instance in InstanceList.get_by_host(context, self.host):
            self._init_instance(context, instance)

    def _init_instance(self, context, instance) -> None:
        """Repair one instance left mid-task by a restart (Nova's _init_instance)."""
        try:
            if instance.task_state == task_states.DELETING:
                LOG.info("Finishing the interrupted delete of %s", instance.uuid)
                self._delete(context, instance)
            elif instance.vm_state == vm_states.BUILDING:
                LOG.warning("Instance %s was building when the service stopped", instance.uuid)
                error = exception.BuildAbortException(
                    instance_uuid=instance.uuid,
                    reason="the compute service restarted during the build",
                )
                self._fail_build(context, instance, error)
            elif instance.task_state is not None:
                self._resume_task(context, instance)
        except Exception:  # noqa: BLE001 - one broken instance must not block start-up
            LOG.exception("Could not repair instance %s at start-up", instance.uuid)

    def cleanup_host(self) -> None:
        self.driver.cleanup_host(self.host)

    @messaging.expected_exceptions(NotImplementedError)
    def get_host_uptime(self, context) -> str:
        """What ``uptime`` prints on this host (os-hypervisors)."""
        return self.driver.get_host_uptime()

    # -- periodic tasks -------------------------------------------------------------
    @periodic_task.periodic_task
    def update_available_resource(self, context) -> None:
        self.rt.update_available_resource(context)

    # -- build ---------------------------------------------------------------------
    def build_and_run_instance(
        self, context, instance, node, image, request_spec, admin_password=None
    ) -> None:
        with self._locks.hold(instance.uuid):
            try:
                with utils.event_reporter(
                    context, instance.uuid, BUILD_EVENT, self.host, start=False
                ):
                    self._build(context, instance, node, image, admin_password)
            except (exception.InstanceNotFound, exception.UnexpectedDeletingTaskStateError):
                LOG.info("Instance %s was deleted during its build", instance.uuid)
                self._cleanup_deleted_build(context, instance)
            except Exception as error:
                LOG.exception("Build of instance %s failed", instance.uuid)
                self._fail_build(context, instance, error)

    def _build(self, context, instance, node, image, admin_password=None) -> None:
        with self.rt.instance_claim(context, instance, node):
            instance.host = self.host
            instance.node = node
            instance.launched_on = self.host
            instance.task_state = task_states.SPAWNING
            instance.save(
                expected_task_state=[task_states.SCHEDULING],
                start_event={"event": BUILD_EVENT, "host": self.host},
            )
            self.driver.spawn(context, instance, image, admin_password=admin_password)
        instance.vm_state = vm_states.ACTIVE
        instance.task_state = None
        instance.power_state = self.driver.get_info(instance).state
        instance.launched_at = timeutils.utcnow()
        instance.save(expected_task_state=[task_states.SPAWNING])
        LOG.info("Instance %s is active on %s", instance.uuid, self.host)
        self.rt.save_usage(node)

    def _fail_build(self, context, instance, error: Exception) -> None:
        try:
            self.driver.destroy(context, instance)
        except Exception:
            LOG.exception("Could not clean up the guest of %s", instance.uuid)
        self.rt.release(context, instance.uuid)
        Allocations.release(context, instance.uuid)
        try:
            # As Nova's abort_instance_claim: the instance no longer uses this host.
            instance.host = None
            instance.node = None
            instance.power_state = power_state.NOSTATE
            instance.set_error(error, host=self.host)
        except exception.InstanceNotFound:
            LOG.info("Instance %s was deleted while its build failed", instance.uuid)

    def _cleanup_deleted_build(self, context, instance) -> None:
        self.driver.destroy(context, instance)
        self.rt.release(context, instance.uuid)
        Allocations.release(context, instance.uuid)

    # -- delete ---------------------------------------------------------------------
    def terminate_instance(self, context, instance) -> None:
        with self._locks.hold(instance.uuid):
            try:
                with utils.event_reporter(
                    context, instance.uuid, "compute_terminate_instance", self.host
                ):
                    self._delete(context, instance)
            except exception.InstanceNotFound:
                LOG.info("Instance %s was already deleted", instance.uuid)
            except Exception as error:
                LOG.exception("Delete of instance %s failed", instance.uuid)
                instance.set_error(error, host=self.host)

    def _delete(self, context, instance) -> None:
        self.driver.destroy(context, instance)
        self.rt.release(context, instance.uuid, instance.node)
        Allocations.release(context, instance.uuid)
        instance.vm_state = vm_states.DELETED
        instance.task_state = None
        instance.power_state = power_state.NOSTATE
        instance.terminated_at = timeutils.utcnow()
        instance.destroy(expected_task_state=[task_states.DELETING])
        LOG.info("Instance %s deleted", instance.uuid)
