"""/servers/{id}/tags (2.26): list, replace, clear; one tag: check, add, remove."""

from __future__ import annotations

import urllib.parse

import webob

from nova_lite import exception
from nova_lite.api import handler, policy, validation
from nova_lite.api.schemas import server_tags as schemas
from nova_lite.compute import vm_states
from nova_lite.objects.instance import Instance
from nova_lite.objects.tag import MAX_TAG_COUNT, Tag, TagList

# Tags change only on servers in these states (409 otherwise).
_CHANGEABLE = (vm_states.ACTIVE, vm_states.PAUSED, vm_states.SUSPENDED, vm_states.STOPPED)


def _server(req: webob.Request, server_id: str, rule: str, change: str | None = None):
    """The server, after the policy check against its project (403 for another
    project's, as Nova's); ``change`` names the change its state must allow."""
    context = handler.context_of(req)
    try:
        instance = Instance.get_by_uuid(context.elevated(), server_id)
    except exception.InstanceNotFound:
        raise exception.NotFound(
            message=f"Instance {server_id} has no mapping to a cell."
        ) from None
    policy.authorize(
        context, f"os_compute_api:os-server-tags:{rule}", {"project_id": instance.project_id}
    )
    if change is not None and instance.vm_state not in _CHANGEABLE:
        raise exception.InstanceInvalidState(
            attr="vm_state", state=instance.vm_state, method=change, instance_uuid=server_id
        )
    return context


@handler.handler(min_version="2.26")
def index(req: webob.Request, server_id: str) -> dict:
    context = _server(req, server_id, "index")
    return {"tags": [t.tag for t in TagList.get_by_resource_id(context, server_id)]}


@handler.handler(status=204, min_version="2.26")
def show(req: webob.Request, server_id: str, tag: str) -> None:
    context = _server(req, server_id, "show")
    if not Tag.exists(context, server_id, tag):
        raise exception.NotFound(message=f"Server {server_id} has no tag '{tag}'")


@handler.handler(schema=schemas.update_all, min_version="2.26")
def update_all(req: webob.Request, server_id: str, body: dict) -> dict:
    context = _server(req, server_id, "update_all", "update tags")
    return {"tags": [t.tag for t in TagList.create(context, server_id, body["tags"])]}


@handler.handler(schema=schemas.update, min_version="2.26")
def update(req: webob.Request, server_id: str, tag: str, body: None) -> webob.Response:
    """Add one tag: 201 with its Location, or 204 when the server has it already."""
    context = _server(req, server_id, "update", "update tag")
    try:
        validation.validate(schemas.tag, tag)
    except exception.ValidationError as error:
        raise exception.InvalidRequest(
            reason=f"Tag '{tag}' is invalid. It must be a non empty string without "
            f"characters '/' and ','. Validation error message: {error.kwargs['reason']}"
        ) from None
    tags = [t.tag for t in TagList.get_by_resource_id(context, server_id)]
    if len(tags) >= MAX_TAG_COUNT:
        raise exception.InvalidRequest(
            reason=f"The number of tags exceeded the per-server limit {MAX_TAG_COUNT}"
        )
    if tag in tags:
        return webob.Response(status=204, content_type=None)
    Tag(context, resource_id=server_id, tag=tag).create()
    response = webob.Response(status=201, content_type=None)
    quoted = urllib.parse.quote(tag, safe="")
    response.location = f"{req.application_url}/v2.1/servers/{server_id}/tags/{quoted}"
    return response


@handler.handler(status=204, min_version="2.26")
def delete(req: webob.Request, server_id: str, tag: str) -> None:
    context = _server(req, server_id, "delete", "delete tag")
    Tag.destroy(context, server_id, tag)


@handler.handler(status=204, min_version="2.26")
def delete_all(req: webob.Request, server_id: str) -> None:
    context = _server(req, server_id, "delete_all", "delete tags")
    TagList.destroy(context, server_id)
