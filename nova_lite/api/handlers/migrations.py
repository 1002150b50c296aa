"""/os-migrations (admin: every move) and /servers/{id}/migrations (2.23+:
the server's live migrations in progress)."""

from __future__ import annotations

import webob

from nova_lite.api import handler, policy
from nova_lite.api.handlers.servers import compute
from nova_lite.objects import migration as migration_obj

# The query parameters os-migrations filters on before 2.59 (others are ignored).
_FILTERS = ("status", "instance_uuid", "source_compute", "host", "migration_type")


def _time(value) -> str | None:
    """Nova's format of these bodies' times (no time zone, microseconds)."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _common(migration) -> dict:
    return {
        "id": migration.id,
        "source_compute": migration.source_compute,
        "source_node": migration.source_node,
        "dest_compute": migration.dest_compute,
        "dest_node": migration.dest_node,
        "dest_host": migration.dest_host,
        "status": migration.status,
        "created_at": _time(migration.created_at),
        "updated_at": _time(migration.updated_at),
    }


def _os_migration(migration) -> dict:
    """One item of GET /os-migrations at 2.1."""
    return {
        **_common(migration),
        "instance_uuid": migration.instance_uuid,
        "old_instance_type_id": migration.old_instance_type_id,
        "new_instance_type_id": migration.new_instance_type_id,
    }


def _server_migration(migration) -> dict:
    """One item of GET /servers/{id}/migrations at 2.23 (no progress figures yet)."""
    return {
        **_common(migration),
        "server_uuid": migration.instance_uuid,
        "memory_total_bytes": None,
        "memory_processed_bytes": None,
        "memory_remaining_bytes": None,
        "disk_total_bytes": None,
        "disk_processed_bytes": None,
        "disk_remaining_bytes": None,
    }


@handler.handler()
def index(req: webob.Request) -> dict:
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:os-migrations:index")
    filters = {key: req.GET[key] for key in _FILTERS if key in req.GET}
    filters["hidden"] = False
    migrations = compute().get_migrations(context, filters)
    return {"migrations": [_os_migration(m) for m in migrations]}


@handler.handler(min_version="2.23")
def server_index(req: webob.Request, server_id: str) -> dict:
    context = handler.context_of(req)
    instance = compute().get(context, server_id)
    policy.authorize(
        context, "os_compute_api:servers:migrations:index", {"project_id": instance.project_id}
    )
    migrations = compute().get_migrations_in_progress_by_instance(
        context, instance.uuid, migration_obj.LIVE_MIGRATION
    )
    return {"migrations": [_server_migration(m) for m in migrations]}
