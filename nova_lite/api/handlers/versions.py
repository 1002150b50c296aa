"""Version discovery: GET / and GET /v2.1."""

from __future__ import annotations

import webob

from nova_lite.api import handler, microversion

_MEDIA_TYPES = [
    {"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}
]


def _v21(req: webob.Request) -> dict:
    return {
        "id": "v2.1",
        "status": "CURRENT",
        "version": str(microversion.MAX_VERSION),
        "min_version": str(microversion.MIN_VERSION),
        "updated": "2013-07-23T11:33:21Z",
        "links": [{"rel": "self", "href": f"{req.application_url}/v2.1/"}],
    }


@handler.public
@handler.handler()
def index(req: webob.Request) -> dict:
    return {"versions": [_v21(req)]}


@handler.public
@handler.handler()
def show(req: webob.Request) -> dict:
    version = _v21(req)
    version["links"].append(
        {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"}
    )
    version["media-types"] = _MEDIA_TYPES
    return {"version": version}
