"""Tag: a string attached to a server (2.26), and a server's tags."""

from __future__ import annotations

from oslo_versionedobjects import fields

from nova_lite.objects import base

# Nova's limits: at most this many tags per server, each this long at most.
MAX_TAG_COUNT = 50
MAX_TAG_LENGTH = 60


@base.register
class Tag(base.NovaLiteObject):
    VERSION = "1.0"

    fields = {
        "resource_id": fields.StringField(),
        "tag": fields.StringField(),
    }

    @staticmethod
    def _from_db_object(context, tag: Tag, row) -> Tag:
        base.from_db_object(tag, row)
        tag._context = context
        return tag

    @base.remotable
    def create(self) -> None:
        """Add the tag to its server (InstanceNotFound when it is gone)."""
        row = base.db_api().tag_add(self._context, self.resource_id, self.tag)
        self._from_db_object(self._context, self, row)

    @base.remotable_classmethod
    def destroy(cls, context, resource_id: str, name: str) -> None:
        """Remove one tag; InstanceTagNotFound when the server does not have it."""
        base.db_api().tag_delete(context, resource_id, name)

    @base.remotable_classmethod
    def exists(cls, context, resource_id: str, name: str) -> bool:
        return base.db_api().tag_exists(context, resource_id, name)


@base.register
class TagList(base.ObjectListBase, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("Tag")}

    @base.remotable_classmethod
    def get_by_resource_id(cls, context, resource_id: str) -> TagList:
        rows = base.db_api().tag_get_by_resource_id(context, resource_id)
        return base.make_list(context, cls(), Tag, rows)

    @base.remotable_classmethod
    def create(cls, context, resource_id: str, tags: list[str]) -> TagList:
        """Replace all the server's tags with ``tags``."""
        rows = base.db_api().tag_set(context, resource_id, tags)
        return base.make_list(context, cls(), Tag, rows)

    @base.remotable_classmethod
    def destroy(cls, context, resource_id: str) -> None:
        base.db_api().tag_delete_all(context, resource_id)
