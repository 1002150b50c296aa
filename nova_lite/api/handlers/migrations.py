"""/os-migrations (admin: every move) and /servers/{id}/migrations[/{id}] (2.23+:
the server's live migrations in progress).

os-migrations pages and filters on changes-since from 2.59, changes-before
from 2.66, user_id and project_id from 2.80.
"""

from __future__ import annotations

import webob

from nova_lite import exception
from nova_lite.api import handler, pagination, policy
from nova_lite.api.handlers.servers import compute
from nova_lite.api.schemas import migrations as schemas
from nova_lite.api.views import migrations as views
from nova_lite.objects import migration as migration_obj
from nova_lite.objects.migration import Migration, MigrationList

# The query parameters that filter os-migrations (Nova passes the query through
# to its database filters; these are the ones it knows).
_FILTERS = (
    "status",
    "instance_uuid",
    "source_compute",
    "host",
    "migration_type",
    "user_id",
    "project_id",
)


@handler.handler(query=schemas.list_query, max_version="2.58")
@handler.handler(query=schemas.list_query_v259, min_version="2.59", max_version="2.65")
@handler.handler(query=schemas.list_query_v266, min_version="2.66", max_version="2.79")
@handler.handler(query=schemas.list_query_v280, min_version="2.80")
def index(req: webob.Request) -> dict:
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:os-migrations:index")
    filters = {key: req.GET[key] for key in _FILTERS if key in req.GET}
    if filters.get("project_id") != context.project_id:
        policy.authorize(context, "os_compute_api:os-migrations:index:all_projects")
    if "host" in filters:
        filters.pop("source_compute", None)  # host covers both ends, as in Nova
    filters["hidden"] = False
    limit = marker = None
    if handler.is_supported(req, "2.59"):
        limit, marker = pagination.limit_and_marker(req)
        filters.update(pagination.changes_filters(req, before=handler.is_supported(req, "2.66")))
    migrations = MigrationList.get_by_filters(context, filters, limit=limit, marker=marker)
    with_hosts = policy.allowed(context, "os_compute_api:os-migrations:index:host", {})
    return views.os_migrations(req, migrations, with_hosts)


def _server(req: webob.Request, server_id: str, rule: str):
    context = handler.context_of(req)
    instance = compute().get(context, server_id)
    target = {"project_id": instance.project_id}
    policy.authorize(context, rule, target)
    return context, instance, target


@handler.handler(min_version="2.23")
def server_index(req: webob.Request, server_id: str) -> dict:
    context, instance, target = _server(req, server_id, "os_compute_api:servers:migrations:index")
    with_hosts = policy.allowed(context, "os_compute_api:servers:migrations:index:host", target)
    migrations = compute().get_migrations_in_progress_by_instance(
        context, instance.uuid, migration_obj.LIVE_MIGRATION
    )
    return {
        "migrations": [
            views.server_migration(req, m, with_hosts)
            for m in migrations
            if m.status in views.LIVE_IN_PROGRESS
        ]
    }


@handler.handler(min_version="2.23")
def server_show(req: webob.Request, server_id: str, migration_id: str) -> dict:
    """One live migration of the server while it is in progress; 404 otherwise."""
    context, instance, _ = _server(req, server_id, "os_compute_api:servers:migrations:show")
    try:
        if not migration_id.isdigit():
            raise exception.MigrationNotFound(migration_id=migration_id)
        migration = Migration.get_by_id(context, migration_id)
        if migration.instance_uuid != instance.uuid:
            raise exception.MigrationNotFound(migration_id=migration_id)
    except exception.MigrationNotFound:
        raise exception.NotFound(
            message=f"In-progress live migration {migration_id} is not found for server "
            f"{server_id}."
        ) from None
    if migration.migration_type != migration_obj.LIVE_MIGRATION:
        raise exception.NotFound(
            message=f"Migration {migration_id} for server {server_id} is not live-migration."
        )
    if migration.status not in views.LIVE_IN_PROGRESS:
        raise exception.NotFound(
            message=f"Live migration {migration_id} for server {server_id} is not in progress."
        )
    return {"migration": views.server_migration(req, migration)}
