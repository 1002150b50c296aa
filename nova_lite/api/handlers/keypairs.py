"""/os-keypairs: a user's key pairs (create or import, list, show, delete).

At 2.1 a caller only ever works on their own key pairs (``user_id`` in the
query comes with 2.10), and there is no ``type`` (2.2).
"""

from __future__ import annotations

import webob

from nova_lite.api import handler, policy
from nova_lite.api.schemas import keypairs as schemas
from nova_lite.api.views import keypairs as views
from nova_lite.compute import keypairs as keypair_api

API = keypair_api.KeypairAPI()


def _user(req: webob.Request, rule: str):
    context = handler.context_of(req)
    policy.authorize(context, rule, {"user_id": context.user_id})
    return context, context.user_id


@handler.handler(status=200, schema=schemas.create)
def create(req: webob.Request, body: dict) -> dict:
    """Import ``public_key``, or generate a key pair and return its private key once."""
    context, user_id = _user(req, "os_compute_api:os-keypairs:create")
    params = body["keypair"]
    name = params["name"].strip()
    if "public_key" in params:
        keypair = API.import_key_pair(context, user_id, name, params["public_key"])
        return {"keypair": views.create(keypair)}
    keypair, private_key = API.create_key_pair(context, user_id, name)
    return {"keypair": views.create(keypair, private_key)}


@handler.handler()
def index(req: webob.Request) -> dict:
    context, user_id = _user(req, "os_compute_api:os-keypairs:index")
    keypairs = API.get_key_pairs(context, user_id)
    return {"keypairs": [{"keypair": views.basic(k)} for k in keypairs]}


@handler.handler()
def show(req: webob.Request, keypair_name: str) -> dict:
    context, user_id = _user(req, "os_compute_api:os-keypairs:show")
    return {"keypair": views.show(API.get_key_pair(context, user_id, keypair_name))}


@handler.handler(status=202)
def delete(req: webob.Request, keypair_name: str) -> None:
    context, user_id = _user(req, "os_compute_api:os-keypairs:delete")
    API.delete_key_pair(context, user_id, keypair_name)
