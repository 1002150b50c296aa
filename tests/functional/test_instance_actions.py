"""/servers/{id}/os-instance-actions, as Nova answers at 2.1."""

from __future__ import annotations

import re

import pytest

from tests.functional.test_metadata import override_policy
from tests.functional.test_server_actions import settled
from tests.functional.test_servers import IMAGE, wait_status

DEMO = "demo:demo"
OTHER = "other:other"
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
ACTION_KEYS = {"action", "instance_uuid", "request_id", "user_id", "project_id", "start_time"}
ACTION_KEYS |= {"message"}


def actions_url(server_id: str, request_id: str | None = None) -> str:
    url = f"/v2.1/servers/{server_id}/os-instance-actions"
    return url if request_id is None else f"{url}/{request_id}"


@pytest.fixture
def server(cloud, flavor) -> tuple[str, str]:
    """A demo server, ACTIVE, and the request id of its create."""
    body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": IMAGE}}
    response = cloud.post("/v2.1/servers", body, token=DEMO)
    assert response.status_int == 202, response.text
    server_id = response.json["server"]["id"]
    wait_status(cloud, server_id, "ACTIVE")
    return server_id, response.headers["x-openstack-request-id"]


def test_list(cloud, server):
    server_id, create_request = server
    stop = cloud.post(f"/v2.1/servers/{server_id}/action", {"os-stop": None}, token=DEMO)
    assert stop.status_int == 202
    settled(cloud, server_id, "SHUTOFF")

    response = cloud.get(actions_url(server_id), token=DEMO)
    assert response.status_int == 200
    actions = response.json["instanceActions"]
    assert [a["action"] for a in actions] == ["stop", "create"]  # newest first
    for action in actions:
        assert set(action) == ACTION_KEYS
        assert TIME.match(action["start_time"]), action["start_time"]
    assert actions[1] == {
        "action": "create",
        "instance_uuid": server_id,
        "request_id": create_request,
        "user_id": "demo",
        "project_id": "demo",
        "start_time": actions[1]["start_time"],
        "message": None,
    }
    assert actions[0]["request_id"] == stop.headers["x-openstack-request-id"]
    assert cloud.get(actions_url(server_id)).json == response.json  # admin sees the same


def test_show_events_only_for_admin_with_traceback(cloud, server):
    server_id, create_request = server
    as_owner = cloud.get(actions_url(server_id, create_request), token=DEMO)
    assert as_owner.status_int == 200
    action = as_owner.json["instanceAction"]
    assert set(action) == ACTION_KEYS  # before 2.51 only admins see events
    assert action["action"] == "create" and action["request_id"] == create_request

    as_admin = cloud.get(actions_url(server_id, create_request))
    assert as_admin.status_int == 200
    action = as_admin.json["instanceAction"]
    assert set(action) == ACTION_KEYS | {"events"}
    events = sorted(action["events"], key=lambda e: e["event"])
    assert [(e["event"], e["result"], e["traceback"]) for e in events] == [
        ("compute_build_and_run_instance", "Success", None),
        ("conductor_schedule_and_build_instances", "Success", None),
    ]
    for event in events:
        assert set(event) == {"event", "start_time", "finish_time", "result", "traceback"}
        assert TIME.match(event["start_time"]) and TIME.match(event["finish_time"])


def test_failed_event_shows_traceback_and_error_message(cloud, server, monkeypatch):
    server_id, _ = server
    for service in cloud.services[2:]:

        def fail(instance, timeout=0, retry_interval=0):
            raise RuntimeError("hypervisor said no")

        monkeypatch.setattr(service.manager.driver, "power_off", fail)
    stop = cloud.post(f"/v2.1/servers/{server_id}/action", {"os-stop": None}, token=DEMO)
    assert stop.status_int == 202
    request_id = stop.headers["x-openstack-request-id"]
    action = cloud.wait_for(
        actions_url(server_id, request_id),
        lambda r: r.json["instanceAction"].get("message") == "Error",
    ).json["instanceAction"]
    (event,) = action["events"]
    assert event["event"] == "compute_stop_instance" and event["result"] == "Error"
    assert "RuntimeError: hypervisor said no" in event["traceback"]
    as_owner = cloud.get(actions_url(server_id, request_id), token=DEMO).json["instanceAction"]
    assert as_owner["message"] == "Error" and "events" not in as_owner


def test_unknown_request_id_is_404(cloud, server):
    server_id, _ = server
    response = cloud.get(actions_url(server_id, "req-nope"), token=DEMO)
    assert response.status_int == 404
    assert response.json == {"itemNotFound": {"code": 404, "message": "Action req-nope not found"}}


def test_other_project_and_unknown_server_are_404(cloud, server):
    server_id, create_request = server
    for url in (actions_url(server_id), actions_url(server_id, create_request)):
        response = cloud.get(url, token=OTHER)
        assert response.status_int == 404
        assert response.json["itemNotFound"]["message"] == (
            f"Instance {server_id} could not be found."
        )
    missing = "00000000-0000-0000-0000-000000000000"
    assert cloud.get(actions_url(missing)).status_int == 404
    assert cloud.get(actions_url(missing, create_request)).status_int == 404


def test_policy_refusal_is_403(cloud, server):
    server_id, create_request = server
    with override_policy(project_reader_api="!"):
        for url, rule in (
            (actions_url(server_id), "list"),
            (actions_url(server_id, create_request), "show"),
        ):
            response = cloud.get(url, token=DEMO)
            assert response.status_int == 403
            assert response.json["forbidden"]["message"] == (
                f"Policy doesn't allow os_compute_api:os-instance-actions:{rule} to be performed."
            )
        assert cloud.get(actions_url(server_id)).status_int == 200  # admin still may
