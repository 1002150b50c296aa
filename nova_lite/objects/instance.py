"""Instance: a server, and lists of them."""

from __future__ import annotations

from oslo_serialization import jsonutils
from oslo_utils import versionutils
from oslo_versionedobjects import fields

from nova_lite import exception, quota
from nova_lite.compute import vm_states
from nova_lite.objects import base
from nova_lite.objects.flavor import Flavor
from nova_lite.objects.instance_fault import InstanceFault

_DICT_FIELDS = ("metadata", "system_metadata")
# Attributes loaded only when asked for (``expected_attrs``), kept across save().
_OPTIONAL_ATTRS = ("fault", "tags")
# The flavors of a resize or cold migration in progress (JSON columns).
_MOVE_FLAVORS = ("old_flavor", "new_flavor")


def _joins(expected_attrs: list[str] | None) -> list[str]:
    """The relationships the query must load for ``expected_attrs``."""
    return [name for name in expected_attrs or () if name == "tags"]


@base.register
class Instance(base.NovaLitePersistentObject, base.NovaLiteObject):
    # 1.0: initial version
    # 1.1: old_flavor, new_flavor
    # 1.2: tags, kernel_id, ramdisk_id, root_device_name
    VERSION = "1.2"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "display_name": fields.StringField(nullable=True),
        "display_description": fields.StringField(nullable=True),
        "hostname": fields.StringField(nullable=True),
        "host": fields.StringField(nullable=True),
        "node": fields.StringField(nullable=True),
        "launched_on": fields.StringField(nullable=True),
        "image_ref": fields.StringField(nullable=True),
        "instance_type_id": fields.IntegerField(nullable=True),
        "memory_mb": fields.IntegerField(nullable=True),
        "vcpus": fields.IntegerField(nullable=True),
        "root_gb": fields.IntegerField(nullable=True),
        "ephemeral_gb": fields.IntegerField(nullable=True),
        "vm_state": fields.StringField(nullable=True),
        "task_state": fields.StringField(nullable=True),
        "power_state": fields.IntegerField(nullable=True),
        "launched_at": fields.DateTimeField(nullable=True),
        "terminated_at": fields.DateTimeField(nullable=True),
        "availability_zone": fields.StringField(nullable=True),
        "key_name": fields.StringField(nullable=True),
        "key_data": fields.StringField(nullable=True),
        "user_data": fields.StringField(nullable=True),
        "reservation_id": fields.StringField(nullable=True),
        "launch_index": fields.IntegerField(nullable=True),
        "locked": fields.BooleanField(default=False),
        "locked_by": fields.StringField(nullable=True),
        "config_drive": fields.StringField(nullable=True),
        "access_ip_v4": fields.StringField(nullable=True),
        "access_ip_v6": fields.StringField(nullable=True),
        "progress": fields.IntegerField(nullable=True),
        "kernel_id": fields.StringField(nullable=True),
        "ramdisk_id": fields.StringField(nullable=True),
        "root_device_name": fields.StringField(nullable=True),
        "tags": fields.ListOfStringsField(default=[]),
        "flavor": fields.ObjectField("Flavor"),
        "old_flavor": fields.ObjectField("Flavor", nullable=True),
        "new_flavor": fields.ObjectField("Flavor", nullable=True),
        "metadata": fields.DictOfStringsField(default={}),
        "system_metadata": fields.DictOfNullableStringsField(default={}),
        "fault": fields.ObjectField("InstanceFault", nullable=True),
        **base.NovaLitePersistentObject.fields,
    }

    @staticmethod
    def _from_db_object(
        context, instance: Instance, row, expected_attrs: list[str] | None = None
    ) -> Instance:
        base.from_db_object(instance, row, skip=_DICT_FIELDS + _OPTIONAL_ATTRS)
        instance.metadata = {m.key: m.value for m in row.metadata_items}
        instance.system_metadata = {m.key: m.value for m in row.system_metadata_items}
        if row.flavor:
            instance.flavor = Flavor.obj_from_primitive(jsonutils.loads(row.flavor))
        for name in _MOVE_FLAVORS:
            value = getattr(row, name)
            flavor = Flavor.obj_from_primitive(jsonutils.loads(value)) if value else None
            setattr(instance, name, flavor)
        if "fault" in (expected_attrs or ()):
            # Only ERROR and DELETED servers show their fault (as in Nova).
            shown = row.vm_state in (vm_states.ERROR, vm_states.DELETED)
            instance.fault = (
                InstanceFault.get_latest_for_instance(context, row.uuid) if shown else None
            )
        if "tags" in (expected_attrs or ()):
            instance.tags = [t.tag for t in row.tag_rows]
        instance._context = context
        instance.obj_reset_changes(recursive=True)
        return instance

    def _db_changes(self) -> dict:
        changes = self.obj_get_changes()
        for name in (*_OPTIONAL_ATTRS, "id"):
            changes.pop(name, None)
        if "flavor" in self and ("flavor" in changes or self.flavor.obj_what_changed()):
            flavor = self.flavor
            changes["flavor"] = jsonutils.dumps(flavor.obj_to_primitive())
            changes.update(
                instance_type_id=flavor.id,
                memory_mb=flavor.memory_mb,
                vcpus=flavor.vcpus,
                root_gb=flavor.root_gb,
                ephemeral_gb=flavor.ephemeral_gb,
            )
        for name in _MOVE_FLAVORS:
            if name in changes:
                value = changes[name]
                changes[name] = None if value is None else jsonutils.dumps(value.obj_to_primitive())
        return base.db_values(changes)

    def obj_make_compatible(self, primitive, target_version) -> None:
        super().obj_make_compatible(primitive, target_version)
        target = versionutils.convert_version_to_tuple(target_version)
        if target < (1, 2):
            for name in ("tags", "kernel_id", "ramdisk_id", "root_device_name"):
                primitive.pop(name, None)
        if target < (1, 1):
            for name in _MOVE_FLAVORS:
                primitive.pop(name, None)

    @base.remotable_classmethod
    def get_by_uuid(cls, context, uuid: str, expected_attrs: list[str] | None = None) -> Instance:
        row = base.db_api().instance_get_by_uuid(context, uuid, _joins(expected_attrs))
        return cls._from_db_object(context, cls(), row, expected_attrs)

    def _create_values(self) -> dict:
        """The columns (and tags) to insert this new instance with."""
        return {**self._db_changes(), "tags": self._new_tags()}

    def _new_tags(self) -> list[str]:
        """The tags this new instance is to be created with."""
        return list(self.tags) if self.obj_attr_is_set("tags") else []

    def _created(self, context, row) -> Instance:
        """Load this new instance's inserted ``row`` (and keep its tags)."""
        tags = self._new_tags()
        self._from_db_object(context, self, row)
        self.tags = sorted(set(tags))
        self.obj_reset_changes(["tags"])
        return self

    @base.remotable
    def create(self, action: str | None = None) -> None:
        """Insert the instance with its tags; ``action`` (e.g. "create") is recorded with it."""
        row = base.db_api().instance_create(self._context, self._create_values(), action)
        self._created(self._context, row)

    @base.remotable
    def save(
        self,
        expected_task_state: list | str | None = None,
        expected_vm_state: list | str | None = None,
        action: str | None = None,
        start_event: dict | None = None,
    ) -> None:
        """Write changes; ``expected_*`` make it a compare-and-swap.

        Pass ``expected_task_state=[None]`` to require that no task runs.
        ``action`` starts an instance action in the same transaction, and
        ``start_event`` ({"event": ..., "host": ...}) an event of the request's.
        """
        expected = {}
        if expected_task_state is not None:
            expected["task_state"] = expected_task_state
        if expected_vm_state is not None:
            expected["vm_state"] = expected_vm_state
        row = base.db_api().instance_update(
            self._context, self.uuid, self._db_changes(), expected, action, start_event
        )
        loaded = {n: getattr(self, n) for n in _OPTIONAL_ATTRS if self.obj_attr_is_set(n)}
        self._from_db_object(self._context, self, row)
        for name, value in loaded.items():
            setattr(self, name, value)
        self.obj_reset_changes(list(loaded))

    @base.remotable
    def destroy(self, expected_task_state: list | None = None) -> None:
        """Soft-delete the instance, writing pending changes in the same step."""
        row = base.db_api().instance_destroy(
            self._context, self.uuid, self._db_changes(), expected_task_state
        )
        self._from_db_object(self._context, self, row)

    @base.remotable
    def refresh(self) -> None:
        row = base.db_api().instance_get_by_uuid(self._context, self.uuid)
        self._from_db_object(self._context, self, row)

    def add_fault(self, error: BaseException, host: str | None = None) -> None:
        """Record ``error`` as this instance's latest fault."""
        fault = InstanceFault.from_exception(self._context, self.uuid, error, host)
        fault.create()
        self.fault = fault
        self.obj_reset_changes(["fault"])

    def set_error(
        self, error: BaseException, host: str | None = None, expected_task_state: list | None = None
    ) -> None:
        """Record the fault, then put the instance in ERROR with no task.

        The fault is written first so that nobody sees ERROR without its reason.
        """
        self.add_fault(error, host)
        self.vm_state = vm_states.ERROR
        self.task_state = None
        self.save(expected_task_state=expected_task_state)


@base.register
class InstanceList(base.ObjectListBase, base.NovaLiteObject):
    # 1.0: initial version
    # 1.1: create
    VERSION = "1.1"

    fields = {"objects": fields.ListOfObjectsField("Instance")}

    @base.remotable_classmethod
    def get_by_filters(
        cls,
        context,
        filters: dict,
        sort_keys: list[str] | None = None,
        sort_dirs: list[str] | None = None,
        limit: int | None = None,
        marker: str | None = None,
        expected_attrs: list[str] | None = None,
    ) -> InstanceList:
        rows = base.db_api().instance_get_all_by_filters(
            context,
            filters,
            sort_keys=sort_keys,
            sort_dirs=sort_dirs,
            limit=limit,
            marker=marker,
            columns_to_join=_joins(expected_attrs),
        )
        return base.make_list(context, cls(), Instance, rows, expected_attrs=expected_attrs)

    @base.remotable_classmethod
    def create(
        cls, context, instances: list, action: str | None = None, recheck_quota: bool = False
    ) -> InstanceList:
        """Insert new ``instances`` in one transaction, as Instance.create.

        ``recheck_quota`` then checks the caller's instances, cores and RAM quota
        again with them counted (Nova's recheck, against racing requests): over
        it, they are destroyed and OverQuota is raised.
        """
        rows = base.db_api().instance_create_all(
            context, [instance._create_values() for instance in instances], action
        )
        created = cls(
            context,
            objects=[
                instance._created(context, row)
                for instance, row in zip(instances, rows, strict=True)
            ],
        )
        created.obj_reset_changes()
        if recheck_quota:
            try:
                quota.check_deltas(
                    context,
                    {"instances": 0, "cores": 0, "ram": 0},
                    context.project_id,
                    context.user_id,
                )
            except exception.OverQuota:
                for instance in created:
                    instance.destroy()
                raise
        return created

    @base.remotable_classmethod
    def get_busy_since(cls, context, before) -> InstanceList:
        """Instances with a task in progress whose last update is before ``before``."""
        rows = base.db_api().instance_get_busy_since(context, before)
        return base.make_list(context, cls(), Instance, rows)

    @base.remotable_classmethod
    def get_by_host(cls, context, host: str) -> InstanceList:
        rows = base.db_api().instance_get_all_by_filters(context, {"host": host})
        return base.make_list(context, cls(), Instance, rows)
