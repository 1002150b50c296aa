"""/os-quota-sets/{project_id}: a project's limits, or a user's with ``?user_id=``.

show, detail (limit, in_use, reserved), defaults, update (admin; a limit
below usage is a 400 unless ``force``) and delete (back to the defaults).
"""

from __future__ import annotations

import math

import webob

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.handlers import to_bool
from nova_lite.api.schemas import quota_sets as schemas
from nova_lite.api.views import quotas as views
from nova_lite.objects.quotas import Quotas


def _authorize(req: webob.Request, action: str, project_id: str):
    context = handler.context_of(req)
    policy.authorize(context, f"os_compute_api:os-quota-sets:{action}", {"project_id": project_id})
    return context


def _user_id(req: webob.Request) -> str | None:
    """The first ``user_id`` of the query, as Nova reads it."""
    values = req.GET.getall("user_id")
    return values[0] if values and values[0] else None


@handler.handler(query=schemas.show_query, max_version="2.74")
@handler.handler(query=schemas.show_query_v275, min_version="2.75")
def show(req: webob.Request, project_id: str) -> dict:
    context = _authorize(req, "show", project_id)
    limits = Quotas.get_quotas(context, project_id, _user_id(req))
    return {"quota_set": views.quota_set(limits, views.hidden_quotas(req), project_id)}


@handler.handler(query=schemas.show_query, max_version="2.74")
@handler.handler(query=schemas.show_query_v275, min_version="2.75")
def detail(req: webob.Request, project_id: str) -> dict:
    context = _authorize(req, "detail", project_id)
    quotas = Quotas.get_quotas(context, project_id, _user_id(req), usages=True)
    return {
        "quota_set": views.quota_set(views.detail(quotas), views.hidden_quotas(req), project_id)
    }


@handler.handler(query=schemas.defaults_query)
def defaults(req: webob.Request, project_id: str) -> dict:
    context = _authorize(req, "defaults", project_id)
    limits = Quotas.get_defaults(context)
    return {"quota_set": views.quota_set(limits, views.hidden_quotas(req), project_id)}


def _check_range(name: str, limit: int, minimum: int, maximum: int) -> None:
    """A 400 unless ``minimum <= limit <= maximum`` (-1 is unlimited)."""

    def value(v: int) -> float:
        return math.inf if v == -1 else v

    if value(limit) < value(minimum):
        raise exception.InvalidRequest(
            reason=f"Quota limit {limit} for {name} must be greater than or equal to "
            f"already used and reserved {minimum}."
        )
    if value(limit) > value(maximum):
        raise exception.InvalidRequest(
            reason=f"Quota limit {limit} for {name} must be less than or equal to {maximum}."
        )


@handler.handler(schema=schemas.update, query=schemas.show_query, max_version="2.35")
@handler.handler(
    schema=schemas.update_v236, query=schemas.show_query, min_version="2.36", max_version="2.56"
)
@handler.handler(
    schema=schemas.update_v257, query=schemas.show_query, min_version="2.57", max_version="2.74"
)
@handler.handler(schema=schemas.update_v257, query=schemas.show_query_v275, min_version="2.75")
def update(req: webob.Request, project_id: str, body: dict) -> dict:
    """Set limits; each must lie between the usage (and what the project's
    users' limits add up to) and, for a user, what the project leaves."""
    context = _authorize(req, "update", project_id)
    user_id = _user_id(req)
    quota_set = body["quota_set"]
    if "networks" in quota_set:
        raise exception.InvalidRequest(reason="The networks quota has been removed")
    limits = {name: int(value) for name, value in quota_set.items() if name != "force"}
    if not to_bool(quota_set.get("force", False)):
        settable = Quotas.get_settable_quotas(context, project_id, user_id)
        for name, limit in limits.items():
            _check_range(name, limit, **settable[name])
    if limits:
        Quotas.update_limits(context, project_id, limits, user_id)
    limits = Quotas.get_quotas(context, project_id, user_id)
    return {"quota_set": views.quota_set(limits, views.hidden_quotas(req))}


@handler.handler(status=202, query=schemas.show_query, max_version="2.74")
@handler.handler(status=202, query=schemas.show_query_v275, min_version="2.75")
def delete(req: webob.Request, project_id: str) -> None:
    """Forget the project's limits (or the user's): the defaults apply again."""
    context = _authorize(req, "delete", project_id)
    Quotas.destroy_all(context, project_id, _user_id(req))
