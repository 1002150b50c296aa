"""Service: one running nova-lite daemon on one host, and its heartbeat."""

from __future__ import annotations

from oslo_config import cfg
from oslo_utils import timeutils
from oslo_versionedobjects import fields

from nova_lite.objects import base

CONF = cfg.CONF

# The service's RPC/object version, bumped when compute RPC changes.
SERVICE_VERSION = 1


@base.register
class Service(base.NovaLitePersistentObject, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "host": fields.StringField(),
        "binary": fields.StringField(),
        "topic": fields.StringField(nullable=True),
        "report_count": fields.IntegerField(default=0),
        "disabled": fields.BooleanField(default=False),
        "disabled_reason": fields.StringField(nullable=True),
        "last_seen_up": fields.DateTimeField(nullable=True),
        "forced_down": fields.BooleanField(default=False),
        "version": fields.IntegerField(default=SERVICE_VERSION),
        **base.NovaLitePersistentObject.fields,
    }

    @staticmethod
    def _from_db_object(context, service: Service, row) -> Service:
        base.from_db_object(service, row)
        service._context = context
        return service

    @base.remotable_classmethod
    def get_by_host_and_binary(cls, context, host: str, binary: str) -> Service:
        row = base.db_api().service_get_by_host_and_binary(context, host, binary)
        return cls._from_db_object(context, cls(), row)

    @base.remotable_classmethod
    def get_by_id(cls, context, service_id: int | str) -> Service:
        return cls._from_db_object(context, cls(), base.db_api().service_get(context, service_id))

    @base.remotable
    def create(self) -> None:
        row = base.db_api().service_create(self._context, base.db_values(self.obj_get_changes()))
        self._from_db_object(self._context, self, row)

    @base.remotable
    def save(self) -> None:
        row = base.db_api().service_update(
            self._context, self.id, base.db_values(self.obj_get_changes())
        )
        self._from_db_object(self._context, self, row)

    @base.remotable
    def heartbeat(self) -> None:
        """Count one report and stamp the time it was seen up."""
        row = base.db_api().service_update(
            self._context,
            self.id,
            {
                "report_count": self.report_count + 1,
                "last_seen_up": timeutils.utcnow().replace(tzinfo=None),
            },
        )
        self._from_db_object(self._context, self, row)

    @base.remotable
    def destroy(self) -> None:
        base.db_api().service_destroy(self._context, self.id)

    def is_up(self) -> bool:
        """Whether the last heartbeat is newer than ``service_down_time``."""
        if self.forced_down:
            return False
        seen = self.last_seen_up or self.updated_at or self.created_at
        if seen is None:
            return False
        elapsed = timeutils.delta_seconds(timeutils.normalize_time(seen), timeutils.utcnow())
        return abs(elapsed) <= CONF.service_down_time


@base.register
class ServiceList(base.ObjectListBase, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("Service")}

    @base.remotable_classmethod
    def get_all(
        cls,
        context,
        binary: str | None = None,
        host: str | None = None,
        disabled: bool | None = None,
    ) -> ServiceList:
        rows = base.db_api().service_get_all(context, binary=binary, host=host, disabled=disabled)
        return base.make_list(context, cls(), Service, rows)
