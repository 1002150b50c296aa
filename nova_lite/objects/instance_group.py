"""InstanceGroup: a server group, whose policy the scheduler applies to its members."""

from __future__ import annotations

from oslo_serialization import jsonutils
from oslo_versionedobjects import fields

from nova_lite.objects import base


@base.register
class InstanceGroup(base.NovaLitePersistentObject, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "name": fields.StringField(nullable=True),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "policy": fields.StringField(nullable=True),
        # Only max_server_per_host (anti-affinity), as in Nova.
        "rules": fields.DictOfIntegersField(default={}),
        "members": fields.ListOfStringsField(default=[]),
        # Hosts of the members; not stored, filled when the group is read by uuid.
        "hosts": fields.ListOfStringsField(nullable=True),
        **base.NovaLitePersistentObject.fields,
    }

    @property
    def policies(self) -> list[str]:
        """The policy as the list the API shows before microversion 2.64."""
        return [self.policy] if self.policy else []

    @staticmethod
    def _from_db_object(context, group: InstanceGroup, row, hosts=None) -> InstanceGroup:
        base.from_db_object(group, row, skip=("rules", "members", "hosts"))
        group.rules = jsonutils.loads(row.rules) if row.rules else {}
        group.members = [m.instance_uuid for m in row.member_rows]
        group.hosts = hosts
        group._context = context
        group.obj_reset_changes()
        return group

    @base.remotable_classmethod
    def get_by_uuid(cls, context, uuid: str) -> InstanceGroup:
        """The group with its members and their hosts; InstanceGroupNotFound otherwise."""
        db = base.db_api()
        row = db.instance_group_get(context, uuid)
        return cls._from_db_object(context, cls(), row, db.instance_group_hosts(context, uuid))

    @base.remotable_classmethod
    def get_by_instance_uuid(cls, context, instance_uuid: str) -> InstanceGroup:
        """The group the instance is a member of; InstanceGroupNotFound otherwise."""
        row = base.db_api().instance_group_get_by_instance(context, instance_uuid)
        return cls._from_db_object(context, cls(), row)

    @base.remotable_classmethod
    def add_members(cls, context, group_uuid: str, instance_uuids: list[str]) -> list[str]:
        """Add the instances to the group; the uuids that were not members yet."""
        return base.db_api().instance_group_members_add(context, group_uuid, instance_uuids)

    @base.remotable
    def create(self) -> None:
        values = {
            k: v
            for k, v in self.obj_get_changes().items()
            if k in ("uuid", "name", "user_id", "project_id", "policy")
        }
        values["rules"] = jsonutils.dumps(self.rules if "rules" in self else {})
        row = base.db_api().instance_group_create(self._context, values)
        self._from_db_object(self._context, self, row, hosts=[])

    @base.remotable
    def destroy(self) -> None:
        base.db_api().instance_group_destroy(self._context, self.uuid)


@base.register
class InstanceGroupList(base.ObjectListBase, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("InstanceGroup")}

    @base.remotable_classmethod
    def get_all(cls, context) -> InstanceGroupList:
        rows = base.db_api().instance_group_get_all(context)
        return base.make_list(context, cls(), InstanceGroup, rows)

    @base.remotable_classmethod
    def get_by_project_id(cls, context, project_id: str) -> InstanceGroupList:
        rows = base.db_api().instance_group_get_all(context, project_id=project_id)
        return base.make_list(context, cls(), InstanceGroup, rows)
