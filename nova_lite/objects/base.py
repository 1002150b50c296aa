"""Base classes of nova-lite's versioned objects.

In every process but the conductor, ``NovaLiteObject.indirection_api`` is the
conductor's RPC API, so remotable methods run on the conductor.
"""

from __future__ import annotations

import datetime

from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields

remotable = ovo_base.remotable
remotable_classmethod = ovo_base.remotable_classmethod


class NovaLiteObjectRegistry(ovo_base.VersionedObjectRegistry):
    pass


register = NovaLiteObjectRegistry.register


class NovaLiteObject(ovo_base.VersionedObject, ovo_base.ComparableVersionedObject):
    """Base of all objects: serialised under the ``nova_object`` namespace."""

    OBJ_SERIAL_NAMESPACE = "nova_object"
    OBJ_PROJECT_NAMESPACE = "nova_lite"


class NovaLitePersistentObject:
    """Fields of rows that are timestamped and soft-deleted."""

    fields = {
        "created_at": fields.DateTimeField(nullable=True),
        "updated_at": fields.DateTimeField(nullable=True),
        "deleted_at": fields.DateTimeField(nullable=True),
        "deleted": fields.BooleanField(default=False),
    }


class ObjectListBase(ovo_base.ObjectListBase):
    pass


class NovaLiteObjectSerializer(ovo_base.VersionedObjectSerializer):
    OBJ_BASE_CLASS = NovaLiteObject


def db_api():
    """The DB query module, imported on first use: only the conductor runs it."""
    from nova_lite.db import api

    return api


def from_db_object(obj: NovaLiteObject, row, skip: tuple = ()) -> NovaLiteObject:
    """Copy the columns of ``row`` named like ``obj``'s plain fields."""
    for name, field in obj.fields.items():
        if name in skip or isinstance(field, fields.ObjectField):
            continue
        value = getattr(row, name, None)
        if name == "deleted":
            value = bool(value)
        setattr(obj, name, value)
    obj.obj_reset_changes()
    return obj


def make_list(context, list_obj: ObjectListBase, item_cls, rows, **kwargs) -> ObjectListBase:
    list_obj.objects = [
        item_cls._from_db_object(context, item_cls(), row, **kwargs) for row in rows
    ]
    list_obj._context = context
    list_obj.obj_reset_changes()
    return list_obj


def db_values(values: dict) -> dict:
    """Object values as the database takes them: naive UTC datetimes."""
    out = {}
    for key, value in values.items():
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        out[key] = value
    return out
