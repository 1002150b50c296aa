"""The whole REST surface in one table: URL and method to handler functions.

A method may map to several handlers with disjoint microversion ranges;
the dispatcher runs the one whose range holds the request's version.
"""

from __future__ import annotations

import routes

from nova_lite.api import handler
from nova_lite.api.handlers import (
    aggregates,
    api_document,
    availability_zones,
    flavor_access,
    flavor_extra_specs,
    flavors,
    hypervisors,
    instance_actions,
    ips,
    keypairs,
    limits,
    migrations,
    quota_classes,
    quota_sets,
    server_actions,
    server_groups,
    server_images,
    server_metadata,
    server_migration_actions,
    server_tags,
    servers,
    services,
    shelve,
    versions,
)

V21 = "/v2.1"

ROUTES: list[tuple[str, dict]] = [
    ("/", {"GET": [versions.index]}),
    ("/openapi.json", {"GET": [api_document.show]}),
    (V21, {"GET": [versions.show]}),
    (V21 + "/", {"GET": [versions.show]}),
    (V21 + "/openapi.json", {"GET": [api_document.show]}),
    (V21 + "/servers", {"GET": [servers.index], "POST": [servers.create]}),
    (V21 + "/servers/detail", {"GET": [servers.detail]}),
    (
        V21 + "/servers/{server_id}",
        {"GET": [servers.show], "PUT": [servers.update], "DELETE": [servers.delete]},
    ),
    (
        V21 + "/servers/{server_id}/action",
        {"POST": {**server_actions.ACTIONS, **server_images.ACTIONS, **shelve.ACTIONS}},
    ),
    (
        V21 + "/servers/{server_id}/metadata",
        {
            "GET": [server_metadata.index],
            "POST": [server_metadata.create],
            "PUT": [server_metadata.update_all],
        },
    ),
    (
        V21 + "/servers/{server_id}/metadata/{key}",
        {
            "GET": [server_metadata.show],
            "PUT": [server_metadata.update],
            "DELETE": [server_metadata.delete],
        },
    ),
    (
        V21 + "/servers/{server_id}/tags",
        {
            "GET": [server_tags.index],
            "PUT": [server_tags.update_all],
            "DELETE": [server_tags.delete_all],
        },
    ),
    (
        V21 + "/servers/{server_id}/tags/{tag}",
        {
            "GET": [server_tags.show],
            "PUT": [server_tags.update],
            "DELETE": [server_tags.delete],
        },
    ),
    (V21 + "/servers/{server_id}/ips", {"GET": [ips.index]}),
    (V21 + "/servers/{server_id}/ips/{network}", {"GET": [ips.show]}),
    (V21 + "/servers/{server_id}/os-instance-actions", {"GET": [instance_actions.index]}),
    (V21 + "/servers/{server_id}/migrations", {"GET": [migrations.server_index]}),
    (
        V21 + "/servers/{server_id}/migrations/{migration_id}",
        {"GET": [migrations.server_show], "DELETE": [server_migration_actions.delete]},
    ),
    (
        V21 + "/servers/{server_id}/migrations/{migration_id}/action",
        {"POST": server_migration_actions.ACTIONS},
    ),
    (
        V21 + "/servers/{server_id}/os-instance-actions/{request_id}",
        {"GET": [instance_actions.show]},
    ),
    (V21 + "/os-keypairs", {"GET": [keypairs.index], "POST": [keypairs.create]}),
    (
        V21 + "/os-keypairs/{keypair_name}",
        {"GET": [keypairs.show], "DELETE": [keypairs.delete]},
    ),
    (V21 + "/flavors", {"GET": [flavors.index], "POST": [flavors.create]}),
    (V21 + "/flavors/detail", {"GET": [flavors.detail]}),
    (
        V21 + "/flavors/{flavor_id}",
        {"GET": [flavors.show], "PUT": [flavors.update], "DELETE": [flavors.delete]},
    ),
    (V21 + "/flavors/{flavor_id}/action", {"POST": flavor_access.ACTIONS}),
    (V21 + "/flavors/{flavor_id}/os-flavor-access", {"GET": [flavor_access.index]}),
    (
        V21 + "/flavors/{flavor_id}/os-extra_specs",
        {"GET": [flavor_extra_specs.index], "POST": [flavor_extra_specs.create]},
    ),
    (
        V21 + "/flavors/{flavor_id}/os-extra_specs/{key}",
        {
            "GET": [flavor_extra_specs.show],
            "PUT": [flavor_extra_specs.update],
            "DELETE": [flavor_extra_specs.delete],
        },
    ),
    (V21 + "/os-services", {"GET": [services.index]}),
    (
        V21 + "/os-services/{service_id}",
        {"PUT": [services.update], "DELETE": [services.delete]},
    ),
    (V21 + "/os-hypervisors", {"GET": [hypervisors.index]}),
    (V21 + "/os-hypervisors/detail", {"GET": [hypervisors.detail]}),
    (V21 + "/os-hypervisors/statistics", {"GET": [hypervisors.statistics]}),
    (V21 + "/os-hypervisors/{hypervisor_id}", {"GET": [hypervisors.show]}),
    (V21 + "/os-hypervisors/{hypervisor_id}/uptime", {"GET": [hypervisors.uptime]}),
    (V21 + "/os-hypervisors/{pattern}/search", {"GET": [hypervisors.search]}),
    (V21 + "/os-hypervisors/{pattern}/servers", {"GET": [hypervisors.servers]}),
    (V21 + "/os-migrations", {"GET": [migrations.index]}),
    (
        V21 + "/os-server-groups",
        {"GET": [server_groups.index], "POST": [server_groups.create]},
    ),
    (
        V21 + "/os-server-groups/{group_id}",
        {"GET": [server_groups.show], "DELETE": [server_groups.delete]},
    ),
    (V21 + "/os-aggregates", {"GET": [aggregates.index], "POST": [aggregates.create]}),
    (
        V21 + "/os-aggregates/{aggregate_id}",
        {
            "GET": [aggregates.show],
            "PUT": [aggregates.update],
            "DELETE": [aggregates.delete],
        },
    ),
    (V21 + "/os-aggregates/{aggregate_id}/action", {"POST": aggregates.ACTIONS}),
    (V21 + "/os-availability-zone", {"GET": [availability_zones.index]}),
    (V21 + "/os-availability-zone/detail", {"GET": [availability_zones.detail]}),
    (
        V21 + "/os-quota-sets/{project_id}",
        {
            "GET": [quota_sets.show],
            "PUT": [quota_sets.update],
            "DELETE": [quota_sets.delete],
        },
    ),
    (V21 + "/os-quota-sets/{project_id}/defaults", {"GET": [quota_sets.defaults]}),
    (V21 + "/os-quota-sets/{project_id}/detail", {"GET": [quota_sets.detail]}),
    (
        V21 + "/os-quota-class-sets/{class_name}",
        {"GET": [quota_classes.show], "PUT": [quota_classes.update]},
    ),
    (V21 + "/limits", {"GET": [limits.index]}),
]


# Nova accepts the caller's project id after /v2.1 (required before 2.18, a
# compatibility path since): hexadecimal digits and dashes, as Nova's mapper.
URL_PROJECT_ID = "url_project_id"
_PROJECT_SEGMENT = "/{" + URL_PROJECT_ID + ":[0-9a-f-]+}"


def build_mapper(table: list[tuple[str, dict]] = ROUTES) -> routes.Mapper:
    """A routes mapper whose matches carry ``route``: the index of the table row.

    Each /v2.1 URL is connected twice: as written, then with a project id
    segment after /v2.1 (the match's ``url_project_id``).
    """
    mapper = routes.Mapper()
    for index, (path, _methods) in enumerate(table):
        mapper.connect(path, route=str(index))
    for index, (path, _methods) in enumerate(table):
        if path.startswith(V21):
            mapper.connect(V21 + _PROJECT_SEGMENT + path[len(V21) :], route=str(index))
    return mapper


def functions_of(handlers: list | dict) -> list:
    """A method's handler functions: its list, or every action's on an action URL."""
    if isinstance(handlers, dict):
        return [fn for fns in handlers.values() for fn in fns]
    return list(handlers)


def public_paths(table: list[tuple[str, dict]] = ROUTES) -> frozenset[str]:
    """URLs (without a trailing slash) whose every handler is public: served without auth."""
    return frozenset(
        path.rstrip("/")
        for path, methods in table
        if "{" not in path
        and all(handler.is_public(fn) for h in methods.values() for fn in functions_of(h))
    )


def methods_of(match: dict, table: list[tuple[str, dict]] = ROUTES) -> dict:
    """The method table of a mapper match (removing its ``route`` key)."""
    return table[int(match.pop("route"))][1]
