"""/os-aggregates: list, show, create, update, delete (admin), and the actions
add_host, remove_host and set_metadata."""

from __future__ import annotations

import webob
from oslo_utils import strutils

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.schemas import aggregates as schemas
from nova_lite.api.views import aggregates as views
from nova_lite.compute import aggregates as aggregates_api

RULE = "os_compute_api:os-aggregates:%s"
_api: aggregates_api.AggregateAPI | None = None


def api() -> aggregates_api.AggregateAPI:
    """The aggregate API, created on first use (after RPC is set up)."""
    global _api
    if _api is None:
        _api = aggregates_api.AggregateAPI()
    return _api


def _begin(req: webob.Request, action: str, aggregate_id: str | None = None):
    """Authorize ``action``; the context and the aggregate id as an integer."""
    context = handler.context_of(req)
    policy.authorize(context, RULE % action, {})
    if aggregate_id is None:
        return context, None
    try:
        return context, strutils.validate_integer(aggregate_id, "id")
    except ValueError as error:
        raise exception.InvalidRequest(reason=f"Invalid input received: {error}") from None


@handler.handler()
def index(req: webob.Request) -> dict:
    context, _ = _begin(req, "index")
    return {"aggregates": [views.aggregate(req, a) for a in api().get_aggregate_list(context)]}


@handler.handler(schema=schemas.create)
def create(req: webob.Request, body: dict) -> dict:
    context, _ = _begin(req, "create")
    values = body["aggregate"]
    zone = values.get("availability_zone")
    aggregate = api().create_aggregate(
        context, values["name"].strip(), zone.strip() if zone else zone
    )
    return {"aggregate": views.aggregate(req, aggregate, members=False)}


@handler.handler()
def show(req: webob.Request, aggregate_id: str) -> dict:
    context, agg_id = _begin(req, "show", aggregate_id)
    return {"aggregate": views.aggregate(req, api().get_aggregate(context, agg_id))}


@handler.handler(schema=schemas.update)
def update(req: webob.Request, aggregate_id: str, body: dict) -> dict:
    context, agg_id = _begin(req, "update", aggregate_id)
    values = dict(body["aggregate"])
    if "name" in values:
        values["name"] = values["name"].strip()
    return {"aggregate": views.aggregate(req, api().update_aggregate(context, agg_id, values))}


@handler.handler()
def delete(req: webob.Request, aggregate_id: str) -> None:
    """Answers 200 with no body, as Nova does."""
    context, agg_id = _begin(req, "delete", aggregate_id)
    api().delete_aggregate(context, agg_id)


@handler.handler(schema=schemas.add_host)
def add_host(req: webob.Request, aggregate_id: str, body: dict) -> dict:
    context, agg_id = _begin(req, "add_host", aggregate_id)
    aggregate = api().add_host_to_aggregate(context, agg_id, body["add_host"]["host"])
    return {"aggregate": views.aggregate(req, aggregate)}


@handler.handler(schema=schemas.remove_host)
def remove_host(req: webob.Request, aggregate_id: str, body: dict) -> dict:
    context, agg_id = _begin(req, "remove_host", aggregate_id)
    host = body["remove_host"]["host"]
    try:
        aggregate = api().remove_host_from_aggregate(context, agg_id, host)
    except (
        exception.AggregateNotFound,
        exception.AggregateHostNotFound,
        exception.ComputeHostNotFound,
    ):
        raise exception.NotFound(
            message=f"Cannot remove host {host} in aggregate {agg_id}"
        ) from None
    return {"aggregate": views.aggregate(req, aggregate)}


@handler.handler(schema=schemas.set_metadata)
def set_metadata(req: webob.Request, aggregate_id: str, body: dict) -> dict:
    context, agg_id = _begin(req, "set_metadata", aggregate_id)
    metadata = body["set_metadata"]["metadata"]
    aggregate = api().update_aggregate_metadata(context, agg_id, metadata)
    return {"aggregate": views.aggregate(req, aggregate)}


ACTIONS = {"add_host": [add_host], "remove_host": [remove_host], "set_metadata": [set_metadata]}
