"""Aggregate: a named set of compute hosts with metadata (an availability zone
when it has the ``availability_zone`` key)."""

from __future__ import annotations

from oslo_versionedobjects import fields

from nova_lite.objects import base

AZ_KEY = "availability_zone"


@base.register
class Aggregate(base.NovaLitePersistentObject, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "name": fields.StringField(),
        "hosts": fields.ListOfStringsField(default=[]),
        "metadata": fields.DictOfStringsField(default={}),
        **base.NovaLitePersistentObject.fields,
    }

    @property
    def availability_zone(self) -> str | None:
        return self.metadata.get(AZ_KEY)

    @staticmethod
    def _from_db_object(context, aggregate: Aggregate, row) -> Aggregate:
        base.from_db_object(aggregate, row, skip=("hosts", "metadata"))
        aggregate.hosts = [h.host for h in row.host_rows]
        aggregate.metadata = {m.key: m.value for m in row.metadata_rows}
        aggregate._context = context
        aggregate.obj_reset_changes()
        return aggregate

    def _refresh(self, row) -> None:
        self._from_db_object(self._context, self, row)

    @base.remotable_classmethod
    def get_by_id(cls, context, aggregate_id: int | str) -> Aggregate:
        """By integer id or uuid; AggregateNotFound otherwise."""
        row = base.db_api().aggregate_get(context, aggregate_id)
        return cls._from_db_object(context, cls(), row)

    @base.remotable
    def create(self) -> None:
        """Insert it with its metadata; AggregateNameExists when the name is taken."""
        values = {"name": self.name}
        if "uuid" in self:
            values["uuid"] = self.uuid
        metadata = self.metadata if "metadata" in self else None
        self._refresh(base.db_api().aggregate_create(self._context, values, metadata))

    @base.remotable
    def save(self) -> None:
        """Write a new name."""
        values = {k: v for k, v in self.obj_get_changes().items() if k == "name"}
        self._refresh(base.db_api().aggregate_update(self._context, self.id, values))

    @base.remotable
    def update_metadata(self, updates: dict) -> None:
        """Set metadata keys; a None value deletes its key."""
        self._refresh(base.db_api().aggregate_metadata_update(self._context, self.id, updates))

    @base.remotable
    def add_host(self, host: str) -> None:
        self._refresh(base.db_api().aggregate_host_add(self._context, self.id, host))

    @base.remotable
    def delete_host(self, host: str) -> None:
        self._refresh(base.db_api().aggregate_host_delete(self._context, self.id, host))

    @base.remotable
    def destroy(self) -> None:
        base.db_api().aggregate_destroy(self._context, self.id)


@base.register
class AggregateList(base.ObjectListBase, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("Aggregate")}

    @base.remotable_classmethod
    def get_all(cls, context) -> AggregateList:
        return base.make_list(context, cls(), Aggregate, base.db_api().aggregate_get_all(context))

    @base.remotable_classmethod
    def get_by_host(cls, context, host: str, key: str | None = None) -> AggregateList:
        """Aggregates holding ``host`` (with metadata ``key``, when given)."""
        rows = base.db_api().aggregate_get_all(context, hosts=[host], key=key)
        return base.make_list(context, cls(), Aggregate, rows)

    @base.remotable_classmethod
    def get_by_metadata_key(
        cls, context, key: str, hosts: list[str] | None = None
    ) -> AggregateList:
        """Aggregates with metadata ``key`` (holding one of ``hosts``, when given)."""
        rows = base.db_api().aggregate_get_all(context, hosts=hosts, key=key)
        return base.make_list(context, cls(), Aggregate, rows)
