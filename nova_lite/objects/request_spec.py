"""RequestSpec: what the scheduler needs to place an instance."""

from __future__ import annotations

from oslo_serialization import jsonutils
from oslo_utils import versionutils
from oslo_versionedobjects import fields

from nova_lite.objects import base


@base.register
class RequestSpec(base.NovaLiteObject):
    # 1.0: initial version
    # 1.1: instance_group
    # 1.2: requested_destination
    VERSION = "1.2"

    fields = {
        "instance_uuid": fields.UUIDField(),
        "project_id": fields.StringField(nullable=True),
        "user_id": fields.StringField(nullable=True),
        "flavor": fields.ObjectField("Flavor"),
        "image": fields.DictOfNullableStringsField(default={}),
        "num_instances": fields.IntegerField(default=1),
        "availability_zone": fields.StringField(nullable=True),
        "scheduler_hints": fields.DictOfListOfStringsField(default={}),
        "ignore_hosts": fields.ListOfStringsField(nullable=True),
        "force_hosts": fields.ListOfStringsField(nullable=True),
        "force_nodes": fields.ListOfStringsField(nullable=True),
        # The server group named by the "group" hint; the scheduler refreshes
        # its members and their hosts before applying its policy.
        "instance_group": fields.ObjectField("InstanceGroup", nullable=True, default=None),
        # {"host": ..., "node": ...}: this request may only land there, if the
        # filters pass it (Nova's Destination); never saved with the spec.
        "requested_destination": fields.DictOfNullableStringsField(nullable=True),
    }

    def obj_make_compatible(self, primitive, target_version) -> None:
        super().obj_make_compatible(primitive, target_version)
        target = versionutils.convert_version_to_tuple(target_version)
        if target < (1, 2):
            primitive.pop("requested_destination", None)
        if target < (1, 1):
            primitive.pop("instance_group", None)

    @property
    def resources(self) -> dict[str, int]:
        """The vcpus, memory_mb and disk_gb one instance of this spec uses."""
        flavor = self.flavor
        return {
            "vcpus": flavor.vcpus,
            "memory_mb": flavor.memory_mb,
            "disk_gb": flavor.root_gb + flavor.ephemeral_gb + (flavor.swap + 1023) // 1024,
        }

    @classmethod
    def from_instance(
        cls,
        context,
        instance,
        num_instances: int = 1,
        image: dict | None = None,
        scheduler_hints: dict | None = None,
        instance_group=None,
        force_hosts: list[str] | None = None,
        force_nodes: list[str] | None = None,
    ) -> RequestSpec:
        return cls(
            context,
            instance_uuid=instance.uuid,
            project_id=instance.project_id,
            user_id=instance.user_id,
            flavor=instance.flavor,
            image={k: None if v is None else str(v) for k, v in (image or {}).items()},
            num_instances=num_instances,
            availability_zone=instance.availability_zone,
            scheduler_hints=scheduler_hints or {},
            ignore_hosts=None,
            force_hosts=force_hosts,
            force_nodes=force_nodes,
            instance_group=instance_group,
        )

    @base.remotable_classmethod
    def get_by_instance_uuid(cls, context, instance_uuid: str) -> RequestSpec:
        primitive = jsonutils.loads(base.db_api().request_spec_get(context, instance_uuid))
        spec = cls.obj_from_primitive(primitive, context)
        spec.obj_reset_changes(recursive=True)
        return spec

    @base.remotable_classmethod
    def get_by_instance_uuids(cls, context, instance_uuids: list[str]) -> list[RequestSpec]:
        """The specs of those instances that have one."""
        rows = base.db_api().request_spec_get_all(context, instance_uuids)
        return [cls.obj_from_primitive(jsonutils.loads(spec), context) for spec in rows]

    @base.remotable
    def save(self) -> None:
        stored = self.obj_clone()
        if "requested_destination" in stored:
            stored.requested_destination = None
        base.db_api().request_spec_save(
            self._context, self.instance_uuid, jsonutils.dumps(stored.obj_to_primitive())
        )
        self.obj_reset_changes(recursive=True)
