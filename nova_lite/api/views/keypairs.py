"""Key pair bodies (``os-keypairs``, as at 2.1: no ``type``)."""

from __future__ import annotations

from nova_lite.api import views


def basic(keypair) -> dict:
    return {
        "name": keypair.name,
        "public_key": keypair.public_key,
        "fingerprint": keypair.fingerprint,
    }


def create(keypair, private_key: str | None = None) -> dict:
    body = {**basic(keypair), "user_id": keypair.user_id}
    if private_key is not None:
        body["private_key"] = private_key
    return body


def show(keypair) -> dict:
    # Nova deletes key pairs outright, so the soft-delete fields are always
    # empty here; updated_at stays null as a key pair cannot be changed.
    return {
        **create(keypair),
        "id": keypair.id,
        "created_at": views.strtime(keypair.created_at),
        "updated_at": views.strtime(keypair.updated_at),
        "deleted": False,
        "deleted_at": None,
    }
