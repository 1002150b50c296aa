"""/servers/{id}/os-instance-actions across microversions: deleted servers (2.21),
events for owners (2.51), paging and changes-since (2.58), changes-before (2.66),
event host and hostId (2.62), event details (2.84)."""

from __future__ import annotations

import hashlib

from tests.functional.test_instance_actions import ACTION_KEYS, DEMO, actions_url
from tests.functional.test_instance_actions import server as server  # noqa: F401 - fixture
from tests.functional.test_server_actions import settled
from tests.functional.test_servers import wait_gone

EVENT_KEYS = {"event", "start_time", "finish_time", "result"}


def mv(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


def get(cloud, url: str, version: str, token: str | None = None, status: int = 200):
    response = cloud.get(url, headers=mv(version), token=token)
    assert response.status_int == status, response.text
    return response.json


def stop_and_start(cloud, server_id: str) -> list[str]:
    """Stop then start the server; the two request ids."""
    request_ids = []
    for action, status in (("os-stop", "SHUTOFF"), ("os-start", "ACTIVE")):
        response = cloud.post(f"/v2.1/servers/{server_id}/action", {action: None}, token=DEMO)
        assert response.status_int == 202
        request_ids.append(response.headers["x-openstack-request-id"])
        settled(cloud, server_id, status)
    return request_ids


def test_events_per_version_and_viewer(cloud, server):
    server_id, create_request = server
    url = actions_url(server_id, create_request)
    host = get(cloud, f"/v2.1/servers/{server_id}", "2.1")["server"]["OS-EXT-SRV-ATTR:host"]
    host_id = hashlib.sha224(f"demo{host}".encode()).hexdigest()

    def events(version: str, token: str | None = None) -> list[dict] | None:
        action = get(cloud, url, version, token)["instanceAction"]
        return action.get("events")

    assert events("2.50", DEMO) is None  # owners see events from 2.51
    for version, admin_extra, owner_extra in (
        ("2.51", {"traceback"}, set()),
        ("2.61", {"traceback"}, set()),
        ("2.62", {"traceback", "host", "hostId"}, {"hostId"}),
        ("2.84", {"traceback", "host", "hostId", "details"}, {"hostId"}),
    ):
        as_admin = events(version)
        assert {frozenset(e) for e in as_admin} == {frozenset(EVENT_KEYS | admin_extra)}
        as_owner = events(version, DEMO)
        assert {frozenset(e) for e in as_owner} == {frozenset(EVENT_KEYS | owner_extra)}
        if "hostId" in owner_extra:
            build = next(e for e in as_admin if e["event"] == "compute_build_and_run_instance")
            assert build["host"] == host and build["hostId"] == host_id
            assert {e["hostId"] for e in as_owner if e["event"].startswith("compute_")} == {host_id}


def test_list_per_version_and_paging(cloud, server):
    server_id, create_request = server
    stop_request, start_request = stop_and_start(cloud, server_id)
    newest_first = [start_request, stop_request, create_request]

    actions = get(cloud, actions_url(server_id), "2.57")["instanceActions"]
    assert [set(a) for a in actions] == [ACTION_KEYS] * 3
    body = get(cloud, actions_url(server_id), "2.58")
    assert set(body) == {"instanceActions"}
    assert [set(a) for a in body["instanceActions"]] == [ACTION_KEYS | {"updated_at"}] * 3
    assert [a["request_id"] for a in body["instanceActions"]] == newest_first

    page = get(cloud, f"{actions_url(server_id)}?limit=2", "2.58", DEMO)
    assert [a["request_id"] for a in page["instanceActions"]] == newest_first[:2]
    (link,) = page["links"]
    assert link["rel"] == "next"
    assert link["href"].endswith(
        f"/v2.1/servers/{server_id}/os-instance-actions?limit=2&marker={stop_request}"
    )
    page = get(cloud, f"{actions_url(server_id)}?marker={stop_request}", "2.58", DEMO)
    assert [a["request_id"] for a in page["instanceActions"]] == [create_request]
    assert len(get(cloud, f"{actions_url(server_id)}?limit=1", "2.57")["instanceActions"]) == 3
    response = get(cloud, f"{actions_url(server_id)}?marker=req-nope", "2.58", status=400)
    assert response["badRequest"]["message"] == "Marker req-nope could not be found."
    get(cloud, f"{actions_url(server_id)}?bogus=1", "2.58", status=400)
    get(cloud, f"{actions_url(server_id)}?changes-before=2000-01-01T00:00:00Z", "2.65", status=400)

    start_updated = body["instanceActions"][0]["updated_at"]
    since = get(cloud, f"{actions_url(server_id)}?changes-since={start_updated}", "2.58")
    assert [a["request_id"] for a in since["instanceActions"]] == [start_request]
    before = get(cloud, f"{actions_url(server_id)}?changes-before={start_updated}", "2.66")
    assert start_request in [a["request_id"] for a in before["instanceActions"]]
    future = get(cloud, f"{actions_url(server_id)}?changes-since=2999-01-01T00:00:00Z", "2.58")
    assert future["instanceActions"] == []


def test_actions_of_a_deleted_server_from_2_21(cloud, server):
    server_id, create_request = server
    response = cloud.delete(f"/v2.1/servers/{server_id}", token=DEMO)
    assert response.status_int == 204
    wait_gone(cloud, server_id)

    get(cloud, actions_url(server_id), "2.20", DEMO, status=404)
    get(cloud, actions_url(server_id, create_request), "2.20", DEMO, status=404)
    actions = get(cloud, actions_url(server_id), "2.21", DEMO)["instanceActions"]
    assert [a["action"] for a in actions] == ["delete", "create"]
    shown = get(cloud, actions_url(server_id, create_request), "2.21", DEMO)["instanceAction"]
    assert shown["request_id"] == create_request
    get(cloud, actions_url(server_id), "2.21", "other:other", status=404)
