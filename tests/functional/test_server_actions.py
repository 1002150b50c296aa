"""POST /servers/{id}/action: power operations, lock, reset, console output."""

from __future__ import annotations

import pytest

from nova_lite.db import models
from tests.functional.test_servers import boot, count_rows, wait_status

DEMO = "demo:demo"


def action(cloud, server_id: str, body: dict, token: str | None = None):
    return cloud.post(f"/v2.1/servers/{server_id}/action", body, token=token)


@pytest.fixture
def server(cloud, flavor) -> str:
    server_id = boot(cloud, token=DEMO)["server"]["id"]
    wait_status(cloud, server_id, "ACTIVE")
    return server_id


def settled(cloud, server_id: str, status: str) -> dict:
    """The server once it shows ``status`` with no task in progress."""
    return cloud.wait_for(
        f"/v2.1/servers/{server_id}",
        lambda r: (
            r.json["server"]["status"] == status
            and r.json["server"]["OS-EXT-STS:task_state"] is None
        ),
    ).json["server"]


@pytest.mark.parametrize(
    "first,status,power,then,back",
    [
        ({"os-stop": None}, "SHUTOFF", 4, {"os-start": None}, "ACTIVE"),
        ({"pause": None}, "PAUSED", 3, {"unpause": None}, "ACTIVE"),
        ({"suspend": None}, "SUSPENDED", 7, {"resume": None}, "ACTIVE"),
    ],
)
def test_power_cycle(cloud, server, first, status, power, then, back):
    assert action(cloud, server, first, token=DEMO).status_int == 202
    shown = settled(cloud, server, status)
    assert shown["OS-EXT-STS:power_state"] == power
    assert action(cloud, server, then, token=DEMO).status_int == 202
    assert settled(cloud, server, back)["OS-EXT-STS:power_state"] == 1


def test_reboot_soft_and_hard(cloud, server, db):
    assert action(cloud, server, {"reboot": {"type": "SOFT"}}).status_int == 202
    settled(cloud, server, "ACTIVE")
    action(cloud, server, {"os-stop": None})
    settled(cloud, server, "SHUTOFF")
    response = action(cloud, server, {"reboot": {"type": "SOFT"}})
    assert response.status_int == 409
    assert action(cloud, server, {"reboot": {"type": "HARD"}}).status_int == 202
    assert settled(cloud, server, "ACTIVE")["OS-EXT-STS:power_state"] == 1
    actions = count_rows(db, models.InstanceAction, models.InstanceAction.instance_uuid == server)
    assert actions == 4  # create, reboot, stop, reboot


def test_wrong_state_is_409_in_nova_format(cloud, server, db):
    response = action(cloud, server, {"os-start": None})
    assert response.status_int == 409
    assert response.json == {
        "conflictingRequest": {
            "code": 409,
            "message": f"Cannot 'start' instance {server} while it is in vm_state active",
        }
    }
    assert count_rows(db, models.InstanceAction, models.InstanceAction.action == "start") == 0


def test_second_action_while_one_runs_is_refused(cloud, server):
    first = action(cloud, server, {"os-stop": None})
    second = action(cloud, server, {"pause": None})
    assert first.status_int == 202
    assert second.status_int == 409
    settled(cloud, server, "SHUTOFF")


def test_locked_server(cloud, server):
    assert action(cloud, server, {"lock": None}, token=DEMO).status_int == 202
    refused = action(cloud, server, {"os-stop": None}, token=DEMO)
    assert refused.status_int == 409
    assert refused.json["conflictingRequest"]["message"] == f"Instance {server} is locked"
    assert cloud.get(f"/v2.1/servers/{server}").json["server"]["status"] == "ACTIVE"
    assert action(cloud, server, {"os-stop": None}).status_int == 202  # admin may
    settled(cloud, server, "SHUTOFF")
    assert action(cloud, server, {"unlock": None}, token=DEMO).status_int == 202
    assert action(cloud, server, {"os-start": None}, token=DEMO).status_int == 202


def test_admin_lock_needs_admin_to_unlock(cloud, server):
    assert action(cloud, server, {"lock": {"locked_reason": "maintenance"}}).status_int == 202
    assert action(cloud, server, {"unlock": None}, token=DEMO).status_int == 403
    assert action(cloud, server, {"unlock": None}).status_int == 202


def test_reset_state_is_admin_only(cloud, server):
    assert (
        action(cloud, server, {"os-resetState": {"state": "error"}}, token=DEMO).status_int == 403
    )
    assert action(cloud, server, {"os-resetState": {"state": "error"}}).status_int == 202
    assert cloud.get(f"/v2.1/servers/{server}").json["server"]["status"] == "ERROR"
    assert action(cloud, server, {"os-resetState": {"state": "bogus"}}).status_int == 400


def test_console_output(cloud, server):
    response = action(cloud, server, {"os-getConsoleOutput": {"length": 1}}, token=DEMO)
    assert response.status_int == 200
    assert response.json == {"output": "FAKE CONSOLE OUTPUT"}


def test_driver_failure_reverts_task_and_records_fault(cloud, server, monkeypatch, db):
    for service in cloud.services[2:]:

        def fail(instance, timeout=0, retry_interval=0):
            raise RuntimeError("hypervisor said no")

        monkeypatch.setattr(service.manager.driver, "power_off", fail)
    assert action(cloud, server, {"os-stop": None}).status_int == 202
    shown = settled(cloud, server, "ACTIVE")
    assert shown["OS-EXT-STS:power_state"] == 1
    F, E = models.InstanceFault, models.InstanceActionEvent
    assert count_rows(db, F, F.instance_uuid == server, F.message == "RuntimeError") == 1
    assert count_rows(db, E, E.event == "compute_stop_instance", E.result == "Error") == 1


@pytest.mark.parametrize(
    "body,status",
    [
        ({"bogus": None}, 400),
        ({}, 400),
        ({"reboot": {"type": "SIDEWAYS"}}, 400),
        ({"reboot": {}}, 400),
        ({"os-stop": None, "pause": None}, 400),
    ],
)
def test_bad_actions(cloud, server, body, status):
    response = action(cloud, server, body)
    assert response.status_int == status, response.text
    assert cloud.get(f"/v2.1/servers/{server}").json["server"]["status"] == "ACTIVE"


def test_action_on_unknown_or_other_projects_server_is_404(cloud, flavor, server):
    assert (
        action(cloud, "00000000-0000-0000-0000-000000000000", {"os-stop": None}).status_int == 404
    )
    assert action(cloud, server, {"os-stop": None}, token="other:other").status_int == 404
