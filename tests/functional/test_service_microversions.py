"""/os-services across microversions: forced_down (2.11), the action URLs (2.1-2.52),
uuids and PUT/DELETE by uuid (2.53); the scheduler and evacuate honour the changes."""

from __future__ import annotations

import re
import time

import pytest

from tests.functional.test_moves import action, other, settled, start_server

URL = "/v2.1/os-services"
KEYS = {"id", "binary", "host", "zone", "status", "state", "updated_at", "disabled_reason"}
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def mv(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


def services(cloud, version: str = "2.1", query: str = "") -> list[dict]:
    response = cloud.get(f"{URL}{query}", headers=mv(version))
    assert response.status_int == 200, response.text
    return response.json["services"]


def compute(cloud, host: str, version: str = "2.53") -> dict:
    return next(s for s in services(cloud, version, "?binary=nova-compute") if s["host"] == host)


def wait_scheduler_view_dropped(cloud) -> None:
    """Wait for the update_service fanout: the scheduler fetches its host view again."""
    host_manager = cloud.services[1].manager.host_manager
    deadline = time.monotonic() + 10
    while host_manager._states is not None:
        assert time.monotonic() < deadline, "the scheduler kept its view of the hosts"
        time.sleep(0.01)


def put(cloud, path: str, body: dict, version: str):
    return cloud.request("PUT", f"{URL}/{path}", body, headers=mv(version))


@pytest.mark.parametrize(
    ("version", "forced_down", "uuid_ids"),
    [("2.1", False, False), ("2.11", True, False), ("2.52", True, False), ("2.53", True, True)],
)
def test_service_body_per_version(cloud, version, forced_down, uuid_ids):
    listed = services(cloud, version)
    assert {s["binary"] for s in listed} == {"nova-conductor", "nova-scheduler", "nova-compute"}
    for service in listed:
        assert set(service) == KEYS | ({"forced_down"} if forced_down else set())
        assert TIME.match(service["updated_at"])
        if uuid_ids:
            assert UUID.match(service["id"])
        else:
            assert isinstance(service["id"], int)
    hosts = [s["host"] for s in services(cloud, version, "?host=compute1")]
    assert hosts == ["compute1"]
    assert services(cloud, version, "?binary=nova-scheduler&host=compute1") == []


def test_unknown_query_parameters(cloud):
    assert cloud.get(f"{URL}?bogus=1", headers=mv("2.74")).status_int == 200
    assert cloud.get(f"{URL}?bogus=1", headers=mv("2.75")).status_int == 400


def test_disable_and_enable_by_action(cloud, flavor):
    body = {"host": "compute1", "binary": "nova-compute"}
    response = put(cloud, "disable-log-reason", {**body, "disabled_reason": "maint"}, "2.1")
    assert response.status_int == 200, response.text
    assert response.json == {"service": {**body, "status": "disabled", "disabled_reason": "maint"}}
    service = compute(cloud, "compute1", "2.1")
    assert service["status"] == "disabled" and service["disabled_reason"] == "maint"
    # The scheduler no longer picks the disabled host.
    wait_scheduler_view_dropped(cloud)
    for _ in range(3):
        server_id, host = start_server(cloud)
        assert host == "compute2"

    assert put(cloud, "disable-log-reason", body, "2.1").json["badRequest"]["message"] == (
        "Missing disabled reason field"
    )
    response = put(cloud, "enable", body, "2.1")
    assert response.json == {"service": {**body, "status": "enabled"}}
    assert compute(cloud, "compute1", "2.1")["disabled_reason"] is None
    assert put(cloud, "disable", body, "2.1").json == {"service": {**body, "status": "disabled"}}
    assert compute(cloud, "compute1", "2.1")["status"] == "disabled"

    scheduler = {"host": cloud.services[1].host, "binary": "nova-scheduler"}
    response = put(cloud, "disable", scheduler, "2.1")
    assert response.status_int == 400
    assert response.json["badRequest"]["message"] == (
        "Updating a nova-scheduler service is not supported. Only nova-compute services "
        "can be updated."
    )
    response = put(cloud, "disable", {"host": "nowhere", "binary": "nova-compute"}, "2.1")
    assert response.status_int == 404
    assert response.json["itemNotFound"]["message"] == (
        "Could not find binary nova-compute on host nowhere."
    )
    assert put(cloud, "reboot", body, "2.1").status_int == 404
    assert put(cloud, "force-down", {**body, "forced_down": True}, "2.10").status_int == 400
    assert put(cloud, "force-down", body, "2.10").status_int == 404  # no such action yet
    assert (
        cloud.request("PUT", f"{URL}/enable", body, headers=mv("2.1"), token="demo:demo").status_int
        == 403
    )


def test_force_down_by_action_lets_evacuate_run(cloud, flavor):
    server_id, source = start_server(cloud)
    body = {"host": source, "binary": "nova-compute"}
    assert put(cloud, "force-down", body, "2.11").json["badRequest"]["message"] == (
        "Missing forced_down field"
    )
    response = put(cloud, "force-down", {**body, "forced_down": True}, "2.11")
    assert response.status_int == 200, response.text
    assert response.json == {"service": {**body, "forced_down": True}}
    service = compute(cloud, source, "2.11")
    assert service["forced_down"] is True and service["state"] == "down"

    response = action(cloud, server_id, {"evacuate": {"onSharedStorage": False}})
    assert response.status_int == 200, response.text
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == other(source)
    cloud.wait_for(
        f"/v2.1/os-migrations?instance_uuid={server_id}",
        lambda r: [m["status"] for m in r.json["migrations"]] == ["done"],
    )
    # The evacuation waits for the source to start again: forcing it up now is refused.
    response = put(cloud, "force-down", {**body, "forced_down": False}, "2.11")
    assert response.status_int == 400
    assert "`done` evacuation migration records remain" in response.json["badRequest"]["message"]


def test_update_by_uuid(cloud):
    service_id = compute(cloud, "compute1")["id"]
    response = put(cloud, service_id, {"status": "disabled", "disabled_reason": "x"}, "2.53")
    assert response.status_int == 200, response.text
    service = response.json["service"]
    assert set(service) == KEYS | {"forced_down"}
    assert service["id"] == service_id and service["status"] == "disabled"
    assert service["disabled_reason"] == "x"

    response = put(cloud, service_id, {"forced_down": True}, "2.53")
    assert response.json["service"]["forced_down"] is True
    assert response.json["service"]["state"] == "down"
    response = put(cloud, service_id, {"status": "enabled", "forced_down": False}, "2.53")
    service = response.json["service"]
    assert service["status"] == "enabled" and service["disabled_reason"] is None
    assert service["forced_down"] is False and service["state"] == "up"

    for body, message in (
        ({}, "No updates were requested. Fields 'status' or 'forced_down' should be specified."),
        ({"disabled_reason": "x"}, "No updates were requested."),
        (
            {"status": "enabled", "disabled_reason": "x"},
            "Specifying 'disabled_reason' with status 'enabled' is invalid.",
        ),
    ):
        response = put(cloud, service_id, body, "2.53")
        assert response.status_int == 400
        assert response.json["badRequest"]["message"].startswith(message)
    assert put(cloud, service_id, {"status": "on"}, "2.53").status_int == 400
    assert put(cloud, "disable", {"status": "disabled"}, "2.53").json["badRequest"]["message"] == (
        "Invalid uuid disable"
    )
    missing = "00000000-0000-0000-0000-000000000000"
    assert put(cloud, missing, {"status": "disabled"}, "2.53").status_int == 404
    scheduler_id = next(s["id"] for s in services(cloud, "2.53") if s["binary"] == "nova-scheduler")
    assert put(cloud, scheduler_id, {"status": "disabled"}, "2.53").status_int == 400


def test_delete(cloud, flavor):
    server_id, host = start_server(cloud)
    busy = compute(cloud, host)["id"]
    response = cloud.delete(f"{URL}/{busy}", headers=mv("2.53"))
    assert response.status_int == 409
    assert response.json["conflictingRequest"]["message"] == (
        "Unable to delete compute service that is hosting instances. Migrate or delete the "
        "instances first."
    )
    idle = compute(cloud, other(host), "2.1")
    assert cloud.delete(f"{URL}/{idle['id']}", headers=mv("2.53")).status_int == 400
    assert cloud.delete(f"{URL}/not-a-number", headers=mv("2.52")).status_int == 400
    assert cloud.delete(f"{URL}/99999", headers=mv("2.52")).status_int == 404
    assert cloud.delete(f"{URL}/{idle['id']}", token="demo:demo").status_int == 403

    response = cloud.delete(f"{URL}/{idle['id']}", headers=mv("2.52"))
    assert response.status_int == 204 and response.body == b""
    assert other(host) not in [s["host"] for s in services(cloud, "2.1", "?binary=nova-compute")]
    hypervisors = cloud.get("/v2.1/os-hypervisors").json["hypervisors"]
    assert [h["hypervisor_hostname"] for h in hypervisors] == [host]
