"""/flavors: list (filters, sorting, paging), show, create, update (2.55) and delete."""

from __future__ import annotations

import webob
from oslo_utils import uuidutils

from nova_lite import exception
from nova_lite.api import handler, pagination, policy
from nova_lite.api.handlers import to_bool
from nova_lite.api.schemas import flavors as schemas
from nova_lite.api.views import flavors as views
from nova_lite.objects.flavor import Flavor, FlavorList

_MAX_RXTX_FACTOR = 3.40282e38


def extra_specs_visible(req: webob.Request, context) -> bool:
    """From 2.61 flavor bodies carry extra specs, for callers allowed to index them."""
    return handler.is_supported(req, "2.61") and policy.allowed(
        context, "os_compute_api:os-flavor-extra-specs:index", {"project_id": context.project_id}
    )


def _int_filter(req: webob.Request, name: str) -> int | None:
    if name not in req.GET:
        return None
    try:
        return int(req.GET[name])
    except ValueError:
        raise exception.InvalidRequest(reason=f"Invalid {name} filter [{req.GET[name]}]") from None


def _is_public(value: str | None) -> bool | None:
    """The admin's ``is_public`` filter: public only by default, ``none`` for all."""
    if value is None:
        return True
    if value.lower() == "none":
        return None
    try:
        return to_bool(value)
    except ValueError:
        raise exception.InvalidRequest(reason=f"Invalid is_public filter [{value}]") from None


def _list(req: webob.Request, detailed: bool) -> dict:
    context = handler.context_of(req)
    # Only admins choose which flavors by is_public; others see the public
    # ones, those shared with their project, and no disabled ones.
    if context.is_admin:
        visibility = {"is_public": _is_public(req.GET.get("is_public"))}
    else:
        visibility = {"is_public": True, "disabled": False}
    limit, marker = pagination.limit_and_marker(req)
    try:
        flavors = FlavorList.get_all(
            context,
            min_memory_mb=_int_filter(req, "minRam"),
            min_root_gb=_int_filter(req, "minDisk"),
            sort_key=req.GET.get("sort_key") or "flavorid",
            sort_dir=req.GET.get("sort_dir") or "asc",
            limit=limit,
            marker=marker,
            **visibility,
        )
    except exception.MarkerNotFound:
        raise exception.InvalidRequest(reason=f"marker [{marker}] not found") from None
    return views.collection(req, flavors, detailed, detailed and extra_specs_visible(req, context))


@handler.handler(query=schemas.index_query, max_version="2.74")
@handler.handler(query=schemas.index_query_v275, min_version="2.75")
def index(req: webob.Request) -> dict:
    return _list(req, detailed=False)


@handler.handler(query=schemas.index_query, max_version="2.74")
@handler.handler(query=schemas.index_query_v275, min_version="2.75")
def detail(req: webob.Request) -> dict:
    return _list(req, detailed=True)


@handler.handler()
def show(req: webob.Request, flavor_id: str) -> dict:
    context = handler.context_of(req)
    flavor = Flavor.get_by_flavor_id(context, flavor_id)
    return {"flavor": views.detail(req, flavor, extra_specs_visible(req, context))}


def _rxtx_factor(value) -> float:
    factor = float(value)
    if not 0 < factor <= _MAX_RXTX_FACTOR:
        raise exception.InvalidRequest(
            reason=f"Invalid input received: 'rxtx_factor' argument must be a float "
            f"between 0 and {_MAX_RXTX_FACTOR:g}"
        )
    return factor


@handler.handler(schema=schemas.create, max_version="2.54")
@handler.handler(schema=schemas.create_v255, min_version="2.55")
def create(req: webob.Request, body: dict) -> dict:
    """Create a flavor (admin); 200, as Nova answers, and no access for the caller's project."""
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:os-flavor-manage:create", {})
    values = body["flavor"]
    flavor = Flavor(
        context,
        name=values["name"].strip(),
        flavorid=str(values.get("id") or uuidutils.generate_uuid()),
        memory_mb=int(values["ram"]),
        vcpus=int(values["vcpus"]),
        root_gb=int(values["disk"]),
        ephemeral_gb=int(values.get("OS-FLV-EXT-DATA:ephemeral", 0)),
        swap=int(values.get("swap", 0)),
        rxtx_factor=_rxtx_factor(values.get("rxtx_factor", 1.0)),
        is_public=to_bool(values.get("os-flavor-access:is_public", True)),
        description=values.get("description"),
        disabled=False,
        extra_specs={},
        projects=[],
    )
    flavor.create()
    return {"flavor": views.detail(req, flavor, extra_specs_visible(req, context))}


@handler.handler(schema=schemas.update, min_version="2.55")
def update(req: webob.Request, flavor_id: str, body: dict) -> dict:
    """Change a flavor's description (admin)."""
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:os-flavor-manage:update", {})
    flavor = Flavor.get_by_flavor_id(context, flavor_id)
    flavor.description = body["flavor"]["description"]
    flavor.save()
    return {"flavor": views.detail(req, flavor, extra_specs_visible(req, context))}


@handler.handler(status=202)
def delete(req: webob.Request, flavor_id: str) -> None:
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:os-flavor-manage:delete", {})
    Flavor.get_by_flavor_id(context, flavor_id).destroy()
