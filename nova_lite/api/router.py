"""The whole REST surface in one table: URL and method to handler functions.

A method may map to several handlers with disjoint microversion ranges;
the dispatcher runs the one whose range holds the request's version.
"""

from __future__ import annotations

import routes

from nova_lite.api.handlers import (
    flavors,
    hypervisors,
    instance_actions,
    ips,
    keypairs,
    migrations,
    server_actions,
    server_metadata,
    servers,
    services,
    versions,
)

V21 = "/v2.1"

ROUTES: list[tuple[str, dict]] = [
    ("/", {"GET": [versions.index]}),
    (V21, {"GET": [versions.show]}),
    (V21 + "/", {"GET": [versions.show]}),
    (V21 + "/servers", {"GET": [servers.index], "POST": [servers.create]}),
    (V21 + "/servers/detail", {"GET": [servers.detail]}),
    (
        V21 + "/servers/{server_id}",
        {"GET": [servers.show], "PUT": [servers.update], "DELETE": [servers.delete]},
    ),
    (V21 + "/servers/{server_id}/action", {"POST": server_actions.ACTIONS}),
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
    (V21 + "/servers/{server_id}/ips", {"GET": [ips.index]}),
    (V21 + "/servers/{server_id}/ips/{network}", {"GET": [ips.show]}),
    (V21 + "/servers/{server_id}/os-instance-actions", {"GET": [instance_actions.index]}),
    (V21 + "/servers/{server_id}/migrations", {"GET": [migrations.server_index]}),
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
    (V21 + "/flavors/{flavor_id}", {"GET": [flavors.show], "DELETE": [flavors.delete]}),
    (V21 + "/os-services", {"GET": [services.index]}),
    (V21 + "/os-hypervisors", {"GET": [hypervisors.index]}),
    (V21 + "/os-hypervisors/detail", {"GET": [hypervisors.detail]}),
    (V21 + "/os-migrations", {"GET": [migrations.index]}),
]


def build_mapper(table: list[tuple[str, dict]] = ROUTES) -> routes.Mapper:
    """A routes mapper whose matches carry ``route``: the index of the table row."""
    mapper = routes.Mapper()
    for index, (path, _methods) in enumerate(table):
        mapper.connect(path, route=str(index))
    return mapper


def methods_of(match: dict, table: list[tuple[str, dict]] = ROUTES) -> dict:
    """The method table of a mapper match (removing its ``route`` key)."""
    return table[int(match.pop("route"))][1]
