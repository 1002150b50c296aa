"""InstanceFault: why an instance went to ERROR."""

from __future__ import annotations

import traceback

from oslo_versionedobjects import fields

from nova_lite import exception
from nova_lite.objects import base


@base.register
class InstanceFault(base.NovaLitePersistentObject, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "instance_uuid": fields.UUIDField(),
        "code": fields.IntegerField(),
        "message": fields.StringField(nullable=True),
        "details": fields.StringField(nullable=True),
        "host": fields.StringField(nullable=True),
        **base.NovaLitePersistentObject.fields,
    }

    @staticmethod
    def _from_db_object(context, fault: InstanceFault, row) -> InstanceFault:
        base.from_db_object(fault, row)
        fault._context = context
        return fault

    @base.remotable_classmethod
    def get_latest_for_instance(cls, context, instance_uuid: str) -> InstanceFault | None:
        row = base.db_api().instance_fault_get_latest(context, instance_uuid)
        return None if row is None else cls._from_db_object(context, cls(), row)

    @base.remotable
    def create(self) -> None:
        values = base.db_values(self.obj_get_changes())
        self._from_db_object(
            self._context, self, base.db_api().instance_fault_create(self._context, values)
        )

    @classmethod
    def from_exception(
        cls, context, instance_uuid: str, error: BaseException, host: str | None = None
    ) -> InstanceFault:
        """A fault recording ``error`` (details only for unexpected errors)."""
        if isinstance(error, exception.NovaLiteException):
            code, message = error.code, error.format_message()
        else:  # other libraries' errors may carry a .code of their own kind
            code, message = 500, error.__class__.__name__
        details = "".join(traceback.format_exception(error)) if code >= 500 else ""
        return cls(
            context,
            instance_uuid=instance_uuid,
            code=code,
            message=message[:255],
            details=details,
            host=host,
        )
