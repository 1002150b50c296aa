"""Aggregate bodies, per microversion."""

from __future__ import annotations

import webob

from nova_lite.api import handler, views


def aggregate(req: webob.Request, agg, members: bool = True) -> dict:
    """Nova's aggregate body; ``members=False`` leaves out hosts and metadata (as
    the create response does). ``uuid`` from 2.41."""
    body = {
        "id": agg.id,
        "name": agg.name,
        "availability_zone": agg.availability_zone,
        "created_at": views.strtime(agg.created_at),
        "updated_at": views.strtime(agg.updated_at),
        "deleted_at": views.strtime(agg.deleted_at),
        "deleted": agg.deleted,
    }
    if members:
        body.update(hosts=list(agg.hosts), metadata=dict(agg.metadata))
    if handler.is_supported(req, "2.41"):
        body["uuid"] = agg.uuid
    return body
