"""Response bodies built from objects."""

from __future__ import annotations

import webob

from nova_lite.api import handler


def link(req: webob.Request, collection: str, item_id: str) -> list[dict]:
    """Nova's self and bookmark links for one item (with the URL's project id, if any)."""
    project_id = handler.url_project_of(req)
    path = f"{project_id}/{collection}/{item_id}" if project_id else f"{collection}/{item_id}"
    base = req.application_url
    return [
        {"rel": "self", "href": f"{base}/v2.1/{path}"},
        {"rel": "bookmark", "href": f"{base}/{path}"},
    ]


def isotime(value) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def strtime(value) -> str | None:
    """A datetime as Nova's JSON serializer writes one: ``2018-04-25T01:26:29.000000``."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.%f")
