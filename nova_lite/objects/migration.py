"""Migration: the record of one move (resize, cold or live migration, evacuation).

A cold migration or resize goes through these statuses, as in Nova::

    pre-migrating -> migrating -> post-migrating -> finished
        finished -> confirming -> confirmed
        finished -> reverting  -> reverted
    (any step) -> error

A live migration: accepted -> queued -> preparing -> running ->
post-migrating -> completed, or error, or cancelled (aborted by an admin).
An evacuation: accepted -> pre-migrating -> done -> completed, or failed.

During the move the record is also the consumer of the source host's
allocation (see nova_lite.compute.moves).
"""

from __future__ import annotations

from oslo_versionedobjects import fields

from nova_lite import exception
from nova_lite.objects import base

MIGRATION = "migration"
RESIZE = "resize"
LIVE_MIGRATION = "live-migration"
EVACUATION = "evacuation"

# The instance is still on its source: the destination holds room for it.
BEFORE_FINISH = ("pre-migrating", "migrating", "post-migrating")
# The instance runs on its destination: the source keeps room for a revert.
AFTER_FINISH = ("finished", "confirming", "reverting")
IN_PROGRESS = BEFORE_FINISH + AFTER_FINISH
# A live migration's own statuses while it runs.
LIVE_IN_PROGRESS = ("accepted", "queued", "preparing", "running", "post-migrating")


@base.register
class Migration(base.NovaLitePersistentObject, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "source_compute": fields.StringField(nullable=True),
        "dest_compute": fields.StringField(nullable=True),
        "source_node": fields.StringField(nullable=True),
        "dest_node": fields.StringField(nullable=True),
        "dest_host": fields.StringField(nullable=True),
        "old_instance_type_id": fields.IntegerField(nullable=True),
        "new_instance_type_id": fields.IntegerField(nullable=True),
        "instance_uuid": fields.StringField(nullable=True),
        "status": fields.StringField(nullable=True),
        "migration_type": fields.StringField(nullable=True),
        "hidden": fields.BooleanField(default=False),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        **base.NovaLitePersistentObject.fields,
    }

    @staticmethod
    def _from_db_object(context, migration: Migration, row) -> Migration:
        base.from_db_object(migration, row)
        migration.hidden = bool(row.hidden)
        migration._context = context
        migration.obj_reset_changes()
        return migration

    @property
    def is_same_host(self) -> bool:
        return self.source_compute == self.dest_compute

    @base.remotable_classmethod
    def get_by_id(cls, context, migration_id: int | str) -> Migration:
        return cls._from_db_object(
            context, cls(), base.db_api().migration_get(context, migration_id)
        )

    @classmethod
    def get_by_id_and_instance(
        cls, context, migration_id: int | str, instance_uuid: str
    ) -> Migration:
        """Migration ``migration_id`` (a number) of the instance, or
        MigrationNotFoundForInstance."""
        not_found = exception.MigrationNotFoundForInstance(
            migration_id=migration_id, instance_id=instance_uuid
        )
        if not str(migration_id).isdigit():
            raise not_found
        try:
            migration = cls.get_by_id(context, int(migration_id))
        except exception.MigrationNotFound:
            raise not_found from None
        if migration.instance_uuid != instance_uuid:
            raise not_found
        return migration

    @base.remotable_classmethod
    def get_by_instance_and_status(cls, context, instance_uuid: str, status: str) -> Migration:
        """The newest migration of an instance in ``status`` (MigrationNotFoundByStatus)."""
        row = base.db_api().migration_get_by_instance_and_status(context, instance_uuid, status)
        return cls._from_db_object(context, cls(), row)

    @base.remotable
    def create(self) -> None:
        values = base.db_values(self.obj_get_changes())
        values.pop("id", None)
        self._from_db_object(
            self._context, self, base.db_api().migration_create(self._context, values)
        )

    @base.remotable
    def save(self) -> None:
        values = base.db_values(self.obj_get_changes())
        values.pop("id", None)
        if not values:
            return
        row = base.db_api().migration_update(self._context, self.id, values)
        self._from_db_object(self._context, self, row)


@base.register
class MigrationList(base.ObjectListBase, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("Migration")}

    @base.remotable_classmethod
    def get_by_filters(
        cls, context, filters: dict, limit: int | None = None, marker: str | None = None
    ) -> MigrationList:
        """Newest first; see nova_lite.db.api.migration_get_all_by_filters."""
        rows = base.db_api().migration_get_all_by_filters(context, filters, limit, marker)
        return base.make_list(context, cls(), Migration, rows)

    @classmethod
    def get_in_progress_by_host(cls, context, host: str) -> MigrationList:
        """Moves from or to ``host`` that are neither over nor failed."""
        return cls.get_by_filters(context, {"host": host, "status": list(IN_PROGRESS)})

    @classmethod
    def get_in_progress_by_instance(
        cls, context, instance_uuid: str, migration_type: str | None = None
    ) -> MigrationList:
        statuses = sorted(set(IN_PROGRESS + LIVE_IN_PROGRESS))
        filters: dict = {"instance_uuid": instance_uuid, "status": statuses}
        if migration_type is not None:
            filters["migration_type"] = migration_type
        return cls.get_by_filters(context, filters)

    @classmethod
    def get_unconfirmed_by_dest_compute(
        cls, context, confirm_window: int, dest_compute: str
    ) -> MigrationList:
        """Finished moves to ``dest_compute`` waiting longer than ``confirm_window`` s."""
        return cls.get_by_filters(
            context,
            {"dest_compute": dest_compute, "status": "finished", "older_than": confirm_window},
        )
