"""/os-keypairs and server create with key_name, as Nova answers at 2.1."""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from nova_lite.db import models
from tests.functional.test_metadata import override_policy
from tests.functional.test_servers import IMAGE, count_rows

DEMO = "demo:demo"
OTHER = "other:other"
URL = "/v2.1/os-keypairs"
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")


def a_public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return (
        key.public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        ).decode()
        + " me@laptop"
    )


def md5_fingerprint(public_key: str) -> str:
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def create(cloud, name: str, token: str = DEMO, **extra):
    return cloud.post(URL, {"keypair": {"name": name, **extra}}, token=token)


def live_keypairs(db) -> int:
    return count_rows(db, models.KeyPair, models.KeyPair.deleted == 0)


def test_generate(cloud):
    response = create(cloud, "gen")
    assert response.status_int == 200  # 201 only from 2.2
    keypair = response.json["keypair"]
    assert set(keypair) == {"name", "public_key", "fingerprint", "user_id", "private_key"}
    assert keypair["name"] == "gen" and keypair["user_id"] == "demo"
    assert keypair["public_key"].startswith("ssh-rsa ")
    assert keypair["public_key"].endswith(" Generated-by-Nova")
    assert keypair["fingerprint"] == md5_fingerprint(keypair["public_key"])
    private = serialization.load_pem_private_key(keypair["private_key"].encode(), None)
    assert private.key_size == 2048
    public = private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert keypair["public_key"] == public.decode() + " Generated-by-Nova"
    shown = cloud.get(f"{URL}/gen", token=DEMO).json["keypair"]
    assert "private_key" not in shown  # the private key is never stored


def test_import_list_show_delete(cloud, db):
    public_key = a_public_key()
    response = create(cloud, "imported key_1", public_key=public_key)
    assert response.status_int == 200
    assert response.json == {
        "keypair": {
            "name": "imported key_1",
            "public_key": public_key,
            "fingerprint": md5_fingerprint(public_key),
            "user_id": "demo",
        }
    }
    assert create(cloud, "another").status_int == 200

    listed = cloud.get(URL, token=DEMO)
    assert listed.status_int == 200
    assert [k["keypair"]["name"] for k in listed.json["keypairs"]] == [
        "another",
        "imported key_1",
    ]
    assert listed.json["keypairs"][1] == {
        "keypair": {
            "name": "imported key_1",
            "public_key": public_key,
            "fingerprint": md5_fingerprint(public_key),
        }
    }

    shown = cloud.get(f"{URL}/imported key_1", token=DEMO)
    assert shown.status_int == 200
    keypair = shown.json["keypair"]
    assert keypair == {
        "name": "imported key_1",
        "public_key": public_key,
        "fingerprint": md5_fingerprint(public_key),
        "user_id": "demo",
        "id": keypair["id"],
        "created_at": keypair["created_at"],
        "updated_at": None,
        "deleted": False,
        "deleted_at": None,
    }
    assert isinstance(keypair["id"], int) and TIME.match(keypair["created_at"])

    deleted = cloud.delete(f"{URL}/imported key_1", token=DEMO)
    assert deleted.status_int == 202 and deleted.body == b""  # 204 only from 2.2
    assert cloud.get(f"{URL}/imported key_1", token=DEMO).status_int == 404
    again = cloud.delete(f"{URL}/imported key_1", token=DEMO)
    assert again.status_int == 404
    assert again.json == {
        "itemNotFound": {"code": 404, "message": "Keypair imported key_1 not found for user demo"}
    }
    # The name is free again once deleted.
    assert create(cloud, "imported key_1", public_key=public_key).status_int == 200
    assert live_keypairs(db) == 2


def test_duplicate_is_409_and_names_are_per_user(cloud, db):
    assert create(cloud, "dup").status_int == 200
    response = create(cloud, "dup", public_key=a_public_key())
    assert response.status_int == 409
    assert response.json == {
        "conflictingRequest": {"code": 409, "message": "Key pair 'dup' already exists."}
    }
    assert create(cloud, "dup", token=OTHER).status_int == 200
    assert live_keypairs(db) == 2


def test_key_pairs_are_per_user(cloud):
    assert create(cloud, "mine").status_int == 200
    assert cloud.get(URL, token=OTHER).json == {"keypairs": []}
    assert cloud.get(URL).json == {"keypairs": []}  # admin lists their own at 2.1
    for method in ("GET", "DELETE"):
        response = cloud.request(method, f"{URL}/mine", token=OTHER)
        assert response.status_int == 404
        assert response.json["itemNotFound"]["message"] == "Keypair mine not found for user other"
    # The same user in another project still owns the key pair.
    assert cloud.get(f"{URL}/mine", token="demo:otherproject").status_int == 200
    assert cloud.get(f"{URL}/mine", token=DEMO).status_int == 200


def test_bad_bodies_are_400_and_create_nothing(cloud, db):
    for body, field in (
        ({}, "keypair"),
        ({"keypair": {}}, "keypair/name"),
        ({"keypair": {"name": ""}}, "keypair/name"),
        ({"keypair": {"name": "x" * 256}}, "keypair/name"),
        ({"keypair": {"name": "a/b"}}, "keypair/name"),
        ({"keypair": {"name": "k\u00fc"}}, "keypair/name"),
        ({"keypair": {"name": " lead"}}, "keypair/name"),
        ({"keypair": {"name": "k", "type": "ssh"}}, "keypair"),  # type comes with 2.2
        ({"keypair": {"name": "k", "user_id": "x"}}, "keypair"),  # user_id with 2.10
        ({"keypair": {"name": "k", "public_key": 42}}, "keypair/public_key"),
        ({"keypair": "k"}, "keypair"),
    ):
        response = cloud.post(URL, body, token=DEMO)
        assert response.status_int == 400, (body, response.text)
        message = response.json["badRequest"]["message"]
        assert f"field/attribute {field}." in message, (body, message)
    response = create(cloud, "k", public_key="ssh-rsa not-a-key")
    assert response.status_int == 400
    assert response.json == {
        "badRequest": {
            "code": 400,
            "message": "Keypair data is invalid: failed to generate fingerprint",
        }
    }
    assert live_keypairs(db) == 0


def test_policy_refusal_is_403(cloud, db):
    assert create(cloud, "k").status_int == 200
    admin_only = "rule:context_is_admin"
    rules = {f"os_compute_api:os-keypairs:{r}": admin_only for r in ("index", "create")}
    rules.update({f"os_compute_api:os-keypairs:{r}": admin_only for r in ("show", "delete")})
    with override_policy(**rules):
        for method, url, body, rule in (
            ("GET", URL, None, "index"),
            ("POST", URL, {"keypair": {"name": "k2"}}, "create"),
            ("GET", f"{URL}/k", None, "show"),
            ("DELETE", f"{URL}/k", None, "delete"),
        ):
            response = cloud.request(method, url, body, token=DEMO)
            assert response.status_int == 403, (method, url)
            assert response.json["forbidden"]["message"] == (
                f"Policy doesn't allow os_compute_api:os-keypairs:{rule} to be performed."
            )
    assert live_keypairs(db) == 1


def test_server_create_with_key_name(cloud, flavor, db):
    public_key = a_public_key()
    assert create(cloud, "boot-key", public_key=public_key).status_int == 200
    body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": IMAGE, "key_name": "boot-key"}}
    response = cloud.post("/v2.1/servers", body, token=DEMO)
    assert response.status_int == 202, response.text
    server_id = response.json["server"]["id"]
    shown = cloud.get(f"/v2.1/servers/{server_id}", token=DEMO).json["server"]
    assert shown["key_name"] == "boot-key"
    with db.get_engine().connect() as connection:
        key_data = connection.execute(
            select(models.Instance.key_data).where(models.Instance.uuid == server_id)
        ).scalar()
    assert key_data == public_key


def test_server_create_with_unknown_or_foreign_key_name_is_400(cloud, flavor, db):
    assert create(cloud, "others-key", token=OTHER).status_int == 200
    for key_name in ("nope", "others-key"):
        body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": IMAGE, "key_name": key_name}}
        response = cloud.post("/v2.1/servers", body, token=DEMO)
        assert response.status_int == 400
        assert response.json == {
            "badRequest": {"code": 400, "message": "Invalid key_name provided."}
        }
    assert count_rows(db, models.Instance) == 0
