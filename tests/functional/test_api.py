"""Versions, microversions, errors, flavors, services and hypervisors."""

from __future__ import annotations

import pytest

from nova_lite.db import models
from tests.functional.test_servers import IMAGE, count_rows


def test_version_discovery(cloud):
    response = cloud.get("/", token="")
    assert response.status_int == 200
    (version,) = response.json["versions"]
    assert version["id"] == "v2.1" and version["min_version"] == "2.1"
    assert cloud.get("/v2.1", token="").json["version"]["status"] == "CURRENT"


@pytest.mark.parametrize(
    "header,expected",
    [
        (None, "2.1"),
        ({"OpenStack-API-Version": "compute 2.1"}, "2.1"),
        ({"OpenStack-API-Version": "compute latest"}, "2.96"),
        ({"X-OpenStack-Nova-API-Version": "2.1"}, "2.1"),
    ],
)
def test_microversion_is_echoed(cloud, header, expected):
    response = cloud.get("/v2.1/flavors", headers=header)
    assert response.status_int == 200
    assert response.headers["OpenStack-API-Version"] == f"compute {expected}"
    assert response.headers["X-OpenStack-Nova-API-Version"] == expected
    assert "OpenStack-API-Version" in response.headers["Vary"]


def test_microversion_out_of_range_and_malformed(cloud):
    response = cloud.get("/v2.1/flavors", headers={"OpenStack-API-Version": "compute 2.999"})
    assert response.status_int == 406
    assert "not supported by the API" in response.json["computeFault"]["message"]
    response = cloud.get("/v2.1/flavors", headers={"OpenStack-API-Version": "compute 2.x"})
    assert response.status_int == 400 and "badRequest" in response.json


def test_request_id_on_every_response(cloud):
    for response in (
        cloud.get("/v2.1/flavors"),
        cloud.get("/v2.1/servers/nope"),
        cloud.get("/v2.1/flavors", token=""),
    ):
        assert response.headers["x-openstack-request-id"].startswith("req-")


def test_missing_token_is_401(cloud):
    response = cloud.get("/v2.1/servers", token="")
    assert response.status_int == 401 and response.json["unauthorized"]["code"] == 401


@pytest.mark.parametrize(
    "method,path,body,raw,status,fault",
    [
        (
            "POST",
            "/v2.1/servers",
            {"server": {"name": "x", "flavorRef": "nope", "imageRef": IMAGE}},
            None,
            400,
            "badRequest",
        ),
        ("POST", "/v2.1/servers", None, b"{not json", 400, "badRequest"),
        (
            "POST",
            "/v2.1/servers",
            {"server": {"flavorRef": "1", "imageRef": IMAGE}},
            None,
            400,
            "badRequest",
        ),
        (
            "POST",
            "/v2.1/servers",
            {"server": {"name": "x", "flavorRef": "1", "imageRef": IMAGE, "min_count": 0}},
            None,
            400,
            "badRequest",
        ),
        (
            "POST",
            "/v2.1/servers",
            {"server": {"name": "x", "flavorRef": "1", "imageRef": IMAGE, "bogus": 1}},
            None,
            400,
            "badRequest",
        ),
        (
            "POST",
            "/v2.1/servers",
            {"server": {"name": "x", "flavorRef": "1", "imageRef": "not-a-uuid"}},
            None,
            400,
            "badRequest",
        ),
        (
            "GET",
            "/v2.1/servers/00000000-0000-0000-0000-000000000000",
            None,
            None,
            404,
            "itemNotFound",
        ),
        (
            "DELETE",
            "/v2.1/servers/00000000-0000-0000-0000-000000000000",
            None,
            None,
            404,
            "itemNotFound",
        ),
        ("PUT", "/v2.1/servers", {}, None, 405, "badMethod"),
        ("GET", "/v2.1/no-such-resource", None, None, 404, "itemNotFound"),
    ],
)
def test_bad_input_changes_nothing(cloud, flavor, db, method, path, body, raw, status, fault):
    before = count_rows(db, models.Instance)
    response = cloud.request(method, path, body, raw=raw)
    assert response.status_int == status, response.text
    assert set(response.json) == {fault}
    assert response.json[fault]["code"] == status and response.json[fault]["message"]
    assert count_rows(db, models.Instance) == before


def test_validation_message_names_the_field(cloud, flavor):
    response = cloud.post(
        "/v2.1/servers",
        {"server": {"name": "x", "flavorRef": "1", "imageRef": IMAGE, "max_count": "a"}},
    )
    assert "server/max_count" in response.json["badRequest"]["message"]
    response = cloud.post("/v2.1/servers", {"server": {"flavorRef": "1", "imageRef": IMAGE}})
    assert "server/name" in response.json["badRequest"]["message"]


def test_flavor_lifecycle(cloud):
    body = {
        "flavor": {
            "name": "m1.tiny",
            "ram": 512,
            "vcpus": 1,
            "disk": 1,
            "id": "42",
            "swap": 256,
            "OS-FLV-EXT-DATA:ephemeral": 2,
        }
    }
    created = cloud.post("/v2.1/flavors", body).json["flavor"]
    assert created["id"] == "42" and created["swap"] == 256
    assert created["OS-FLV-EXT-DATA:ephemeral"] == 2
    assert cloud.post("/v2.1/flavors", body).status_int == 409
    assert cloud.get("/v2.1/flavors/42").json["flavor"]["ram"] == 512
    assert [f["id"] for f in cloud.get("/v2.1/flavors").json["flavors"]] == ["42"]
    assert cloud.get("/v2.1/flavors/detail?minRam=1024").json["flavors"] == []
    generated = cloud.post(
        "/v2.1/flavors", {"flavor": {"name": "auto", "ram": 1, "vcpus": 1, "disk": 0}}
    ).json["flavor"]
    assert len(generated["id"]) == 36
    assert cloud.post("/v2.1/flavors", body, token="demo:demo").status_int == 403
    assert cloud.delete("/v2.1/flavors/42", token="demo:demo").status_int == 403
    assert cloud.delete("/v2.1/flavors/42").status_int == 202
    assert cloud.get("/v2.1/flavors/42").status_int == 404


def test_private_flavor_hidden_from_projects(cloud):
    cloud.post(
        "/v2.1/flavors",
        {
            "flavor": {
                "name": "secret",
                "ram": 1,
                "vcpus": 1,
                "disk": 0,
                "id": "s",
                "os-flavor-access:is_public": False,
            }
        },
    )
    assert cloud.get("/v2.1/flavors/s", token="demo:demo").status_int == 404
    assert cloud.get("/v2.1/flavors?is_public=false").json["flavors"][0]["id"] == "s"


def test_services_and_hypervisors(cloud):
    services = cloud.get("/v2.1/os-services").json["services"]
    assert sorted((s["binary"], s["host"]) for s in services) == [
        ("nova-compute", "compute1"),
        ("nova-compute", "compute2"),
        ("nova-conductor", cloud.services[0].host),
        ("nova-scheduler", cloud.services[1].host),
    ]
    assert all(s["state"] == "up" and s["status"] == "enabled" for s in services)
    assert {s["zone"] for s in services if s["binary"] == "nova-compute"} == {"nova"}
    hypervisors = cloud.get("/v2.1/os-hypervisors").json["hypervisors"]
    assert sorted(h["hypervisor_hostname"] for h in hypervisors) == ["compute1", "compute2"]
    detail = cloud.get("/v2.1/os-hypervisors/detail").json["hypervisors"][0]
    assert detail["hypervisor_type"] == "fake" and detail["vcpus"] == 16
    assert cloud.get("/v2.1/os-services", token="demo:demo").status_int == 403
    assert cloud.get("/v2.1/os-hypervisors", token="demo:demo").status_int == 403
