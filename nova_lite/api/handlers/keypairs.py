"""/os-keypairs: a user's key pairs (create or import, list, show, delete).

2.2 adds ssh/x509 ``type`` and answers create with 201, delete with 204;
from 2.10 an admin may act for another user (``user_id``); 2.35 pages the
list; from 2.92 the server no longer generates keys.
"""

from __future__ import annotations

import webob

from nova_lite.api import handler, pagination, policy
from nova_lite.api.schemas import keypairs as schemas
from nova_lite.api.views import keypairs as views
from nova_lite.compute import keypairs as keypair_api
from nova_lite.objects.keypair import KEYPAIR_TYPE_SSH

API = keypair_api.KeypairAPI()


def _user(req: webob.Request, rule: str, user_id: str | None):
    """The context and the user acted for: ``user_id`` if given, else the caller."""
    context = handler.context_of(req)
    user_id = user_id or context.user_id
    policy.authorize(context, rule, {"user_id": user_id})
    return context, user_id


def _queried_user(req: webob.Request) -> str | None:
    """The ``user_id`` query parameter, honoured from 2.10."""
    if handler.is_supported(req, "2.10") and "user_id" in req.GET:
        return req.GET.getall("user_id")[0]
    return None


@handler.handler(status=200, schema=schemas.create, max_version="2.1")
@handler.handler(status=201, schema=schemas.create_v22, min_version="2.2", max_version="2.9")
@handler.handler(status=201, schema=schemas.create_v210, min_version="2.10", max_version="2.91")
@handler.handler(status=201, schema=schemas.create_v292, min_version="2.92")
def create(req: webob.Request, body: dict) -> dict:
    """Import ``public_key``, or generate a key pair and return its private key once."""
    params = body["keypair"]
    context, user_id = _user(req, "os_compute_api:os-keypairs:create", params.get("user_id"))
    name = params["name"].strip()
    key_type = params.get("type", KEYPAIR_TYPE_SSH)
    if "public_key" in params:
        keypair = API.import_key_pair(context, user_id, name, params["public_key"], key_type)
        return {"keypair": views.create(req, keypair)}
    keypair, private_key = API.create_key_pair(context, user_id, name, key_type)
    return {"keypair": views.create(req, keypair, private_key)}


@handler.handler(max_version="2.9")
@handler.handler(query=schemas.query_v210, min_version="2.10", max_version="2.34")
@handler.handler(query=schemas.index_query_v235, min_version="2.35", max_version="2.74")
@handler.handler(query=schemas.index_query_v275, min_version="2.75")
def index(req: webob.Request) -> dict:
    context, user_id = _user(req, "os_compute_api:os-keypairs:index", _queried_user(req))
    limit = marker = None
    if handler.is_supported(req, "2.35"):
        limit, marker = pagination.limit_and_marker(req)
    return views.collection(req, API.get_key_pairs(context, user_id, limit, marker))


@handler.handler(max_version="2.9")
@handler.handler(query=schemas.query_v210, min_version="2.10", max_version="2.74")
@handler.handler(query=schemas.query_v275, min_version="2.75")
def show(req: webob.Request, keypair_name: str) -> dict:
    context, user_id = _user(req, "os_compute_api:os-keypairs:show", _queried_user(req))
    return {"keypair": views.show(req, API.get_key_pair(context, user_id, keypair_name))}


@handler.handler(status=202, max_version="2.1")
@handler.handler(status=204, min_version="2.2", max_version="2.9")
@handler.handler(status=204, query=schemas.query_v210, min_version="2.10", max_version="2.74")
@handler.handler(status=204, query=schemas.query_v275, min_version="2.75")
def delete(req: webob.Request, keypair_name: str) -> None:
    context, user_id = _user(req, "os_compute_api:os-keypairs:delete", _queried_user(req))
    API.delete_key_pair(context, user_id, keypair_name)
