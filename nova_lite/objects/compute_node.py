"""ComputeNode: the resources of one hypervisor, and the scheduler's claims."""

from __future__ import annotations

from oslo_versionedobjects import fields

from nova_lite.objects import base

RESOURCES = ("vcpus", "memory_mb", "disk_gb")


@base.register
class ComputeNode(base.NovaLitePersistentObject, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "service_id": fields.IntegerField(nullable=True),
        "host": fields.StringField(),
        "hypervisor_hostname": fields.StringField(),
        "hypervisor_type": fields.StringField(),
        "hypervisor_version": fields.IntegerField(default=0),
        "host_ip": fields.StringField(nullable=True),
        "cpu_info": fields.StringField(default="{}"),
        "vcpus": fields.IntegerField(),
        "memory_mb": fields.IntegerField(),
        "local_gb": fields.IntegerField(),
        "vcpus_used": fields.IntegerField(default=0),
        "memory_mb_used": fields.IntegerField(default=0),
        "local_gb_used": fields.IntegerField(default=0),
        "free_ram_mb": fields.IntegerField(nullable=True),
        "free_disk_gb": fields.IntegerField(nullable=True),
        "running_vms": fields.IntegerField(default=0),
        "current_workload": fields.IntegerField(default=0),
        "cpu_allocation_ratio": fields.FloatField(default=1.0),
        "ram_allocation_ratio": fields.FloatField(default=1.0),
        "disk_allocation_ratio": fields.FloatField(default=1.0),
        "reserved_host_memory_mb": fields.IntegerField(default=0),
        "reserved_host_disk_mb": fields.IntegerField(default=0),
        **base.NovaLitePersistentObject.fields,
    }

    @staticmethod
    def _from_db_object(context, node: ComputeNode, row) -> ComputeNode:
        base.from_db_object(node, row)
        node._context = context
        return node

    @base.remotable_classmethod
    def get_by_id(cls, context, node_id: int | str) -> ComputeNode:
        return cls._from_db_object(context, cls(), base.db_api().compute_node_get(context, node_id))

    @base.remotable
    def create(self) -> None:
        values = base.db_values(self.obj_get_changes())
        self._from_db_object(
            self._context, self, base.db_api().compute_node_create(self._context, values)
        )

    @base.remotable
    def save(self) -> None:
        values = base.db_values(self.obj_get_changes())
        values.pop("id", None)
        self._from_db_object(
            self._context, self, base.db_api().compute_node_update(self._context, self.id, values)
        )


@base.register
class ComputeNodeList(base.ObjectListBase, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("ComputeNode")}

    @base.remotable_classmethod
    def get_all(
        cls,
        context,
        host: str | None = None,
        limit: int | None = None,
        marker: int | str | None = None,
    ) -> ComputeNodeList:
        """Nodes by id, ``limit`` of them after ``marker`` (an id or uuid)."""
        rows = base.db_api().compute_node_get_all(context, host=host, limit=limit, marker=marker)
        return base.make_list(context, cls(), ComputeNode, rows)

    @base.remotable_classmethod
    def get_by_hypervisor(cls, context, pattern: str) -> ComputeNodeList:
        """Nodes whose hypervisor_hostname contains ``pattern``."""
        rows = base.db_api().compute_node_search_by_hypervisor(context, pattern)
        return base.make_list(context, cls(), ComputeNode, rows)


@base.register
class SchedulingView(base.NovaLiteObject):
    """What the scheduler needs in one call: nodes, their services, claims and
    aggregates."""

    VERSION = "1.0"
    fields: dict = {}

    @base.remotable_classmethod
    def get(cls, context, binary: str) -> dict:
        """``{"nodes": ComputeNodeList, "services": ServiceList, "usage": {...},
        "consumers": {node uuid: [consumer uuid]}, "aggregates": AggregateList}``."""
        from nova_lite.objects.aggregate import AggregateList
        from nova_lite.objects.service import ServiceList

        return {
            "nodes": ComputeNodeList.get_all(context),
            "services": ServiceList.get_all(context, binary=binary),
            "usage": base.db_api().allocation_usage_by_node(context),
            "consumers": base.db_api().allocation_consumers_by_node(context),
            "aggregates": AggregateList.get_all(context),
        }


@base.register
class Allocations(base.NovaLiteObject):
    """The resources the scheduler claimed on compute nodes, by consumer."""

    VERSION = "1.0"
    fields: dict = {}

    @base.remotable_classmethod
    def claim(cls, context, claims: list[dict]) -> list[str]:
        """Claim all or part of ``claims``; return the consumers that did not fit."""
        return base.db_api().allocation_claim(context, claims)

    @base.remotable_classmethod
    def usage_by_node(cls, context) -> dict:
        return base.db_api().allocation_usage_by_node(context)

    @base.remotable_classmethod
    def release(cls, context, consumer_uuid: str) -> None:
        base.db_api().allocation_delete(context, consumer_uuid)

    @base.remotable_classmethod
    def move(cls, context, source_consumer: str, target_consumer: str, if_held=False) -> bool:
        """Give the source consumer's allocation to the target, replacing the target's
        (unless ``if_held`` and the source holds nothing)."""
        return base.db_api().allocation_move(context, source_consumer, target_consumer, if_held)
