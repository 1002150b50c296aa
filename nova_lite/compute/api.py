"""The compute API used by nova-lite-api: checks, records, then RPC casts."""

from __future__ import annotations

import functools
import random
import re
import string
from collections.abc import Callable

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils, uuidutils

from nova_lite import availability_zones, background, exception
from nova_lite.api import policy
from nova_lite.compute import (
    image_checks,
    power_state,
    quotas,
    server_groups,
    snapshot_images,
    task_states,
    vm_states,
)
from nova_lite.compute import rpcapi as compute_rpcapi
from nova_lite.conductor import rpcapi as conductor_rpcapi
from nova_lite.image import glance
from nova_lite.image import meta as image_meta
from nova_lite.objects.compute_node import Allocations, ComputeNodeList
from nova_lite.objects.flavor import Flavor
from nova_lite.objects.instance import Instance, InstanceList
from nova_lite.objects.instance_action import InstanceAction
from nova_lite.objects.keypair import KeyPair
from nova_lite.objects.migration import Migration, MigrationList
from nova_lite.objects.request_spec import RequestSpec
from nova_lite.objects.service import Service

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
COMPUTE_BINARY = "nova-compute"
UNSHELVE_TO_HOST = "os_compute_api:os-shelve:unshelve_to_host"


def check_instance_state(
    vm_state: list[str] | None = None, task_state: list[str | None] | None = (None,)
):
    """Allow the decorated action only in these vm_states and task_states (409 otherwise)."""

    def outer(fn):
        @functools.wraps(fn)
        def inner(self, context, instance, *args, **kwargs):
            for attr, allowed in (("vm_state", vm_state), ("task_state", task_state)):
                state = getattr(instance, attr)
                if allowed is not None and state not in allowed:
                    raise exception.InstanceInvalidState(
                        attr=attr, state=state, method=fn.__name__, instance_uuid=instance.uuid
                    )
            return fn(self, context, instance, *args, **kwargs)

        return inner

    return outer


def check_instance_lock(fn):
    """Refuse the decorated action on a locked instance unless the caller is an admin."""

    @functools.wraps(fn)
    def inner(self, context, instance, *args, **kwargs):
        if instance.locked and not context.is_admin:
            raise exception.InstanceIsLocked(instance_uuid=instance.uuid)
        return fn(self, context, instance, *args, **kwargs)

    return inner


def _scalars(image: dict) -> dict:
    """The image's attributes and properties that are not lists or dicts."""
    return {key: value for key, value in image.items() if not isinstance(value, (list, dict))}


def default_hostname(name: str, uuid: str, count: int, index: int) -> str:
    """The hostname Nova derives from a server's name (RFC 952 letters, at most
    63 characters, ``-<n>`` for each of several servers)."""
    hostname = name.encode("latin-1", "ignore").decode("latin-1")[:63]
    hostname = re.sub(r"[ _.]", "-", hostname)
    hostname = re.sub(r"[^\w.-]+", "", hostname).lower().strip(".-")
    if not hostname:
        return f"Server-{uuid}"
    return f"{hostname}-{index + 1}" if count > 1 else hostname


def requested_destination(context, host: str | None, node: str | None) -> dict | None:
    """The RequestSpec destination of a requested host and/or node
    (ComputeHostNotFound when no compute node matches)."""
    if not host and not node:
        return None
    nodes = ComputeNodeList.get_all(context, host=host)
    if not any(node in (None, n.hypervisor_hostname) for n in nodes):
        raise exception.ComputeHostNotFound(host=host or node)
    return {"host": host, "node": node}


def _reservation_id() -> str:
    return "r-" + "".join(random.choices(string.ascii_lowercase + string.digits, k=8))


class API:
    def __init__(self) -> None:
        self.compute_task_api = conductor_rpcapi.ComputeTaskAPI()
        self.compute_rpcapi = compute_rpcapi.ComputeAPI()
        self.image_api = glance.API()

    # -- read -----------------------------------------------------------------------
    def get(self, context, uuid: str, expected_attrs: list[str] | None = None) -> Instance:
        """The instance, if the caller may see it; another project's is a 404."""
        instance = Instance.get_by_uuid(context, uuid, expected_attrs=expected_attrs)
        if not context.is_admin and instance.project_id != context.project_id:
            raise exception.InstanceNotFound(instance_id=uuid)
        return instance

    def get_all(self, context, filters: dict, **kwargs) -> InstanceList:
        """Instances matching ``filters``; kwargs as InstanceList.get_by_filters."""
        return InstanceList.get_by_filters(context, filters, **kwargs)

    # -- create -----------------------------------------------------------------------
    def create(
        self,
        context,
        flavor,
        image_href: str,
        name: str,
        min_count: int = 1,
        max_count: int = 1,
        metadata: dict | None = None,
        availability_zone: str | None = None,
        key_name: str | None = None,
        user_data: str | None = None,
        description: str | None = None,
        hostname: str | None = None,
        tags: list[str] | None = None,
        requested_host: str | None = None,
        requested_node: str | None = None,
        scheduler_hints: dict | None = None,
        forced_host: str | None = None,
        forced_node: str | None = None,
        admin_password: str | None = None,
        fetch_image: Callable[[], dict] | None = None,
    ) -> tuple[list[Instance], str]:
        """Record the instances (BUILDING/scheduling) and cast the build.

        ``requested_host``/``requested_node`` (2.74) restrict the scheduler to
        that host or node, whose filters must still pass; ``forced_host`` and
        ``forced_node`` (an admin's ``zone:host:node``) skip the filters. The
        ``group`` scheduler hint makes the servers members of that server group.
        ``fetch_image`` gives the Glance image when the caller started getting
        it (``background.start``).
        """
        if min_count > max_count:
            raise exception.InvalidRequest(reason="min_count must be <= max_count")
        if hostname and max_count > 1:
            raise exception.AmbiguousHostnameForMultipleInstances()
        # Counted while the checks below (and the Glance round trip) run; going
        # over quota is raised in its turn, after their errors.
        fitting = background.start(
            context, quotas.check_num_instances, flavor, min_count, max_count
        )
        destination = requested_destination(context, requested_host, requested_node)
        if forced_host:
            availability_zone = availability_zones.zone_of_forced_host(
                context, availability_zone, forced_host
            )
        else:
            availability_zones.check_requested_zone(context, availability_zone)
        group = server_groups.requested_group(context, scheduler_hints)
        image = self._image_for_flavor(context, image_href, flavor, fetch_image)
        quotas.check_metadata_items(context, metadata)
        key_data = self._key_data(context, key_name)
        max_count = fitting()
        server_groups.check_room(context, group, max_count)
        reservation_id = _reservation_id()
        instances = []
        for index in range(max_count):
            uuid = uuidutils.generate_uuid()
            display_name = name if max_count == 1 else f"{name}-{index + 1}"
            instance = Instance(
                context,
                uuid=uuid,
                user_id=context.user_id,
                project_id=context.project_id,
                display_name=display_name,
                display_description=description,
                hostname=hostname or default_hostname(name, uuid, max_count, index),
                kernel_id="",
                ramdisk_id="",
                tags=tags or [],
                image_ref=image_href,
                flavor=flavor,
                vm_state=vm_states.BUILDING,
                task_state=task_states.SCHEDULING,
                power_state=power_state.NOSTATE,
                availability_zone=availability_zone,
                key_name=key_name,
                key_data=key_data,
                user_data=user_data,
                reservation_id=reservation_id,
                launch_index=index,
                locked=False,
                metadata=metadata or {},
                system_metadata=self._image_system_metadata(image_href, image, flavor),
            )
            instances.append(instance)
        instances = quotas.create_instances(context, flavor, instances)
        server_groups.add_members(context, group, instances)
        spec = RequestSpec.from_instance(
            context,
            instances[0],
            num_instances=max_count,
            image=_scalars(image),
            scheduler_hints={
                key: [str(v) for v in (value if isinstance(value, list) else [value])]
                for key, value in (scheduler_hints or {}).items()
            },
            instance_group=group,
            force_hosts=[forced_host] if forced_host else None,
            force_nodes=[forced_node] if forced_node else None,
        )
        spec.requested_destination = destination
        self.compute_task_api.build_instances(context, instances, image, spec, admin_password)
        return instances, reservation_id

    # -- images -------------------------------------------------------------------------
    def _image_for_flavor(
        self, context, image_href: str, flavor, fetch_image: Callable[[], dict] | None = None
    ) -> dict:
        """The Glance image ``image_href`` (from ``fetch_image`` when given), checked
        against ``flavor`` (Nova's rules)."""
        if fetch_image is None:
            image = self.image_api.get(context, image_href)
        else:
            image = fetch_image()
        image_checks.check_image_for_flavor(context, image_href, image, flavor)
        return image

    @staticmethod
    def _image_system_metadata(image_href: str, image: dict, flavor) -> dict[str, str]:
        """Nova's ``image_*`` system metadata of an instance built from ``image``."""
        return {
            **image_meta.system_metadata(image, flavor.root_gb),
            "image_base_image_ref": image_href,
        }

    # -- delete -------------------------------------------------------------------------
    def delete(self, context, instance: Instance) -> None:
        """Mark the instance deleting and have its host destroy it.

        Instances never placed, or on a host whose compute service is down,
        are deleted here (a local delete, as Nova does).
        """
        if not self._mark_deleting(instance):
            LOG.info("Instance %s is already being deleted", instance.uuid)
            return
        if instance.vm_state == vm_states.RESIZED:
            self._confirm_resize_on_deleting(context, instance)
        if instance.vm_state in (vm_states.SHELVED, vm_states.SHELVED_OFFLOADED):
            snapshot_images.delete(
                context, instance.system_metadata.get(snapshot_images.SHELVED_IMAGE)
            )
        if instance.host and self._host_is_up(context, instance.host):
            self.compute_rpcapi.terminate_instance(context, instance)
            return
        self._local_delete(context, instance)

    @staticmethod
    def _mark_deleting(instance: Instance, attempts: int = 5) -> bool:
        """Set task_state DELETING whatever task runs (a delete wins over it);
        False when a delete is already under way."""
        while True:
            expected = instance.task_state
            if expected == task_states.DELETING:
                return False
            instance.task_state = task_states.DELETING
            try:
                instance.save(expected_task_state=[expected], action="delete")
                return True
            except exception.UnexpectedTaskStateError:
                # The running task moved on between our read and write.
                attempts -= 1
                if not attempts:
                    raise
                instance.refresh()

    @staticmethod
    def _host_is_up(context, host: str) -> bool:
        try:
            return Service.get_by_host_and_binary(context, host, COMPUTE_BINARY).is_up()
        except exception.ComputeHostNotFound:
            return False

    @staticmethod
    def _local_delete(context, instance: Instance) -> None:
        LOG.info("Deleting instance %s locally (host %s)", instance.uuid, instance.host)
        instance.vm_state = vm_states.DELETED
        instance.task_state = None
        instance.terminated_at = timeutils.utcnow()
        instance.destroy(expected_task_state=[task_states.DELETING])

    # -- power --------------------------------------------------------------------------
    def _begin(
        self, context, instance, task_state: str, action: str, expected: list | None = None
    ) -> None:
        """Claim the instance for a task (compare-and-swap) and record the action."""
        instance.task_state = task_state
        instance.save(expected_task_state=expected or [None], action=action)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.STOPPED])
    def start(self, context, instance: Instance) -> None:
        self._begin(context, instance, task_states.POWERING_ON, "start")
        self.compute_rpcapi.start_instance(context, instance)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE, vm_states.ERROR])
    def stop(self, context, instance: Instance, clean_shutdown: bool = True) -> None:
        instance.progress = 0
        self._begin(context, instance, task_states.POWERING_OFF, "stop")
        self.compute_rpcapi.stop_instance(context, instance, clean_shutdown)

    @check_instance_lock
    @check_instance_state(
        vm_state=[
            vm_states.ACTIVE,
            vm_states.STOPPED,
            vm_states.PAUSED,
            vm_states.SUSPENDED,
            vm_states.ERROR,
        ],
        task_state=[
            None,
            task_states.REBOOTING,
            task_states.REBOOT_PENDING,
            task_states.REBOOT_STARTED,
            task_states.REBOOTING_HARD,
            task_states.REBOOT_PENDING_HARD,
            task_states.REBOOT_STARTED_HARD,
        ],
    )
    def reboot(self, context, instance: Instance, reboot_type: str) -> None:
        if reboot_type == "SOFT":
            if instance.vm_state != vm_states.ACTIVE or instance.task_state is not None:
                raise exception.InstanceInvalidState(
                    attr="task_state" if instance.vm_state == vm_states.ACTIVE else "vm_state",
                    state=instance.task_state
                    if instance.vm_state == vm_states.ACTIVE
                    else instance.vm_state,
                    method="reboot",
                    instance_uuid=instance.uuid,
                )
            self._begin(context, instance, task_states.REBOOTING, "reboot")
        else:
            self._begin(
                context,
                instance,
                task_states.REBOOTING_HARD,
                "reboot",
                expected=[instance.task_state],
            )
        self.compute_rpcapi.reboot_instance(context, instance, reboot_type)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE])
    def pause(self, context, instance: Instance) -> None:
        self._begin(context, instance, task_states.PAUSING, "pause")
        self.compute_rpcapi.pause_instance(context, instance)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.PAUSED])
    def unpause(self, context, instance: Instance) -> None:
        self._begin(context, instance, task_states.UNPAUSING, "unpause")
        self.compute_rpcapi.unpause_instance(context, instance)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE])
    def suspend(self, context, instance: Instance) -> None:
        self._begin(context, instance, task_states.SUSPENDING, "suspend")
        self.compute_rpcapi.suspend_instance(context, instance)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.SUSPENDED])
    def resume(self, context, instance: Instance) -> None:
        self._begin(context, instance, task_states.RESUMING, "resume")
        self.compute_rpcapi.resume_instance(context, instance)

    # -- cold migration and resize ------------------------------------------------------
    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE, vm_states.STOPPED])
    def resize(
        self,
        context,
        instance: Instance,
        flavor_id: str | None = None,
        clean_shutdown=True,
        host_name: str | None = None,
    ) -> None:
        """Move the instance to another host, with a new flavor when ``flavor_id``
        is given (resize) or its own (cold migration, Nova's ``migrate``; to
        ``host_name`` when given, if the scheduler's filters pass it)."""
        destination = None
        if host_name is not None:
            if host_name == instance.host:
                raise exception.CannotMigrateToSameHost()
            destination = requested_destination(context, host_name, None)
        current = instance.flavor
        new = current
        if flavor_id is not None:
            new = Flavor.get_by_flavor_id(context, flavor_id)
            if new.id == current.id:
                raise exception.CannotResizeToSameFlavor()
            if new.disabled:
                raise exception.FlavorNotFound(flavor_id=flavor_id)
            if new.root_gb == 0 and current.root_gb != 0:
                raise exception.CannotResizeDisk(
                    reason="Resize to zero disk flavor is not allowed."
                )
            quotas.check_resize(context, instance, current, new)
        if not instance.host:
            raise exception.InstanceNotReady(instance_id=instance.uuid)
        if not self._host_is_up(context, instance.host):
            raise exception.ServiceUnavailable()
        try:
            spec = RequestSpec.get_by_instance_uuid(context, instance.uuid)
        except exception.NotFound:
            spec = RequestSpec.from_instance(context, instance)
        spec.flavor = new
        same_host = flavor_id is not None and CONF.allow_resize_to_same_host
        spec.ignore_hosts = None if same_host else [instance.host]
        spec.requested_destination = destination
        instance.task_state = task_states.RESIZE_PREP
        instance.progress = 0
        instance.old_flavor = current
        instance.new_flavor = new
        instance.system_metadata = {**instance.system_metadata, "old_vm_state": instance.vm_state}
        instance.save(
            expected_task_state=[None], action="migrate" if flavor_id is None else "resize"
        )
        self.compute_task_api.migrate_server(context, instance, new, spec, clean_shutdown)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.RESIZED])
    def confirm_resize(self, context, instance: Instance, migration=None) -> None:
        """Keep the moved instance: its source drops the old guest."""
        if migration is None:
            migration = Migration.get_by_instance_and_status(
                context.elevated(), instance.uuid, "finished"
            )
        if not self._host_is_up(context, migration.source_compute):
            raise exception.ServiceUnavailable()
        self._begin(context, instance, task_states.RESIZE_CONFIRMING, "confirmResize")
        migration.status = "confirming"
        migration.save()
        self.compute_rpcapi.confirm_resize(context, instance, migration)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.RESIZED])
    def revert_resize(self, context, instance: Instance) -> None:
        """Go back to the source host and the old flavor."""
        migration = Migration.get_by_instance_and_status(
            context.elevated(), instance.uuid, "finished"
        )
        if instance.old_flavor is not None:
            # Reverting a downsize grows the instance again.
            quotas.check_resize(context, instance, instance.flavor, instance.old_flavor)
        for host in (migration.source_compute, migration.dest_compute):
            if not self._host_is_up(context, host):
                raise exception.ServiceUnavailable()
        # Back in the zone of the source host (saved with the task, as Nova does).
        instance.availability_zone = availability_zones.get_host_availability_zone(
            context, migration.source_compute
        )
        self._begin(context, instance, task_states.RESIZE_REVERTING, "revertResize")
        migration.status = "reverting"
        migration.save()
        self.compute_rpcapi.revert_resize(context, instance, migration)

    # -- live migration -------------------------------------------------------------------
    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE, vm_states.PAUSED])
    def live_migrate(
        self,
        context,
        instance: Instance,
        block_migration: bool | None,
        disk_over_commit: bool | None,
        host_name: str | None = None,
        force: bool | None = None,
    ) -> None:
        """Move the running instance to ``host_name`` (or where the scheduler
        picks) without stopping it; the conductor checks and starts the move.

        ``force=False`` (2.30 and later) has the scheduler's filters check the
        named host; otherwise the named host is used as it is.
        """
        if not instance.host:
            raise exception.InstanceNotReady(instance_id=instance.uuid)
        if host_name is not None:
            try:
                service = Service.get_by_host_and_binary(context, host_name, COMPUTE_BINARY)
            except exception.ComputeHostNotFound:
                raise exception.ComputeHostNotFound(host=host_name) from None
            if host_name == instance.host:
                raise exception.UnableToMigrateToSelf(instance_id=instance.uuid, host=host_name)
            if not service.is_up():
                raise exception.ComputeServiceUnavailable(host=host_name)
        try:
            spec = RequestSpec.get_by_instance_uuid(context, instance.uuid)
        except exception.NotFound:
            spec = RequestSpec.from_instance(context, instance)
        if host_name is not None and force is False:
            spec.requested_destination = {"host": host_name, "node": None}
            host_name = None
        self._begin(context, instance, task_states.MIGRATING, "live-migration")
        self.compute_task_api.live_migrate_instance(
            context, instance, host_name, block_migration, disk_over_commit, spec
        )

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE], task_state=[task_states.MIGRATING])
    def live_migrate_force_complete(self, context, instance: Instance, migration_id) -> None:
        """Have the source end a running live migration now (the guest switches over)."""
        migration = Migration.get_by_id_and_instance(context, migration_id, instance.uuid)
        if migration.status != "running":
            raise exception.InvalidMigrationState(
                migration_id=migration_id,
                instance_uuid=instance.uuid,
                state=migration.status,
                method="force complete",
            )
        self.compute_rpcapi.check_can_control_live_migration("force complete")
        InstanceAction.action_start(context, instance.uuid, "live_migration_force_complete")
        self.compute_rpcapi.live_migration_force_complete(context, instance, migration)

    @check_instance_lock
    @check_instance_state(vm_state=None, task_state=[task_states.MIGRATING])
    def live_migrate_abort(
        self, context, instance: Instance, migration_id, support_abort_in_queue: bool = False
    ) -> None:
        """Cancel a running live migration (also a queued or preparing one from 2.65):
        the guest stays on its source."""
        migration = Migration.get_by_id_and_instance(context, migration_id, instance.uuid)
        allowed = ["running"] + (["queued", "preparing"] if support_abort_in_queue else [])
        if migration.status not in allowed:
            raise exception.InvalidMigrationState(
                migration_id=migration_id,
                instance_uuid=instance.uuid,
                state=migration.status,
                method="abort live migration",
            )
        self.compute_rpcapi.check_can_control_live_migration("abort live migration")
        InstanceAction.action_start(context, instance.uuid, "live_migration_cancel")
        self.compute_rpcapi.live_migration_abort(context, instance, migration.id)

    # -- evacuation ---------------------------------------------------------------------
    @check_instance_state(vm_state=[vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR])
    def evacuate(
        self,
        context,
        instance: Instance,
        host: str | None,
        on_shared_storage: bool | None,
        admin_password: str | None = None,
        force: bool | None = None,
        target_state: str | None = None,
    ) -> None:
        """Rebuild the instance of a down compute host on another host.

        ``force=False`` (2.29 and later) has the scheduler's filters check the
        named host; ``target_state`` (2.95: stopped) is the state the instance
        ends in on its new host.
        """
        if not instance.host:
            raise exception.InstanceNotReady(instance_id=instance.uuid)
        if self._host_is_up(context, instance.host):
            LOG.error(
                "Instance compute service state on %s expected to be down, but it was up.",
                instance.host,
            )
            raise exception.ComputeServiceInUse(host=instance.host)
        try:
            spec = RequestSpec.get_by_instance_uuid(context, instance.uuid)
        except exception.NotFound:
            spec = RequestSpec.from_instance(context, instance)
        if host is not None and force is False:
            spec.requested_destination = {"host": host, "node": None}
            host = None
        self._begin(context, instance, task_states.REBUILDING, "evacuate")
        migration = Migration(
            context,
            instance_uuid=instance.uuid,
            source_compute=instance.host,
            source_node=instance.node,
            dest_compute=host,
            old_instance_type_id=instance.flavor.id,
            new_instance_type_id=instance.flavor.id,
            migration_type="evacuation",
            status="accepted",
            hidden=False,
            user_id=context.user_id,
            project_id=context.project_id,
        )
        migration.create()
        self.compute_task_api.evacuate_instance(
            context, instance, migration, admin_password, spec, target_state
        )

    def _confirm_resize_on_deleting(self, context, instance: Instance) -> None:
        """Deleting a resized instance confirms its move first: the source drops
        the old guest and the room and allocation it kept (as Nova does)."""
        try:
            migration = Migration.get_by_instance_and_status(
                context.elevated(), instance.uuid, "finished"
            )
        except exception.MigrationNotFound:
            return
        migration.status = "confirming"
        migration.save()
        if self._host_is_up(context, migration.source_compute):
            self.compute_rpcapi.confirm_resize(context, instance, migration)
            return
        migration.status = "error"
        migration.save()
        Allocations.release(context, migration.uuid)

    def get_migrations(self, context, filters: dict) -> MigrationList:
        return MigrationList.get_by_filters(context, filters)

    def get_migrations_in_progress_by_instance(
        self, context, instance_uuid: str, migration_type: str | None = None
    ) -> MigrationList:
        return MigrationList.get_in_progress_by_instance(context, instance_uuid, migration_type)

    # -- rebuild, rescue, admin password (compute/rebuild.py on the host) -------------
    @staticmethod
    def _require_host(instance: Instance) -> None:
        if not instance.host:
            raise exception.InstanceNotReady(instance_id=instance.uuid)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR])
    def rebuild(
        self,
        context,
        instance: Instance,
        image_href: str,
        admin_password: str | None,
        name: str | None = None,
        metadata: dict | None = None,
        updates: dict | None = None,
    ) -> None:
        """Re-create the guest from ``image_href`` on its host; same id and host.
        The image's ``image_*`` system metadata replaces the old image's.
        ``updates`` are instance attributes set with it (display_description,
        key_name, user_data, hostname, access_ip_v4, access_ip_v6)."""
        self._require_host(instance)
        updates = dict(updates or {})
        if "key_name" in updates:
            updates["key_data"] = self._key_data(context, updates["key_name"])
        image = self._image_for_flavor(context, image_href, instance.flavor)
        instance.image_ref = image_href
        instance.progress = 0
        instance.system_metadata = {
            **{
                key: value
                for key, value in instance.system_metadata.items()
                if not key.startswith(image_meta.PREFIX)
            },
            **self._image_system_metadata(image_href, image, instance.flavor),
        }
        if name is not None:
            instance.display_name = name
        if metadata is not None:
            quotas.check_metadata_items(context, metadata, instance.project_id, instance.user_id)
            instance.metadata = metadata
        for key, value in updates.items():
            setattr(instance, key, value)
        self._begin(context, instance, task_states.REBUILDING, "rebuild")
        self.compute_rpcapi.rebuild_instance(context, instance, image, admin_password)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR])
    def rescue(
        self,
        context,
        instance: Instance,
        rescue_password: str | None = None,
        rescue_image_ref: str | None = None,
    ) -> None:
        """Boot the guest from its own image, or ``rescue_image_ref`` (which must exist)."""
        self._require_host(instance)
        if rescue_image_ref is not None:
            try:
                self.image_api.get(context, rescue_image_ref)
            except (exception.ImageNotFound, exception.ImageBadRequest):
                raise exception.UnsupportedRescueImage(image=rescue_image_ref) from None
        self._begin(context, instance, task_states.RESCUING, "rescue")
        self.compute_rpcapi.rescue_instance(context, instance, rescue_password, rescue_image_ref)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.RESCUED])
    def unrescue(self, context, instance: Instance) -> None:
        self._begin(context, instance, task_states.UNRESCUING, "unrescue")
        self.compute_rpcapi.unrescue_instance(context, instance)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE])
    def set_admin_password(self, context, instance: Instance, password: str) -> None:
        """Claim UPDATING_PASSWORD and call the host, which answers (Nova's call)."""
        self._begin(context, instance, task_states.UPDATING_PASSWORD, "changePassword")
        self.compute_rpcapi.set_admin_password(context, instance, password)

    @check_instance_lock
    @check_instance_state(vm_state=None, task_state=[None])
    def force_delete(self, context, instance: Instance) -> None:
        """Delete in any vm_state, no task running (Nova 34's force_delete)."""
        self.delete(context, instance)

    # -- snapshots and shelve (compute/snapshot.py, compute/shelve.py on the host) ----------
    def _begin_upload(self, context, instance, image: dict, task_state: str, action: str) -> None:
        """Claim the instance for a task that uploads to ``image``, whose id it keeps
        in system_metadata until the task ends; the image is deleted if the claim fails."""
        instance.system_metadata = {
            **instance.system_metadata,
            snapshot_images.PENDING_IMAGE: image["id"],
        }
        try:
            self._begin(context, instance, task_state, action)
        except Exception:
            snapshot_images.delete(context, image["id"])
            raise

    # Not refused for a locked instance (as Nova: a lock guards against changes).
    @check_instance_state(
        vm_state=[vm_states.ACTIVE, vm_states.STOPPED, vm_states.PAUSED, vm_states.SUSPENDED]
    )
    def snapshot(
        self, context, instance: Instance, name: str, extra_properties: dict | None = None
    ) -> dict:
        """createImage: record the image in Glance (queued), then have the host upload
        the guest's disk into it. Returns the image."""
        self.compute_rpcapi.check_can_send("1.9", "snapshot")
        image = snapshot_images.create(context, instance, name, extra_properties)
        self._begin_upload(
            context, instance, image, task_states.IMAGE_SNAPSHOT_PENDING, "createImage"
        )
        self.compute_rpcapi.snapshot_instance(context, instance, image["id"])
        return image

    @check_instance_lock
    @check_instance_state(
        vm_state=[vm_states.ACTIVE, vm_states.STOPPED, vm_states.PAUSED, vm_states.SUSPENDED]
    )
    def shelve(self, context, instance: Instance, clean_shutdown: bool = True) -> None:
        """Snapshot the guest to the image "<name>-shelved" and power it off (SHELVED);
        the host offloads it as shelved_offload_time says. Volume-backed servers
        (Nova's direct offload) do not exist here: every server has an image."""
        self.compute_rpcapi.check_can_send("1.9", "shelve")
        # Unshelve and rebuild need the image the instance was built from.
        instance.system_metadata = {
            **instance.system_metadata,
            "image_base_image_ref": instance.image_ref,
        }
        image = snapshot_images.create(context, instance, f"{instance.display_name}-shelved")
        self._begin_upload(context, instance, image, task_states.SHELVING, "shelve")
        self.compute_rpcapi.shelve_instance(context, instance, image["id"], clean_shutdown)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.SHELVED])
    def shelve_offload(self, context, instance: Instance, clean_shutdown: bool = True) -> None:
        """Remove a shelved instance from its host (SHELVED_OFFLOADED)."""
        self.compute_rpcapi.check_can_send("1.9", "shelve offload")
        self._begin(context, instance, task_states.SHELVING_OFFLOADING, "shelveOffload")
        self.compute_rpcapi.shelve_offload_instance(context, instance, clean_shutdown)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.SHELVED, vm_states.SHELVED_OFFLOADED])
    def unshelve(
        self,
        context,
        instance: Instance,
        new_az: str | None = None,
        host: str | None = None,
        az_given: bool = False,
    ) -> None:
        """Bring a shelved instance back through the conductor. An offloaded one is
        scheduled again: into ``new_az`` when ``az_given`` (2.77; None unpins it from
        its zone, 2.91) and onto ``host`` when given (2.91, admins); both need
        SHELVED_OFFLOADED."""
        self.compute_task_api.check_can_send("1.5", "unshelve")
        self.compute_rpcapi.check_can_send("1.9", "unshelve")
        try:
            spec = RequestSpec.get_by_instance_uuid(context, instance.uuid)
        except exception.NotFound:
            spec = RequestSpec.from_instance(context, instance)
        if (az_given or host) and instance.vm_state != vm_states.SHELVED_OFFLOADED:
            raise exception.UnshelveInstanceInvalidState(
                state=instance.vm_state, instance_uuid=instance.uuid
            )
        if az_given and new_az:
            availability_zones.check_requested_zone(context, new_az)
        zone = new_az if az_given else spec.availability_zone
        if host:
            target = {"project_id": instance.project_id, "user_id": instance.user_id}
            policy.authorize(context, UNSHELVE_TO_HOST, target)
            if not ComputeNodeList.get_all(context, host=host):
                raise exception.ComputeHostNotFound(host=host)
            host_zone = availability_zones.get_host_availability_zone(context, host)
            if zone is not None and host_zone != zone:
                raise exception.UnshelveHostNotInAZ(host=host, availability_zone=zone)
        spec.availability_zone = zone
        spec.save()
        spec.requested_destination = {"host": host, "node": None} if host else None
        self._begin(context, instance, task_states.UNSHELVING, "unshelve")
        self.compute_task_api.unshelve_instance(context, instance, spec)

    # -- update, metadata ----------------------------------------------------------------
    @staticmethod
    def _key_data(context, key_name: str | None) -> str | None:
        """The public key of the caller's key pair ``key_name`` (400 when unknown)."""
        if key_name is None:
            return None
        try:
            return KeyPair.get_by_name(context, context.user_id, key_name).public_key
        except exception.KeypairNotFound:
            raise exception.InvalidRequest(reason="Invalid key_name provided.") from None

    def update_instance(self, context, instance: Instance, updates: dict) -> Instance:
        """Set plain attributes (name, access IPs) and save them."""
        for key, value in updates.items():
            setattr(instance, key, value)
        if instance.obj_what_changed():
            instance.save()
        return instance

    @check_instance_lock
    @check_instance_state(
        vm_state=[vm_states.ACTIVE, vm_states.PAUSED, vm_states.SUSPENDED, vm_states.STOPPED]
    )
    def update_instance_metadata(
        self, context, instance: Instance, metadata: dict, delete: bool = False
    ) -> dict:
        """Merge ``metadata`` into the instance's (replace it all when ``delete``)."""
        new = dict(metadata) if delete else {**instance.metadata, **metadata}
        quotas.check_metadata_items(context, new, instance.project_id, instance.user_id)
        instance.metadata = new
        instance.save()
        return new

    @check_instance_lock
    @check_instance_state(
        vm_state=[vm_states.ACTIVE, vm_states.PAUSED, vm_states.SUSPENDED, vm_states.STOPPED]
    )
    def delete_instance_metadata(self, context, instance: Instance, key: str) -> None:
        instance.metadata = {k: v for k, v in instance.metadata.items() if k != key}
        instance.save()

    # -- lock, reset, console ---------------------------------------------------------------
    def lock(self, context, instance: Instance, reason: str | None = None) -> None:
        """Lock against changes by non-admins; records who locked it."""
        instance.locked = True
        instance.locked_by = "owner" if context.project_id == instance.project_id else "admin"
        if reason:
            instance.system_metadata = {**instance.system_metadata, "locked_reason": reason}
        instance.save(action="lock")

    def unlock(self, context, instance: Instance) -> None:
        instance.locked = False
        instance.locked_by = None
        if "locked_reason" in instance.system_metadata:
            instance.system_metadata = {
                k: v for k, v in instance.system_metadata.items() if k != "locked_reason"
            }
        instance.save(action="unlock")

    def reset_state(self, context, instance: Instance, state: str) -> None:
        """Admin repair: set vm_state (active or error) and clear the task."""
        instance.vm_state = state
        instance.task_state = None
        instance.save(action="resetState")

    def get_console_output(
        self, context, instance: Instance, tail_length: int | None = None
    ) -> str:
        if not instance.host:
            raise exception.InstanceNotReady(instance_id=instance.uuid)
        return self.compute_rpcapi.get_console_output(context, instance, tail_length)
