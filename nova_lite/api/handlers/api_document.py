"""GET /openapi.json and /v2.1/openapi.json: the API's OpenAPI document."""

from __future__ import annotations

import webob

from nova_lite.api import handler, openapi


@handler.public
@handler.handler()
def show(req: webob.Request) -> dict:
    """The OpenAPI 3.1 document of this API, with this endpoint as its server."""
    return {**openapi.document(), "servers": [{"url": req.application_url}]}
