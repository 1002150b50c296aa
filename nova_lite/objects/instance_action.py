"""InstanceAction and its events: the history ``os-instance-actions`` shows."""

from __future__ import annotations

import traceback

from oslo_utils import timeutils
from oslo_versionedobjects import fields

from nova_lite.objects import base


@base.register
class InstanceAction(base.NovaLitePersistentObject, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "action": fields.StringField(nullable=True),
        "instance_uuid": fields.UUIDField(nullable=True),
        "request_id": fields.StringField(nullable=True),
        "user_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "start_time": fields.DateTimeField(nullable=True),
        "finish_time": fields.DateTimeField(nullable=True),
        "message": fields.StringField(nullable=True),
        **base.NovaLitePersistentObject.fields,
    }

    @staticmethod
    def _from_db_object(context, action: InstanceAction, row) -> InstanceAction:
        base.from_db_object(action, row)
        action._context = context
        return action

    @base.remotable_classmethod
    def action_start(cls, context, instance_uuid: str, action: str) -> InstanceAction:
        """Record that ``context``'s request started ``action`` on an instance."""
        row = base.db_api().action_start(
            context,
            {
                "action": action,
                "instance_uuid": instance_uuid,
                "request_id": context.request_id,
                "user_id": context.user_id,
                "project_id": context.project_id,
                "start_time": timeutils.utcnow().replace(tzinfo=None),
            },
        )
        return cls._from_db_object(context, cls(), row)

    @base.remotable_classmethod
    def get_by_request_id(
        cls, context, instance_uuid: str, request_id: str
    ) -> InstanceAction | None:
        row = base.db_api().action_get_by_request_id(context, instance_uuid, request_id)
        return None if row is None else cls._from_db_object(context, cls(), row)


@base.register
class InstanceActionList(base.ObjectListBase, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("InstanceAction")}

    @base.remotable_classmethod
    def get_by_instance_uuid(
        cls,
        context,
        instance_uuid: str,
        limit: int | None = None,
        marker: str | None = None,
        filters: dict | None = None,
    ) -> InstanceActionList:
        """Newest first; ``marker`` is a request id, ``filters`` changes-since/-before."""
        rows = base.db_api().actions_get(context, instance_uuid, limit, marker, filters)
        return base.make_list(context, cls(), InstanceAction, rows)


@base.register
class InstanceActionEvent(base.NovaLitePersistentObject, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "event": fields.StringField(nullable=True),
        "action_id": fields.IntegerField(nullable=True),
        "start_time": fields.DateTimeField(nullable=True),
        "finish_time": fields.DateTimeField(nullable=True),
        "result": fields.StringField(nullable=True),
        "traceback": fields.StringField(nullable=True),
        "host": fields.StringField(nullable=True),
        "details": fields.StringField(nullable=True),
        **base.NovaLitePersistentObject.fields,
    }

    @staticmethod
    def _from_db_object(context, event: InstanceActionEvent, row) -> InstanceActionEvent:
        base.from_db_object(event, row)
        event._context = context
        return event

    @base.remotable_classmethod
    def event_start(
        cls, context, instance_uuid: str, event: str, host: str | None = None
    ) -> InstanceActionEvent:
        row = base.db_api().action_event_start(
            context,
            {
                "instance_uuid": instance_uuid,
                "request_id": context.request_id,
                "event": event,
                "host": host,
                "start_time": timeutils.utcnow().replace(tzinfo=None),
            },
        )
        return cls._from_db_object(context, cls(), row)

    @base.remotable_classmethod
    def event_finish(
        cls,
        context,
        instance_uuid: str,
        event: str,
        result: str = "Success",
        tb: str | None = None,
        details: str | None = None,
    ) -> None:
        base.db_api().action_event_finish(
            context,
            {
                "instance_uuid": instance_uuid,
                "request_id": context.request_id,
                "event": event,
                "result": result,
                "traceback": tb,
                "details": details,
                "finish_time": timeutils.utcnow().replace(tzinfo=None),
            },
        )

    @classmethod
    def event_finish_with_failure(
        cls, context, instance_uuid: str, event: str, error: BaseException
    ) -> None:
        cls.event_finish(
            context,
            instance_uuid,
            event,
            result="Error",
            tb="".join(traceback.format_exception(error)),
            details=str(error)[:255],
        )


@base.register
class InstanceActionEventList(base.ObjectListBase, base.NovaLiteObject):
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("InstanceActionEvent")}

    @base.remotable_classmethod
    def get_by_action(cls, context, action_id: int) -> InstanceActionEventList:
        rows = base.db_api().action_events_get(context, action_id)
        return base.make_list(context, cls(), InstanceActionEvent, rows)
