"""Migration bodies of /os-migrations and /servers/{id}/migrations, per microversion.

2.23 adds ``migration_type`` (and links to live migrations in progress);
2.59 the ``uuid``; 2.80 ``user_id`` and ``project_id``. Callers the
``...:host`` policy refuses see the hosts as null.
"""

from __future__ import annotations

import webob

from nova_lite.api import handler, pagination, views

# A live migration that /servers/{id}/migrations/{id} shows (Nova's list).
LIVE_IN_PROGRESS = ("queued", "preparing", "running", "post-migrating")
_HOSTS = ("source_compute", "source_node", "dest_compute", "dest_node", "dest_host")


def _common(req: webob.Request, migration, with_hosts: bool) -> dict:
    body = {
        "id": migration.id,
        "status": migration.status,
        "created_at": views.strtime(migration.created_at),
        "updated_at": views.strtime(migration.updated_at),
    }
    body.update({key: getattr(migration, key) if with_hosts else None for key in _HOSTS})
    if handler.is_supported(req, "2.59"):
        body["uuid"] = migration.uuid
    if handler.is_supported(req, "2.80"):
        body["user_id"] = migration.user_id
        body["project_id"] = migration.project_id
    return body


def os_migration(req: webob.Request, migration, with_hosts: bool = True) -> dict:
    """One item of GET /os-migrations."""
    body = {
        **_common(req, migration, with_hosts),
        "instance_uuid": migration.instance_uuid,
        "old_instance_type_id": migration.old_instance_type_id,
        "new_instance_type_id": migration.new_instance_type_id,
    }
    if handler.is_supported(req, "2.23"):
        body["migration_type"] = migration.migration_type
        if migration.migration_type == "live-migration" and migration.status in LIVE_IN_PROGRESS:
            body["links"] = views.link(
                req, f"servers/{migration.instance_uuid}/migrations", migration.id
            )
    return body


def os_migrations(req: webob.Request, migrations, with_hosts: bool) -> dict:
    """GET /os-migrations, with ``migrations_links`` after a full page from 2.59."""
    body = {"migrations": [os_migration(req, m, with_hosts) for m in migrations]}
    if handler.is_supported(req, "2.59"):
        links = pagination.next_links(req, "os-migrations", [m.uuid for m in migrations])
        if links:
            body["migrations_links"] = links
    return body


def server_migration(req: webob.Request, migration, with_hosts: bool = True) -> dict:
    """A live migration of GET /servers/{id}/migrations[/{id}] (no progress figures yet)."""
    return {
        **_common(req, migration, with_hosts),
        "server_uuid": migration.instance_uuid,
        "memory_total_bytes": None,
        "memory_processed_bytes": None,
        "memory_remaining_bytes": None,
        "disk_total_bytes": None,
        "disk_processed_bytes": None,
        "disk_remaining_bytes": None,
    }
