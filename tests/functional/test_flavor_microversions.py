"""/flavors, os-flavor-access and os-extra_specs across microversions 2.1-2.96."""

from __future__ import annotations

import pytest

DEMO = "demo:demo"
URL = "/v2.1/flavors"

BASE_KEYS = {
    "id",
    "name",
    "ram",
    "disk",
    "swap",
    "vcpus",
    "links",
    "rxtx_factor",
    "OS-FLV-EXT-DATA:ephemeral",
    "OS-FLV-DISABLED:disabled",
    "os-flavor-access:is_public",
}


def mv(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


def make(cloud, name: str, version: str = "2.1", **extra):
    body = {"flavor": {"name": name, "ram": 512, "vcpus": 1, "disk": 1, **extra}}
    response = cloud.post(URL, body, headers=mv(version))
    assert response.status_int == 200, response.text
    return response.json["flavor"]


@pytest.mark.parametrize(
    ("version", "extra_keys", "swap"),
    [
        ("2.1", set(), ""),
        ("2.54", set(), ""),
        ("2.55", {"description"}, ""),
        ("2.60", {"description"}, ""),
        ("2.61", {"description", "extra_specs"}, ""),
        ("2.74", {"description", "extra_specs"}, ""),
        ("2.75", {"description", "extra_specs"}, 0),
        ("2.96", {"description", "extra_specs"}, 0),
    ],
)
def test_flavor_body_per_version(cloud, version, extra_keys, swap):
    created = make(cloud, "f1", version, id="f1")
    assert set(created) == BASE_KEYS | extra_keys
    assert created["swap"] == swap
    shown = cloud.get(f"{URL}/f1", headers=mv(version)).json["flavor"]
    assert set(shown) == BASE_KEYS | extra_keys and shown["swap"] == swap
    (listed,) = cloud.get(f"{URL}/detail", headers=mv(version)).json["flavors"]
    assert set(listed) == BASE_KEYS | extra_keys
    (brief,) = cloud.get(URL, headers=mv(version)).json["flavors"]
    assert set(brief) == {"id", "name", "links"} | (extra_keys & {"description"})


def test_description_create_and_update(cloud):
    body = {"flavor": {"name": "d", "ram": 1, "vcpus": 1, "disk": 0, "description": "small"}}
    assert cloud.post(URL, body, headers=mv("2.54")).status_int == 400
    created = cloud.post(URL, {"flavor": {**body["flavor"], "id": "d"}}, headers=mv("2.55"))
    assert created.json["flavor"]["description"] == "small"

    update = {"flavor": {"description": "tiny"}}
    assert cloud.request("PUT", f"{URL}/d", update, headers=mv("2.54")).status_int == 404
    response = cloud.request("PUT", f"{URL}/d", update, headers=mv("2.61"))
    assert response.status_int == 200, response.text
    assert response.json["flavor"]["description"] == "tiny"
    assert response.json["flavor"]["extra_specs"] == {}
    assert cloud.get(f"{URL}/d", headers=mv("2.55")).json["flavor"]["description"] == "tiny"
    assert cloud.get(URL, headers=mv("2.55")).json["flavors"][0]["description"] == "tiny"
    # Only the description may change; non-admins may not change it.
    bad = {"flavor": {"description": "x", "ram": 2}}
    assert cloud.request("PUT", f"{URL}/d", bad, headers=mv("2.55")).status_int == 400
    assert (
        cloud.request("PUT", f"{URL}/d", update, headers=mv("2.55"), token=DEMO).status_int == 403
    )
    assert cloud.request("PUT", f"{URL}/nope", update, headers=mv("2.55")).status_int == 404


def test_create_validation(cloud):
    def post(**values):
        flavor = {"name": "v", "ram": 1, "vcpus": 1, "disk": 0, **values}
        return cloud.post(URL, {"flavor": flavor}).status_int

    assert post(ram="0") == 400
    assert post(vcpus=0) == 400
    assert post(disk=-1) == 400
    assert post(ram=2**31) == 400
    assert post(rxtx_factor="0") == 400
    assert post(id=7, ram="64") == 200
    assert cloud.get(f"{URL}/7").json["flavor"]["ram"] == 64


def test_list_filters_sorting_and_paging(cloud):
    for n, ram in enumerate((256, 1024, 4096), start=1):
        make(cloud, f"p{n}", id=f"p{n}", ram=ram, disk=n * 10)
    make(cloud, "hidden", id="h", **{"os-flavor-access:is_public": False})

    def ids(query: str, version: str = "2.1", token: str | None = None) -> list[str]:
        response = cloud.get(f"{URL}{query}", headers=mv(version), token=token)
        assert response.status_int == 200, response.text
        return [f["id"] for f in response.json["flavors"]]

    assert ids("") == ["p1", "p2", "p3"]
    assert ids("?is_public=false") == ["h"]
    assert ids("?is_public=None") == ["h", "p1", "p2", "p3"]
    assert ids("?is_public=none", token=DEMO) == ["p1", "p2", "p3"]  # admins only
    assert ids("?minRam=1000") == ["p2", "p3"]
    assert ids("/detail?minDisk=25") == ["p3"]
    assert ids("?sort_key=memory_mb&sort_dir=desc") == ["p3", "p2", "p1"]
    assert ids("?limit=2&marker=p1") == ["p2", "p3"]

    page = cloud.get(f"{URL}/detail?limit=2&minRam=1").json
    assert [f["id"] for f in page["flavors"]] == ["p1", "p2"]
    (link,) = page["flavors_links"]
    assert link["rel"] == "next"
    assert link["href"].endswith("/v2.1/flavors/detail?limit=2&minRam=1&marker=p2")
    assert "flavors_links" not in cloud.get(f"{URL}?limit=5").json

    for bad in ("?sort_key=bogus", "?sort_dir=up", "?limit=-1", "?minRam=a", "?is_public=x"):
        assert cloud.get(f"{URL}{bad}").status_int == 400, bad
    response = cloud.get(f"{URL}?marker=nope")
    assert response.status_int == 400
    assert response.json["badRequest"]["message"] == "marker [nope] not found"
    # Unknown parameters: ignored before 2.75, refused from 2.75.
    assert ids("?bogus=1", "2.74") == ["p1", "p2", "p3"]
    assert cloud.get(f"{URL}?bogus=1", headers=mv("2.75")).status_int == 400


def test_flavor_access(cloud):
    make(cloud, "public", id="pub")
    make(cloud, "private", id="priv", **{"os-flavor-access:is_public": False})
    action = f"{URL}/priv/action"

    def access(flavor_id: str = "priv"):
        return cloud.get(f"{URL}/{flavor_id}/os-flavor-access")

    assert access().json == {"flavor_access": []}
    response = access("pub")
    assert response.status_int == 404
    assert response.json["itemNotFound"]["message"] == (
        "Access list not available for public flavors."
    )
    assert cloud.get(f"{URL}/priv", token=DEMO).status_int == 404

    added = cloud.post(action, {"addTenantAccess": {"tenant": "demo"}})
    assert added.status_int == 200, added.text
    assert added.json == {"flavor_access": [{"flavor_id": "priv", "tenant_id": "demo"}]}
    assert access().json == added.json
    assert cloud.post(action, {"addTenantAccess": {"tenant": "demo"}}).status_int == 409
    # The project now sees the flavor in lists and by id.
    assert cloud.get(f"{URL}/priv", token=DEMO).status_int == 200
    assert "priv" in [f["id"] for f in cloud.get(URL, token=DEMO).json["flavors"]]

    # A public flavor: allowed (and pointless) before 2.7, a conflict from 2.7.
    public_action = f"{URL}/pub/action"
    body = {"addTenantAccess": {"tenant": "demo"}}
    assert cloud.post(public_action, body, headers=mv("2.6")).status_int == 200
    conflict = cloud.post(public_action, body, headers=mv("2.7"))
    assert conflict.status_int == 409
    assert conflict.json["conflictingRequest"]["message"] == (
        "Can not add access to a public flavor."
    )

    assert cloud.post(action, body, token=DEMO).status_int == 403
    assert (
        access().status_int == 200
        and cloud.get(f"{URL}/priv/os-flavor-access", token=DEMO).status_int == 403
    )
    assert cloud.post(f"{URL}/nope/action", body).status_int == 404
    assert cloud.post(action, {"addTenantAccess": {}}).status_int == 400

    removed = cloud.post(action, {"removeTenantAccess": {"tenant": "demo"}})
    assert removed.status_int == 200 and removed.json == {"flavor_access": []}
    assert cloud.post(action, {"removeTenantAccess": {"tenant": "demo"}}).status_int == 404
    assert cloud.get(f"{URL}/priv", token=DEMO).status_int == 404


def test_extra_specs(cloud):
    make(cloud, "es", id="es")
    specs = f"{URL}/es/os-extra_specs"

    assert cloud.get(specs).json == {"extra_specs": {}}
    body = {"extra_specs": {"hw:cpu_policy": "dedicated", "quota:disk.read_bytes": 1024}}
    created = cloud.post(specs, body)
    assert created.status_int == 200 and created.json == body
    stored = {"hw:cpu_policy": "dedicated", "quota:disk.read_bytes": "1024"}
    assert cloud.get(specs).json == {"extra_specs": stored}
    assert cloud.get(f"{specs}/hw:cpu_policy").json == {"hw:cpu_policy": "dedicated"}

    updated = cloud.request("PUT", f"{specs}/hw:cpu_policy", {"hw:cpu_policy": "shared"})
    assert updated.status_int == 200 and updated.json == {"hw:cpu_policy": "shared"}
    mismatch = cloud.request("PUT", f"{specs}/hw:cpu_policy", {"other": "x"})
    assert mismatch.status_int == 400
    assert mismatch.json["badRequest"]["message"] == "Request body and URI mismatch"
    two = {"a": "1", "b": "2"}
    assert cloud.request("PUT", f"{specs}/a", two).status_int == 400
    assert cloud.post(specs, {"extra_specs": {"bad/key": "x"}}).status_int == 400
    assert cloud.post(specs, {"extra_specs": {"k": "x" * 256}}).status_int == 400
    assert cloud.post(specs, {"extra_specs": {"k": 10**300}}).status_int == 400

    # 2.61 flavor bodies carry them; project readers may see them, not change them.
    shown = cloud.get(f"{URL}/es", headers=mv("2.61"), token=DEMO).json["flavor"]
    assert shown["extra_specs"] == {"hw:cpu_policy": "shared", "quota:disk.read_bytes": "1024"}
    assert cloud.get(specs, token=DEMO).status_int == 200
    assert cloud.post(specs, body, token=DEMO).status_int == 403
    assert cloud.delete(f"{specs}/hw:cpu_policy", token=DEMO).status_int == 403

    deleted = cloud.delete(f"{specs}/hw:cpu_policy")
    assert deleted.status_int == 200 and deleted.body == b""
    missing = cloud.get(f"{specs}/hw:cpu_policy")
    assert missing.status_int == 404
    assert missing.json["itemNotFound"]["message"] == (
        "Flavor es has no extra specs with key hw:cpu_policy."
    )
    assert cloud.delete(f"{specs}/hw:cpu_policy").status_int == 404
    assert cloud.get(f"{URL}/nope/os-extra_specs").status_int == 404
    # Deleting the flavor takes its specs and access list with it.
    assert cloud.delete(f"{URL}/es").status_int == 202
    assert cloud.get(specs).status_int == 404
