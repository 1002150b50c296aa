"""/servers/{id}/metadata and /servers/{id}/metadata/{key}."""

from __future__ import annotations

import contextlib

import webob

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.handlers.servers import compute
from nova_lite.api.schemas import server_metadata as schemas

NOT_FOUND = "Metadata item was not found"


def _instance(req: webob.Request, server_id: str, rule: str):
    context = handler.context_of(req)
    instance = compute().get(context, server_id)
    policy.authorize(context, rule, {"project_id": instance.project_id})
    return context, instance


@contextlib.contextmanager
def _named(action: str):
    """Name the refused operation as Nova does ("Cannot 'update metadata' instance ...")."""
    try:
        yield
    except exception.InstanceIsLocked:
        raise
    except exception.InstanceInvalidState as error:
        raise exception.InstanceInvalidState(**{**error.kwargs, "method": action}) from None


def _update(req, server_id: str, rule: str, metadata: dict, delete: bool) -> dict:
    context, instance = _instance(req, server_id, rule)
    with _named("update metadata"):
        return compute().update_instance_metadata(context, instance, metadata, delete=delete)


@handler.handler()
def index(req: webob.Request, server_id: str) -> dict:
    _, instance = _instance(req, server_id, "os_compute_api:server-metadata:index")
    return {"metadata": dict(instance.metadata)}


@handler.handler(schema=schemas.create)
def create(req: webob.Request, server_id: str, body: dict) -> dict:
    """POST: merge into the server's metadata (200, as Nova answers)."""
    rule = "os_compute_api:server-metadata:create"
    return {"metadata": _update(req, server_id, rule, body["metadata"], delete=False)}


@handler.handler(schema=schemas.update_all)
def update_all(req: webob.Request, server_id: str, body: dict) -> dict:
    """PUT: replace the server's metadata."""
    rule = "os_compute_api:server-metadata:update_all"
    return {"metadata": _update(req, server_id, rule, body["metadata"], delete=True)}


@handler.handler()
def show(req: webob.Request, server_id: str, key: str) -> dict:
    _, instance = _instance(req, server_id, "os_compute_api:server-metadata:show")
    if key not in instance.metadata:
        raise exception.NotFound(message=NOT_FOUND)
    return {"meta": {key: instance.metadata[key]}}


@handler.handler(schema=schemas.update)
def update(req: webob.Request, server_id: str, key: str, body: dict) -> dict:
    context, instance = _instance(req, server_id, "os_compute_api:server-metadata:update")
    if key not in body["meta"]:
        raise exception.InvalidRequest(reason="Request body and URI mismatch")
    with _named("update metadata"):
        compute().update_instance_metadata(context, instance, body["meta"], delete=False)
    return {"meta": body["meta"]}


@handler.handler(status=204)
def delete(req: webob.Request, server_id: str, key: str) -> None:
    context, instance = _instance(req, server_id, "os_compute_api:server-metadata:delete")
    if key not in instance.metadata:
        raise exception.NotFound(message=NOT_FOUND)
    with _named("delete metadata"):
        compute().delete_instance_metadata(context, instance, key)
