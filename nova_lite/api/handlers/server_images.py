"""The createImage server action: a snapshot of the server's disk in Glance."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import webob

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.handlers.servers import compute
from nova_lite.api.schemas import server_images as schemas
from nova_lite.compute import quotas


@contextlib.contextmanager
def named_conflict(action: str, server_id: str) -> Iterator[None]:
    """Word a state conflict (409) with the API action's name, as Nova does."""
    try:
        yield
    except exception.InstanceInvalidState as error:
        if type(error) is not exception.InstanceInvalidState:
            raise
        raise exception.InstanceInvalidState(
            **{**error.kwargs, "method": action, "instance_uuid": server_id}
        ) from None


@handler.handler(status=202, schema=schemas.create_image)
def create_image(req: webob.Request, server_id: str, body: dict) -> webob.Response | dict:
    """Answers 202 with the image's URL in ``Location`` and no body to 2.44, with
    ``{"image_id": ...}`` from 2.45. The metadata (extra image properties) counts
    against the metadata items quota before 2.39."""
    context = handler.context_of(req)
    instance = compute().get(context, server_id)
    policy.authorize(
        context, "os_compute_api:servers:create_image", {"project_id": instance.project_id}
    )
    params = body["createImage"]
    metadata = params.get("metadata", {})
    if not handler.is_supported(req, "2.39"):
        try:
            quotas.check_metadata_items(context, metadata)
        except exception.MetadataLimitExceeded:
            raise exception.Forbidden(message="Image metadata limit exceeded") from None
    with named_conflict("createImage", server_id):
        image = compute().snapshot(
            context, instance, params["name"].strip(), extra_properties=metadata
        )
    if handler.is_supported(req, "2.45"):
        return {"image_id": image["id"]}
    location = compute().image_api.image_url(context, image["id"])
    return handler.json_response(202, None, headers={"Location": location})


ACTIONS = {"createImage": [create_image]}
