"""/servers: list, show, create, delete."""

from __future__ import annotations

import urllib.parse

import webob
from oslo_config import cfg
from oslo_utils import timeutils, uuidutils

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.handlers import to_bool
from nova_lite.api.schemas import servers as schemas
from nova_lite.api.views import servers as views
from nova_lite.compute import api as compute_api
from nova_lite.objects.flavor import Flavor

CONF = cfg.CONF

# The sort keys Nova accepts for servers.
SORT_KEYS = {
    "access_ip_v4",
    "access_ip_v6",
    "availability_zone",
    "config_drive",
    "created_at",
    "display_description",
    "display_name",
    "host",
    "hostname",
    "image_ref",
    "instance_type_id",
    "key_name",
    "launch_index",
    "launched_at",
    "locked_by",
    "node",
    "power_state",
    "progress",
    "project_id",
    "task_state",
    "terminated_at",
    "updated_at",
    "user_id",
    "uuid",
    "vm_state",
}
_compute: compute_api.API | None = None


def compute() -> compute_api.API:
    """The compute API client, created on first use (after RPC is set up)."""
    global _compute
    if _compute is None:
        _compute = compute_api.API()
    return _compute


def _status_filter(status: str) -> list[str]:
    states = [vm for vm, tasks in views._STATE_MAP.items() if tasks["default"] == status.upper()]
    if not states:
        raise exception.InvalidRequest(reason=f"Invalid status value: {status}")
    return states


def _filters(req: webob.Request, context) -> dict:
    params = req.GET
    filters: dict = {}
    all_tenants = "all_tenants" in params and (
        params["all_tenants"] == "" or to_bool(params["all_tenants"])
    )
    if all_tenants:
        policy.authorize(context, "os_compute_api:servers:index:get_all_tenants")
        if "project_id" in params:
            filters["project_id"] = params["project_id"]
    else:
        filters["project_id"] = context.project_id
    if "name" in params:
        filters["name"] = params["name"]
    if "status" in params:
        filters["vm_state"] = _status_filter(params["status"])
    if "reservation_id" in params:
        filters["reservation_id"] = params["reservation_id"]
    if "image" in params:
        filters["image_ref"] = params["image"]
    if "flavor" in params:
        try:
            filters["instance_type_id"] = Flavor.get_by_flavor_id(context, params["flavor"]).id
        except exception.FlavorNotFound:
            filters["instance_type_id"] = -1
    if "host" in params and context.is_admin:
        filters["host"] = params["host"]
    if "changes-since" in params:
        try:
            filters["changes-since"] = timeutils.normalize_time(
                timeutils.parse_isotime(params["changes-since"])
            )
        except ValueError:
            raise exception.ValidationError(
                field="changes-since", reason="It is not a valid ISO 8601 time."
            ) from None
        filters["deleted"] = None
    return filters


def _limit(req: webob.Request) -> int:
    try:
        limit = int(req.GET.get("limit", CONF.api.max_limit))
    except ValueError:
        raise exception.ValidationError(field="limit", reason="It is not an integer.") from None
    if limit < 0:
        raise exception.ValidationError(field="limit", reason="It must be >= 0.")
    return min(limit, CONF.api.max_limit)


def _list(req: webob.Request, detailed: bool) -> dict:
    context = handler.context_of(req)
    policy.authorize(
        context, "os_compute_api:servers:detail" if detailed else "os_compute_api:servers:index"
    )
    filters = _filters(req, context)
    if "changes-since" not in filters:
        filters["deleted"] = False
    read_context = context.elevated(read_deleted="yes") if "changes-since" in filters else context
    limit = _limit(req)
    sort_keys = req.GET.getall("sort_key") or None
    sort_dirs = req.GET.getall("sort_dir") or None
    for key in sort_keys or ():
        if key not in SORT_KEYS:
            raise exception.InvalidRequest(reason=f"Invalid sort_key {key}")
    for direction in sort_dirs or ():
        if direction not in ("asc", "desc"):
            raise exception.InvalidRequest(reason=f"Invalid sort_dir {direction}")
    if sort_keys and sort_dirs and len(sort_dirs) < len(sort_keys):
        sort_dirs = sort_dirs + ["desc"] * (len(sort_keys) - len(sort_dirs))
    instances = compute().get_all(
        read_context,
        filters,
        sort_keys=sort_keys,
        sort_dirs=sort_dirs,
        limit=limit,
        marker=req.GET.get("marker"),
        expected_attrs=["fault"] if detailed else None,
    )
    is_admin = policy.check_is_admin(context)
    body = {
        "servers": [
            views.detail(req, i, is_admin) if detailed else views.basic(req, i) for i in instances
        ]
    }
    if limit and len(instances) == limit:
        query = dict(req.GET)
        query.update(limit=limit, marker=instances[-1].uuid)
        suffix = "/detail" if detailed else ""
        body["servers_links"] = [
            {
                "rel": "next",
                "href": f"{req.application_url}/v2.1/servers{suffix}?"
                f"{urllib.parse.urlencode(query)}",
            }
        ]
    return body


@handler.handler()
def index(req: webob.Request) -> dict:
    return _list(req, detailed=False)


@handler.handler()
def detail(req: webob.Request) -> dict:
    return _list(req, detailed=True)


@handler.handler()
def show(req: webob.Request, server_id: str) -> dict:
    context = handler.context_of(req)
    instance = compute().get(context, server_id, expected_attrs=["fault"])
    policy.authorize(context, "os_compute_api:servers:show", {"project_id": instance.project_id})
    return {"server": views.detail(req, instance, policy.check_is_admin(context))}


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


@handler.handler(status=202, schema=schemas.create)
def create(req: webob.Request, body: dict) -> dict:
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:servers:create")
    server = body["server"]
    image_id = _image_id(server.get("imageRef"))
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
    instances, reservation_id = compute().create(
        context,
        flavor,
        image_id,
        server["name"],
        min_count=min_count,
        max_count=max_count,
        metadata=server.get("metadata"),
        availability_zone=server.get("availability_zone"),
        key_name=server.get("key_name"),
        user_data=server.get("user_data"),
    )
    if to_bool(server.get("return_reservation_id", False)):
        return {"reservation_id": reservation_id}
    first = instances[0]
    return {
        "server": {
            "id": first.uuid,
            "links": views.basic(req, first)["links"],
            "OS-DCF:diskConfig": "MANUAL",
            "security_groups": [{"name": "default"}],
        }
    }


@handler.handler(status=204)
def delete(req: webob.Request, server_id: str) -> None:
    context = handler.context_of(req)
    instance = compute().get(context, server_id)
    policy.authorize(context, "os_compute_api:servers:delete", {"project_id": instance.project_id})
    compute().delete(context, instance)


# Request attributes of PUT /servers/{id} to instance fields (diskConfig is not stored).
_UPDATABLE = {"name": "display_name", "accessIPv4": "access_ip_v4", "accessIPv6": "access_ip_v6"}


@handler.handler(schema=schemas.update)
def update(req: webob.Request, server_id: str, body: dict) -> dict:
    context = handler.context_of(req)
    instance = compute().get(context, server_id, expected_attrs=["fault"])
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
    return {"server": views.update(req, instance, policy.check_is_admin(context))}
