"""/flavors: list, show, create (admin), delete (admin)."""

from __future__ import annotations

import webob
from oslo_utils import uuidutils

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.handlers import to_bool
from nova_lite.api.schemas import flavors as schemas
from nova_lite.api.views import flavors as views
from nova_lite.objects.flavor import Flavor, FlavorList

_SORT_KEYS = {
    "created_at",
    "description",
    "disabled",
    "ephemeral_gb",
    "flavorid",
    "id",
    "is_public",
    "memory_mb",
    "name",
    "root_gb",
    "rxtx_factor",
    "swap",
    "updated_at",
    "vcpu_weight",
    "vcpus",
}


def _int_param(req: webob.Request, name: str) -> int | None:
    if name not in req.GET:
        return None
    try:
        return int(req.GET[name])
    except ValueError:
        raise exception.ValidationError(field=name, reason="It is not an integer.") from None


def _is_public(req: webob.Request, context) -> bool | None:
    value = req.GET.get("is_public")
    if value is None:
        return True
    if value.lower() == "none":
        return None if context.is_admin else True
    try:
        return to_bool(value)
    except ValueError:
        raise exception.ValidationError(
            field="is_public", reason=f"Invalid value {value}."
        ) from None


def _list(req: webob.Request, view) -> dict:
    context = handler.context_of(req)
    sort_key = req.GET.get("sort_key", "flavorid")
    sort_dir = req.GET.get("sort_dir", "asc")
    if sort_key not in _SORT_KEYS or sort_dir not in ("asc", "desc"):
        raise exception.InvalidRequest(reason="Invalid sort_key or sort_dir.")
    flavors = FlavorList.get_all(
        context,
        is_public=_is_public(req, context),
        min_memory_mb=_int_param(req, "minRam"),
        min_root_gb=_int_param(req, "minDisk"),
        sort_key=sort_key,
        sort_dir=sort_dir,
        limit=_int_param(req, "limit"),
        marker=req.GET.get("marker"),
    )
    return {"flavors": [view(req, f) for f in flavors]}


@handler.handler()
def index(req: webob.Request) -> dict:
    return _list(req, views.basic)


@handler.handler()
def detail(req: webob.Request) -> dict:
    return _list(req, views.detail)


@handler.handler()
def show(req: webob.Request, flavor_id: str) -> dict:
    flavor = Flavor.get_by_flavor_id(handler.context_of(req), flavor_id)
    return {"flavor": views.detail(req, flavor)}


@handler.handler(schema=schemas.create)
def create(req: webob.Request, body: dict) -> dict:
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:os-flavor-manage:create")
    values = body["flavor"]
    flavor = Flavor(
        context,
        name=values["name"].strip(),
        flavorid=str(values.get("id") or uuidutils.generate_uuid()),
        memory_mb=int(values["ram"]),
        vcpus=int(values["vcpus"]),
        root_gb=int(values["disk"]),
        ephemeral_gb=int(values.get("OS-FLV-EXT-DATA:ephemeral", 0)),
        swap=int(values.get("swap") or 0),
        rxtx_factor=float(values.get("rxtx_factor", 1.0)),
        is_public=to_bool(values.get("os-flavor-access:is_public", True)),
        disabled=False,
        extra_specs={},
        projects=[],
    )
    flavor.create()
    return {"flavor": views.detail(req, flavor)}


@handler.handler(status=202)
def delete(req: webob.Request, flavor_id: str) -> None:
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:os-flavor-manage:delete")
    Flavor.get_by_flavor_id(context, flavor_id).destroy()
