"""Flavor: the size of a server."""

from __future__ import annotations

from oslo_versionedobjects import fields

from nova_lite.objects import base


@base.register
class Flavor(base.NovaLiteObject):
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "flavorid": fields.StringField(),
        "name": fields.StringField(),
        "memory_mb": fields.IntegerField(),
        "vcpus": fields.IntegerField(),
        "root_gb": fields.IntegerField(default=0),
        "ephemeral_gb": fields.IntegerField(default=0),
        "swap": fields.IntegerField(default=0),
        "rxtx_factor": fields.FloatField(default=1.0),
        "vcpu_weight": fields.IntegerField(nullable=True),
        "disabled": fields.BooleanField(default=False),
        "is_public": fields.BooleanField(default=True),
        "description": fields.StringField(nullable=True),
        "extra_specs": fields.DictOfStringsField(default={}),
        "projects": fields.ListOfStringsField(default=[]),
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, flavor: Flavor, row) -> Flavor:
        base.from_db_object(flavor, row, skip=("extra_specs", "projects"))
        flavor.extra_specs = {spec.key: spec.value for spec in row.extra_specs}
        flavor.projects = [p.project_id for p in row.projects]
        flavor._context = context
        flavor.obj_reset_changes()
        return flavor

    @base.remotable_classmethod
    def get_by_flavor_id(cls, context, flavorid: str) -> Flavor:
        return cls._from_db_object(
            context, cls(), base.db_api().flavor_get_by_flavor_id(context, flavorid)
        )

    @base.remotable
    def create(self) -> None:
        values = {
            k: v
            for k, v in self.obj_get_changes().items()
            if k not in ("extra_specs", "projects", "id")
        }
        row = base.db_api().flavor_create(
            self._context,
            values,
            extra_specs=self.extra_specs if "extra_specs" in self else None,
            projects=self.projects if "projects" in self else None,
        )
        self._from_db_object(self._context, self, row)

    @base.remotable
    def save(self) -> None:
        """Store a changed ``description``, the one field Nova lets change."""
        changes = self.obj_get_changes()
        if "description" in changes:
            row = base.db_api().flavor_update(
                self._context, self.flavorid, {"description": changes["description"]}
            )
            self._from_db_object(self._context, self, row)

    @base.remotable
    def update_extra_specs(self, specs: dict) -> None:
        """Add or replace extra specs (string values)."""
        row = base.db_api().flavor_extra_specs_update(self._context, self.flavorid, specs)
        self._from_db_object(self._context, self, row)

    @base.remotable
    def delete_extra_spec(self, key: str) -> None:
        """Remove one extra spec; FlavorExtraSpecsNotFound when there is no such key."""
        row = base.db_api().flavor_extra_specs_delete(self._context, self.flavorid, key)
        self._from_db_object(self._context, self, row)

    @base.remotable
    def add_access(self, project_id: str) -> None:
        """Let a project use this (private) flavor; FlavorAccessExists when it may already."""
        row = base.db_api().flavor_access_add(self._context, self.flavorid, project_id)
        self._from_db_object(self._context, self, row)

    @base.remotable
    def remove_access(self, project_id: str) -> None:
        """Take a project's access away; FlavorAccessNotFound when it had none."""
        row = base.db_api().flavor_access_remove(self._context, self.flavorid, project_id)
        self._from_db_object(self._context, self, row)

    @base.remotable
    def destroy(self) -> None:
        base.db_api().flavor_destroy(self._context, self.flavorid)


@base.register
class FlavorList(base.ObjectListBase, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("Flavor")}

    @base.remotable_classmethod
    def get_all(
        cls,
        context,
        is_public: bool | None = True,
        min_memory_mb: int | None = None,
        min_root_gb: int | None = None,
        sort_key: str = "flavorid",
        sort_dir: str = "asc",
        limit: int | None = None,
        marker: str | None = None,
        disabled: bool | None = None,
    ) -> FlavorList:
        rows = base.db_api().flavor_get_all(
            context,
            is_public=is_public,
            min_memory_mb=min_memory_mb,
            min_root_gb=min_root_gb,
            sort_key=sort_key,
            sort_dir=sort_dir,
            limit=limit,
            marker=marker,
            disabled=disabled,
        )
        return base.make_list(context, cls(), Flavor, rows)
