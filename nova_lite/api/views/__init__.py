"""Response bodies built from objects."""

from __future__ import annotations

import webob


def link(req: webob.Request, collection: str, item_id: str) -> list[dict]:
    """Nova's self and bookmark links for one item."""
    base = req.application_url
    return [
        {"rel": "self", "href": f"{base}/v2.1/{collection}/{item_id}"},
        {"rel": "bookmark", "href": f"{base}/{collection}/{item_id}"},
    ]


def isotime(value) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def strtime(value) -> str | None:
    """A datetime as Nova's JSON serializer writes one: ``2018-04-25T01:26:29.000000``."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.%f")
