"""Key pair bodies, per microversion: ``type`` from 2.2, ``keypairs_links`` from 2.35."""

from __future__ import annotations

import webob

from nova_lite.api import handler, pagination, views


def _typed(req: webob.Request, body: dict, keypair) -> dict:
    if handler.is_supported(req, "2.2"):
        body["type"] = keypair.type
    return body


def basic(req: webob.Request, keypair) -> dict:
    """One item of GET /os-keypairs."""
    body = {
        "name": keypair.name,
        "public_key": keypair.public_key,
        "fingerprint": keypair.fingerprint,
    }
    return _typed(req, body, keypair)


def create(req: webob.Request, keypair, private_key: str | None = None) -> dict:
    """POST /os-keypairs: the private key only when the server generated it."""
    body = {
        "name": keypair.name,
        "public_key": keypair.public_key,
        "fingerprint": keypair.fingerprint,
        "user_id": keypair.user_id,
    }
    if private_key is not None:
        body["private_key"] = private_key
    return _typed(req, body, keypair)


def show(req: webob.Request, keypair) -> dict:
    """GET /os-keypairs/{name}.

    Nova deletes key pairs outright, so the soft-delete fields are always
    empty; ``updated_at`` stays null as a key pair cannot be changed.
    """
    body = {
        "name": keypair.name,
        "public_key": keypair.public_key,
        "fingerprint": keypair.fingerprint,
        "user_id": keypair.user_id,
        "id": keypair.id,
        "created_at": views.strtime(keypair.created_at),
        "updated_at": views.strtime(keypair.updated_at),
        "deleted": False,
        "deleted_at": None,
    }
    return _typed(req, body, keypair)


def collection(req: webob.Request, keypairs) -> dict:
    """GET /os-keypairs, with ``keypairs_links`` after a full page from 2.35."""
    body = {"keypairs": [{"keypair": basic(req, k)} for k in keypairs]}
    if handler.is_supported(req, "2.35"):
        links = pagination.next_links(req, "os-keypairs", [k.name for k in keypairs])
        if links:
            body["keypairs_links"] = links
    return body
