"""/servers: list, show, create, update and delete, at every microversion."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import webob
from oslo_config import cfg
from oslo_utils import uuidutils

from nova_lite import availability_zones, background, crypto, exception
from nova_lite.api import handler, pagination, policy
from nova_lite.api.handlers import server_search, to_bool
from nova_lite.api.schemas import servers as schemas
from nova_lite.api.views import servers as views
from nova_lite.compute import api as compute_api
from nova_lite.objects.flavor import Flavor

_compute: compute_api.API | None = None

CONF = cfg.CONF


def compute() -> compute_api.API:
    """The compute API client, created on first use (after RPC is set up)."""
    global _compute
    if _compute is None:
        _compute = compute_api.API()
    return _compute


def expected_attrs(req: webob.Request) -> list[str]:
    """What a detailed server body needs loaded: its fault, and its tags from 2.26."""
    return ["fault", "tags"] if handler.is_supported(req, "2.26") else ["fault"]


def get_for_view(req: webob.Request, server_id: str):
    """The instance as a detailed body shows it (the caller's, or any for admins)."""
    return compute().get(handler.context_of(req), server_id, expected_attrs(req))


# -- list ------------------------------------------------------------------------------
# The query schema of each microversion range of GET /servers and /servers/detail.
_QUERY_RANGES = (
    ("2.1", "2.25", schemas.query_v21),
    ("2.26", "2.65", schemas.query_v226),
    ("2.66", "2.72", schemas.query_v266),
    ("2.73", "2.74", schemas.query_v273),
    ("2.75", None, schemas.query_v275),
)


def _listing(fn: Callable) -> Callable:
    """Declare a list handler under each range of _QUERY_RANGES."""
    for low, high, query in _QUERY_RANGES:
        fn = handler.handler(query=query, min_version=low, max_version=high)(fn)
    return fn


def _list(req: webob.Request, detailed: bool) -> dict:
    context = handler.context_of(req)
    policy.authorize(
        context, "os_compute_api:servers:detail" if detailed else "os_compute_api:servers:index"
    )
    search = server_search.parse(req, detailed)
    instances = []
    if search.filters is not None:
        # Without a ``deleted`` filter (changes-since/-before), deleted servers are listed too.
        read = context if "deleted" in search.filters else context.elevated(read_deleted="yes")
        instances = compute().get_all(
            read,
            search.filters,
            sort_keys=search.sort_keys,
            sort_dirs=search.sort_dirs,
            limit=search.limit,
            marker=search.marker,
            expected_attrs=expected_attrs(req) if detailed else None,
        )
    if detailed:
        body = {"servers": views.details(req, instances, views.Viewer.of(req))}
    else:
        body = {"servers": [views.basic(req, i) for i in instances]}
    links = pagination.next_links(
        req, "servers/detail" if detailed else "servers", [i.uuid for i in instances]
    )
    if links:
        body["servers_links"] = links
    return body


@_listing
def index(req: webob.Request) -> dict:
    return _list(req, detailed=False)


@_listing
def detail(req: webob.Request) -> dict:
    return _list(req, detailed=True)


@handler.handler()
def show(req: webob.Request, server_id: str) -> dict:
    context = handler.context_of(req)
    instance = get_for_view(req, server_id)
    policy.authorize(context, "os_compute_api:servers:show", {"project_id": instance.project_id})
    return {"server": views.detail(req, instance, views.Viewer.of(req, instance.project_id))}


# -- create ----------------------------------------------------------------------------
def _flavor_id(flavor_ref) -> str:
    """A flavorRef is an id or a URL ending in one."""
    return str(flavor_ref).rstrip("/").rsplit("/", 1)[-1]


def _image_id(image_ref: str | None) -> str:
    if not image_ref:
        raise exception.InvalidRequest(reason="Missing imageRef attribute")
    image_id = image_ref.rstrip("/").rsplit("/", 1)[-1]
    if not uuidutils.is_uuid_like(image_id):
        raise exception.InvalidRequest(reason="Invalid imageRef provided.")
    return image_id


@contextlib.contextmanager
def image_not_found_as_bad_request(message: str) -> Iterator[None]:
    """Nova's 400 with ``message`` when the image of a create or rebuild is missing."""
    try:
        yield
    except exception.ImageNotFound:
        raise exception.InvalidRequest(reason=message) from None


def _check_networks(networks) -> None:
    """There is no network service: a server gets "auto", "none" or an empty
    list; any network or port asked for by id does not exist (Nova's 400s)."""
    if not isinstance(networks, list):
        return
    for network in networks:
        if network.get("port"):
            raise exception.InvalidRequest(reason=f"Port id {network['port']} could not be found.")
        if "uuid" not in network:
            raise exception.InvalidRequest(reason="Bad network format: missing 'uuid'")
        if not uuidutils.is_uuid_like(network["uuid"]):
            raise exception.InvalidRequest(
                reason="Bad networks format: network uuid is not in proper format "
                f"({network['uuid']})"
            )
        raise exception.InvalidRequest(reason=f"Network {network['uuid']} could not be found.")


def _requested_destination(req: webob.Request, server: dict, forced: bool) -> dict:
    """2.74's host and hypervisor_hostname (admins; not with ``zone:host:node``)."""
    host, node = server.get("host"), server.get("hypervisor_hostname")
    if not host and not node:
        return {}
    context = handler.context_of(req)
    policy.authorize(context, "compute:servers:create:requested_destination")
    if forced:
        raise exception.InvalidRequest(
            reason="One mechanism with host and/or hypervisor_hostname and another "
            "mechanism with zone:host:node are mutually exclusive."
        )
    return {"requested_host": host, "requested_node": node}


def admin_password(given: str | None) -> str:
    """The caller's admin password, or a generated one."""
    return given if given is not None else crypto.generate_password(CONF.password_length)


def with_password(body: dict, password: str | None) -> dict:
    """``body`` with ``adminPass`` when ``[api] enable_instance_password`` allows it."""
    if CONF.api.enable_instance_password:
        body["adminPass"] = password
    return body


@handler.handler(status=202, schema=schemas.create_v294, min_version="2.94")
@handler.handler(status=202, schema=schemas.create_v290, min_version="2.90", max_version="2.93")
@handler.handler(status=202, schema=schemas.create_v274, min_version="2.74", max_version="2.89")
@handler.handler(status=202, schema=schemas.create_v257, min_version="2.57", max_version="2.73")
@handler.handler(status=202, schema=schemas.create_v252, min_version="2.52", max_version="2.56")
@handler.handler(status=202, schema=schemas.create_v242, min_version="2.42", max_version="2.51")
@handler.handler(status=202, schema=schemas.create_v237, min_version="2.37", max_version="2.41")
@handler.handler(status=202, schema=schemas.create_v232, min_version="2.32", max_version="2.36")
@handler.handler(status=202, schema=schemas.create_v219, min_version="2.19", max_version="2.31")
@handler.handler(status=202, schema=schemas.create_v21, max_version="2.18")
def create(req: webob.Request, body: dict) -> dict:
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:servers:create")
    server = body["server"]
    image_id = _image_id(server.get("imageRef"))
    # The Glance round trip overlaps the flavor lookup (and the checks after it).
    fetch_image = background.start(context, compute().image_api.get, image_id)
    try:
        flavor = Flavor.get_by_flavor_id(context, _flavor_id(server["flavorRef"]))
    except exception.FlavorNotFound:
        raise exception.InvalidRequest(reason="Invalid flavorRef provided.") from None
    if flavor.disabled:
        raise exception.InvalidRequest(reason="Flavor is disabled.")
    min_count = int(server.get("min_count", 1))
    max_count = int(server.get("max_count", min_count))
    if min_count > max_count:
        raise exception.InvalidRequest(reason="min_count must be <= max_count")
    zone, forced_host, forced_node = availability_zones.parse_availability_zone(
        server.get("availability_zone")
    )
    if forced_host or forced_node:
        policy.authorize(context, "os_compute_api:servers:create:forced_host")
    destination = _requested_destination(req, server, bool(forced_host or forced_node))
    _check_networks(server.get("networks"))
    # Before 2.19 the description is the name.
    description = server.get("description") if handler.is_supported(req, "2.19") else server["name"]
    password = admin_password(server.get("adminPass"))
    try:
        with image_not_found_as_bad_request("Can not find requested image"):
            instances, reservation_id = compute().create(
                context,
                flavor,
                image_id,
                server["name"],
                min_count=min_count,
                max_count=max_count,
                metadata=server.get("metadata"),
                availability_zone=zone,
                key_name=server.get("key_name"),
                user_data=server.get("user_data"),
                description=description,
                hostname=server.get("hostname"),
                tags=server.get("tags"),
                scheduler_hints=body.get("os:scheduler_hints")
                or body.get("OS-SCH-HNT:scheduler_hints"),
                forced_host=forced_host,
                forced_node=forced_node,
                admin_password=password,
                fetch_image=fetch_image,
                **destination,
            )
    except exception.ComputeHostNotFound as error:
        raise exception.InvalidRequest(reason=error.format_message()) from None
    if to_bool(server.get("return_reservation_id", False)):
        return {"reservation_id": reservation_id}
    first = instances[0]
    links = views.basic(req, first)["links"]
    body = {
        "server": with_password(
            {
                "id": first.uuid,
                "links": links,
                "OS-DCF:diskConfig": "MANUAL",
                "security_groups": server.get("security_groups", [{"name": "default"}]),
            },
            password,
        )
    }
    return handler.json_response(202, body, headers={"Location": links[0]["href"]})


# -- delete, update --------------------------------------------------------------------
@handler.handler(status=204)
def delete(req: webob.Request, server_id: str) -> None:
    context = handler.context_of(req)
    instance = compute().get(context, server_id)
    policy.authorize(context, "os_compute_api:servers:delete", {"project_id": instance.project_id})
    compute().delete(context, instance)


# Request attributes of PUT /servers/{id} to instance fields (diskConfig is not stored).
_UPDATABLE = {
    "name": "display_name",
    "description": "display_description",
    "hostname": "hostname",
    "accessIPv4": "access_ip_v4",
    "accessIPv6": "access_ip_v6",
}


@handler.handler(schema=schemas.update_v294, min_version="2.94")
@handler.handler(schema=schemas.update_v290, min_version="2.90", max_version="2.93")
@handler.handler(schema=schemas.update_v219, min_version="2.19", max_version="2.89")
@handler.handler(schema=schemas.update_v21, max_version="2.18")
def update(req: webob.Request, server_id: str, body: dict) -> dict:
    context = handler.context_of(req)
    instance = get_for_view(req, server_id)
    policy.authorize(
        context,
        "os_compute_api:servers:update",
        {"user_id": instance.user_id, "project_id": instance.project_id},
    )
    server = body["server"]
    updates = {field: server[key] for key, field in _UPDATABLE.items() if key in server}
    if "display_name" in updates:
        updates["display_name"] = updates["display_name"].strip()
    instance = compute().update_instance(context, instance, updates)
    return {"server": views.update(req, instance, views.Viewer.of(req, instance.project_id))}
