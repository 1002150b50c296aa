"""PUT /servers/{id} and /servers/{id}/ips, as Nova answers at 2.1."""

from __future__ import annotations

import pytest

from tests.functional.test_metadata import override_policy
from tests.functional.test_servers import boot, wait_status

DEMO = "demo:demo"
OTHER = "other:other"
# The 2.1 update body: the show body without the extension attributes.
UPDATE_KEYS = {
    "id",
    "name",
    "status",
    "tenant_id",
    "user_id",
    "metadata",
    "hostId",
    "image",
    "flavor",
    "created",
    "updated",
    "addresses",
    "accessIPv4",
    "accessIPv6",
    "links",
    "OS-DCF:diskConfig",
    "progress",
}


@pytest.fixture
def server(cloud, flavor) -> str:
    server_id = boot(cloud, token=DEMO, name="before", metadata={"k": "v"})["server"]["id"]
    wait_status(cloud, server_id, "ACTIVE")
    return server_id


def update(cloud, server_id: str, body, token: str | None = DEMO):
    return cloud.request("PUT", f"/v2.1/servers/{server_id}", body, token=token)


def shown(cloud, server_id: str) -> dict:
    return cloud.get(f"/v2.1/servers/{server_id}").json["server"]


def test_rename(cloud, server):
    before = shown(cloud, server)
    response = update(cloud, server, {"server": {"name": "after"}})
    assert response.status_int == 200
    body = response.json["server"]
    assert set(body) == UPDATE_KEYS
    assert body["name"] == "after" and body["status"] == "ACTIVE"
    assert body["id"] == server and body["tenant_id"] == "demo" and body["user_id"] == "demo"
    assert body["metadata"] == {"k": "v"} and body["addresses"] == {}
    after = shown(cloud, server)
    assert after["name"] == "after"
    assert {k: after[k] for k in UPDATE_KEYS - {"name", "updated"}} == {
        k: before[k] for k in UPDATE_KEYS - {"name", "updated"}
    }
    assert after["updated"] >= before["updated"]


def test_access_ips(cloud, server):
    body = {"server": {"accessIPv4": "192.0.2.10", "accessIPv6": "2001:db8::10"}}
    response = update(cloud, server, body)
    assert response.status_int == 200
    assert response.json["server"]["accessIPv4"] == "192.0.2.10"
    assert shown(cloud, server)["accessIPv6"] == "2001:db8::10"


def test_empty_update_changes_nothing(cloud, server):
    before = shown(cloud, server)
    response = update(cloud, server, {"server": {}})
    assert response.status_int == 200 and response.json["server"]["name"] == "before"
    assert shown(cloud, server) == before


def test_bad_bodies_are_400_naming_the_field_and_change_nothing(cloud, server):
    before = shown(cloud, server)
    for body, field in (
        ({"server": {"description": "only from 2.19"}}, "server"),
        ({"server": {"name": ""}}, "server/name"),
        ({"server": {"name": "x" * 256}}, "server/name"),
        ({"server": {"name": " padded "}}, "server/name"),
        ({"server": {"name": 42}}, "server/name"),
        ({"server": {"accessIPv4": "nope"}}, "server/accessIPv4"),
        ({"server": {"accessIPv6": "1.2.3.4"}}, "server/accessIPv6"),
        ({"server": {"OS-DCF:diskConfig": "SOMETIMES"}}, "server/OS-DCF:diskConfig"),
        ({"server": {"name": "ok", "hostname": "h"}}, "server"),
        ({"server": "renamed"}, "server"),
        ({"name": "renamed"}, "server"),
    ):
        response = update(cloud, server, body)
        assert response.status_int == 400, (body, response.text)
        message = response.json["badRequest"]["message"]
        assert f"field/attribute {field}." in message, (body, message)
    assert update(cloud, server, None).status_int == 400  # no body at all
    assert shown(cloud, server) == before


def test_other_project_unknown_server_and_policy(cloud, server):
    response = update(cloud, server, {"server": {"name": "mine"}}, token=OTHER)
    assert response.status_int == 404
    assert response.json["itemNotFound"]["message"] == f"Instance {server} could not be found."
    missing = "00000000-0000-0000-0000-000000000000"
    assert update(cloud, missing, {"server": {"name": "x"}}, token=None).status_int == 404
    with override_policy(project_member_api="!"):
        response = update(cloud, server, {"server": {"name": "reader"}})
        assert response.status_int == 403
        assert response.json["forbidden"]["message"] == (
            "Policy doesn't allow os_compute_api:servers:update to be performed."
        )
    assert shown(cloud, server)["name"] == "before"
    # An admin may rename any project's server.
    assert update(cloud, server, {"server": {"name": "by-admin"}}, token=None).status_int == 200
    assert shown(cloud, server)["name"] == "by-admin"


def test_locked_server_may_still_be_renamed(cloud, server):
    # Nova's update does not check the lock.
    assert (
        cloud.post(f"/v2.1/servers/{server}/action", {"lock": None}, token=DEMO).status_int == 202
    )
    assert update(cloud, server, {"server": {"name": "locked"}}).status_int == 200
    assert shown(cloud, server)["name"] == "locked"


def test_ips(cloud, server):
    response = cloud.get(f"/v2.1/servers/{server}/ips", token=DEMO)
    assert response.status_int == 200
    assert response.json == {"addresses": {}}
    response = cloud.get(f"/v2.1/servers/{server}/ips/private", token=DEMO)
    assert response.status_int == 404
    assert response.json == {
        "itemNotFound": {
            "code": 404,
            "message": "Instance is not a member of specified network",
        }
    }
    for path in ("ips", "ips/private"):
        response = cloud.get(f"/v2.1/servers/{server}/{path}", token=OTHER)
        assert response.status_int == 404
        assert response.json["itemNotFound"]["message"] == (
            f"Instance {server} could not be found."
        )
    with override_policy(project_reader_api="!"):
        for path, rule in (("ips", "index"), ("ips/private", "show")):
            response = cloud.get(f"/v2.1/servers/{server}/{path}", token=DEMO)
            assert response.status_int == 403
            assert response.json["forbidden"]["message"] == (
                f"Policy doesn't allow os_compute_api:ips:{rule} to be performed."
            )
