"""/os-keypairs across microversions: type (2.2), user_id (2.10), paging (2.35),
unknown query parameters (2.75), no generation (2.92)."""

from __future__ import annotations

import base64
import binascii
import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from tests.functional.test_keypairs import a_public_key, md5_fingerprint

DEMO = "demo:demo"
OTHER = "other:other"
URL = "/v2.1/os-keypairs"


def mv(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


def create(cloud, version: str, token: str = DEMO, **keypair):
    return cloud.post(URL, {"keypair": keypair}, headers=mv(version), token=token)


def sha1_fingerprint(pem: str) -> str:
    certificate = x509.load_pem_x509_certificate(pem.encode())
    digest = binascii.hexlify(certificate.fingerprint(hashes.SHA1())).decode()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def a_certificate() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "me")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.mark.parametrize(("version", "created", "deleted"), [("2.1", 200, 202), ("2.2", 201, 204)])
def test_status_codes_and_type(cloud, version, created, deleted):
    response = create(cloud, version, name="k", public_key=a_public_key())
    assert response.status_int == created
    typed = version != "2.1"
    assert ("type" in response.json["keypair"]) is typed
    listed = cloud.get(URL, headers=mv(version), token=DEMO).json["keypairs"][0]["keypair"]
    assert set(listed) == {"name", "public_key", "fingerprint"} | ({"type"} if typed else set())
    shown = cloud.get(f"{URL}/k", headers=mv(version), token=DEMO).json["keypair"]
    assert ("type" in shown) is typed
    response = cloud.delete(f"{URL}/k", headers=mv(version), token=DEMO)
    assert response.status_int == deleted and response.body == b""


def test_ssh_is_the_default_type(cloud):
    keypair = create(cloud, "2.2", name="gen").json["keypair"]
    assert keypair["type"] == "ssh" and keypair["public_key"].startswith("ssh-rsa ")
    assert keypair["fingerprint"] == md5_fingerprint(keypair["public_key"])


def test_x509_import_and_generate(cloud):
    pem = a_certificate()
    response = create(cloud, "2.2", name="cert", type="x509", public_key=pem)
    assert response.status_int == 201, response.text
    assert response.json["keypair"] == {
        "name": "cert",
        "type": "x509",
        "public_key": pem,
        "fingerprint": sha1_fingerprint(pem),
        "user_id": "demo",
    }
    shown = cloud.get(f"{URL}/cert", headers=mv("2.2"), token=DEMO).json["keypair"]
    assert shown["type"] == "x509"

    generated = create(cloud, "2.2", name="winrm", type="x509").json["keypair"]
    assert generated["type"] == "x509"
    assert generated["fingerprint"] == sha1_fingerprint(generated["public_key"])
    key, certificate, _ = pkcs12.load_key_and_certificates(
        base64.b64decode(generated["private_key"]), None
    )
    assert (
        certificate.public_bytes(serialization.Encoding.PEM).decode() == (generated["public_key"])
    )
    assert certificate.subject.rfc4514_string() == "CN=demo"
    assert key.public_key().public_numbers() == certificate.public_key().public_numbers()

    bad = create(cloud, "2.2", name="bad", type="x509", public_key=a_public_key())
    assert bad.status_int == 400
    assert bad.json["badRequest"]["message"].startswith(
        "Keypair data is invalid: failed to generate X509 fingerprint."
    )
    assert create(cloud, "2.2", name="bad", type="rsa").status_int == 400


def test_admin_acts_for_another_user(cloud):
    # Before 2.10 there is no user_id: in the body it is a 400, in the query ignored.
    assert create(cloud, "2.9", token="admin:admin", name="k", user_id="demo").status_int == 400
    response = create(
        cloud, "2.10", token="admin:admin", name="k", user_id="demo", public_key=a_public_key()
    )
    assert response.status_int == 201
    assert response.json["keypair"]["user_id"] == "demo"
    assert cloud.get(f"{URL}/k", headers=mv("2.10"), token=DEMO).status_int == 200

    def as_admin(method: str, path: str, version: str):
        return cloud.request(method, path, headers=mv(version), token="admin:admin")

    assert as_admin("GET", f"{URL}?user_id=demo", "2.9").json == {"keypairs": []}
    listed = as_admin("GET", f"{URL}?user_id=demo", "2.10").json["keypairs"]
    assert [k["keypair"]["name"] for k in listed] == ["k"]
    assert as_admin("GET", f"{URL}/k?user_id=demo", "2.9").status_int == 404
    assert as_admin("GET", f"{URL}/k?user_id=demo", "2.10").json["keypair"]["user_id"] == "demo"

    # A user may not act for another.
    for method, path in (("GET", URL), ("GET", f"{URL}/k"), ("DELETE", f"{URL}/k")):
        response = cloud.request(method, f"{path}?user_id=demo", headers=mv("2.10"), token=OTHER)
        assert response.status_int == 403, (method, path)
    forbidden = create(cloud, "2.10", token=OTHER, name="x", user_id="demo")
    assert forbidden.status_int == 403

    assert as_admin("DELETE", f"{URL}/k?user_id=demo", "2.10").status_int == 204
    assert cloud.get(f"{URL}/k", headers=mv("2.10"), token=DEMO).status_int == 404


def test_paging(cloud):
    for name in ("a", "b", "c"):
        assert create(cloud, "2.35", name=name, public_key=a_public_key()).status_int == 201

    def page(query: str, version: str = "2.35"):
        response = cloud.get(f"{URL}{query}", headers=mv(version), token=DEMO)
        assert response.status_int == 200, response.text
        return [k["keypair"]["name"] for k in response.json["keypairs"]], response.json

    names, body = page("?limit=2")
    assert names == ["a", "b"]
    (link,) = body["keypairs_links"]
    assert link["rel"] == "next" and link["href"].endswith("/v2.1/os-keypairs?limit=2&marker=b")
    names, body = page("?limit=2&marker=b")
    assert names == ["c"] and "keypairs_links" not in body
    assert page("?limit=2", "2.34")[0] == ["a", "b", "c"]  # no paging before 2.35
    response = cloud.get(f"{URL}?marker=zz", headers=mv("2.35"), token=DEMO)
    assert response.status_int == 400
    assert response.json["badRequest"]["message"] == "Marker zz could not be found."
    assert cloud.get(f"{URL}?limit=x", headers=mv("2.35"), token=DEMO).status_int == 400


def test_unknown_query_parameters(cloud):
    assert create(cloud, "2.2", name="k", public_key=a_public_key()).status_int == 201
    for path in (URL, f"{URL}/k"):
        assert cloud.get(f"{path}?bogus=1", headers=mv("2.74"), token=DEMO).status_int == 200
        assert cloud.get(f"{path}?bogus=1", headers=mv("2.75"), token=DEMO).status_int == 400
    response = cloud.delete(f"{URL}/k?bogus=1", headers=mv("2.75"), token=DEMO)
    assert response.status_int == 400


def test_no_generation_from_2_92(cloud):
    response = create(cloud, "2.92", name="gen")
    assert response.status_int == 400
    assert "'public_key' is a required property" in response.json["badRequest"]["message"]
    assert create(cloud, "2.91", name="me@host.x", public_key=a_public_key()).status_int == 400
    response = create(cloud, "2.92", name="me@host.x", public_key=a_public_key())
    assert response.status_int == 201
    assert set(response.json["keypair"]) == {"name", "type", "public_key", "fingerprint", "user_id"}
