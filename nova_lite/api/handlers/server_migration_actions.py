"""Control of a server's live migration in progress: force it to complete
(2.22+) or abort it (2.24+; queued and preparing ones too from 2.65)."""

from __future__ import annotations

import webob

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.handlers.servers import compute
from nova_lite.api.schemas import server_migration_actions as schemas


def _instance(req: webob.Request, server_id: str, rule: str):
    context = handler.context_of(req)
    instance = compute().get(context, server_id)
    policy.authorize(context, rule, {"project_id": instance.project_id})
    return context, instance


def _named(error: exception.InstanceInvalidState, action: str, server_id: str):
    """The 409 naming the API action, as Nova words it."""
    return exception.InstanceInvalidState(
        **{**error.kwargs, "method": action, "instance_uuid": server_id}
    )


@handler.handler(status=202, schema=schemas.force_complete, min_version="2.22")
def force_complete(req: webob.Request, server_id: str, migration_id: str, body: dict) -> None:
    context, instance = _instance(
        req, server_id, "os_compute_api:servers:migrations:force_complete"
    )
    try:
        compute().live_migrate_force_complete(context, instance, migration_id)
    except exception.InstanceInvalidState as error:
        raise _named(error, "force_complete", server_id) from None
    except exception.MigrationNotFound as error:
        raise exception.InvalidRequest(reason=error.format_message()) from None


@handler.handler(status=202, min_version="2.24")
def delete(req: webob.Request, server_id: str, migration_id: str) -> None:
    context, instance = _instance(req, server_id, "os_compute_api:servers:migrations:delete")
    try:
        compute().live_migrate_abort(
            context,
            instance,
            migration_id,
            support_abort_in_queue=handler.is_supported(req, "2.65"),
        )
    except exception.InstanceInvalidState as error:
        raise _named(error, "abort live migration", server_id) from None


ACTIONS = {"force_complete": [force_complete]}
