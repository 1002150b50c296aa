"""rebuild, rescue/unrescue, changePassword and forceDelete actions, and the
repair of their interrupted tasks after a compute restart."""

from __future__ import annotations

import time

import pytest

from nova_lite.compute import power_state
from nova_lite.db import models
from tests.functional.test_recovery import _server, _set_columns, _show
from tests.functional.test_server_actions import action, settled
from tests.functional.test_servers import IMAGE, boot, count_rows, wait_gone, wait_status

DEMO = "demo:demo"
NEW_IMAGE = "22222222-3333-4444-5555-666666666666"
F, E = models.InstanceFault, models.InstanceActionEvent


@pytest.fixture
def server(cloud, flavor) -> str:
    server_id = boot(cloud, token=DEMO)["server"]["id"]
    wait_status(cloud, server_id, "ACTIVE")
    return server_id


def _fail(cloud, monkeypatch, method: str, error: BaseException) -> None:
    """Make ``method`` of every compute's driver raise ``error``."""

    def fail(*args, **kwargs):
        raise error

    for service in cloud.services[2:]:
        monkeypatch.setattr(service.manager.driver, method, fail)


def _rows(db, model, *criteria, expected: int = 1) -> int:
    """The row count once it reaches ``expected`` (events finish after the state saves)."""
    deadline = time.monotonic() + 5
    while (count := count_rows(db, model, *criteria)) != expected:
        if time.monotonic() > deadline:
            return count
        time.sleep(0.01)
    return count


def _conflict(server_id: str, name: str, attr: str, state: str) -> dict:
    message = f"Cannot '{name}' instance {server_id} while it is in {attr} {state}"
    return {"conflictingRequest": {"code": 409, "message": message}}


# -- rebuild ---------------------------------------------------------------------------
def test_rebuild_active(cloud, server, db):
    before = _show(cloud, server)
    body = {"rebuild": {"imageRef": NEW_IMAGE, "name": "renamed", "metadata": {"a": "b"}}}
    response = action(cloud, server, body, token=DEMO)
    assert response.status_int == 202, response.text
    shown = response.json["server"]
    assert shown["id"] == server
    # At 2.1 rebuild answers the show body without its extensions (Nova's shape).
    assert "OS-EXT-STS:task_state" not in shown
    assert shown["status"] == "REBUILD"
    assert shown["image"]["id"] == NEW_IMAGE
    assert (shown["name"], shown["metadata"]) == ("renamed", {"a": "b"})
    assert isinstance(shown["adminPass"], str) and len(shown["adminPass"]) == 12
    after = settled(cloud, server, "ACTIVE")
    assert after["OS-EXT-STS:power_state"] == 1
    assert after["OS-EXT-SRV-ATTR:host"] == before["OS-EXT-SRV-ATTR:host"]
    assert after["image"]["id"] == NEW_IMAGE
    assert _rows(db, E, E.event == "compute_rebuild_instance", E.result == "Success") == 1


def test_rebuild_given_password_is_returned(cloud, server):
    body = {"rebuild": {"imageRef": IMAGE, "adminPass": "s3cret"}}
    response = action(cloud, server, body, token=DEMO)
    assert response.json["server"]["adminPass"] == "s3cret"
    settled(cloud, server, "ACTIVE")


def test_rebuild_stopped_ends_stopped(cloud, server):
    action(cloud, server, {"os-stop": None})
    settled(cloud, server, "SHUTOFF")
    assert action(cloud, server, {"rebuild": {"imageRef": NEW_IMAGE}}).status_int == 202
    shown = settled(cloud, server, "SHUTOFF")
    assert (shown["OS-EXT-STS:power_state"], shown["image"]["id"]) == (4, NEW_IMAGE)


def test_rebuild_error_ends_active(cloud, server):
    action(cloud, server, {"os-resetState": {"state": "error"}})
    assert action(cloud, server, {"rebuild": {"imageRef": IMAGE}}).status_int == 202
    settled(cloud, server, "ACTIVE")


def test_rebuild_failure_is_error_with_fault(cloud, server, monkeypatch, db):
    _fail(cloud, monkeypatch, "spawn", RuntimeError("no disk"))
    assert action(cloud, server, {"rebuild": {"imageRef": IMAGE}}).status_int == 202
    settled(cloud, server, "ERROR")
    assert _rows(db, F, F.instance_uuid == server, F.message == "RuntimeError") == 1


@pytest.mark.parametrize(
    "body",
    [
        {"rebuild": {}},
        {"rebuild": {"imageRef": "not-a-uuid"}},
        {"rebuild": {"imageRef": IMAGE, "bogus": 1}},
        {"rebuild": {"imageRef": IMAGE, "name": ""}},
        {"rebuild": None},
    ],
)
def test_rebuild_bad_body(cloud, server, body):
    assert action(cloud, server, body).status_int == 400
    assert _show(cloud, server)["OS-EXT-STS:task_state"] is None


def test_rebuild_paused_is_409(cloud, server):
    action(cloud, server, {"pause": None})
    settled(cloud, server, "PAUSED")
    response = action(cloud, server, {"rebuild": {"imageRef": IMAGE}})
    assert response.status_int == 409
    assert response.json == _conflict(server, "rebuild", "vm_state", "paused")


# -- rescue ------------------------------------------------------------------------------
def test_rescue_and_unrescue(cloud, server, db):
    response = action(cloud, server, {"rescue": None}, token=DEMO)
    assert response.status_int == 200, response.text
    assert set(response.json) == {"adminPass"} and len(response.json["adminPass"]) == 12
    shown = settled(cloud, server, "RESCUE")
    assert (shown["OS-EXT-STS:vm_state"], shown["OS-EXT-STS:power_state"]) == ("rescued", 1)
    again = action(cloud, server, {"rescue": None}, token=DEMO)
    assert again.json == _conflict(server, "rescue", "vm_state", "rescued")
    assert action(cloud, server, {"unrescue": None}, token=DEMO).status_int == 202
    assert settled(cloud, server, "ACTIVE")["OS-EXT-STS:vm_state"] == "active"
    for event in ("compute_rescue_instance", "compute_unrescue_instance"):
        assert _rows(db, E, E.event == event, E.result == "Success") == 1


def test_rescue_with_password_and_image(cloud, server):
    body = {"rescue": {"adminPass": "pw", "rescue_image_ref": NEW_IMAGE}}
    response = action(cloud, server, body, token=DEMO)
    assert (response.status_int, response.json) == (200, {"adminPass": "pw"})
    settled(cloud, server, "RESCUE")


def test_rescue_stopped_server(cloud, server):
    action(cloud, server, {"os-stop": None})
    settled(cloud, server, "SHUTOFF")
    assert action(cloud, server, {"rescue": {}}).status_int == 200
    settled(cloud, server, "RESCUE")


def test_unrescue_not_rescued_is_409(cloud, server):
    response = action(cloud, server, {"unrescue": None})
    assert response.status_int == 409
    assert response.json == _conflict(server, "unrescue", "vm_state", "active")


@pytest.mark.parametrize(
    "body",
    [
        {"rescue": {"bogus": 1}},
        {"rescue": {"rescue_image_ref": "nope"}},
        {"rescue": {"adminPass": 5}},
        {"unrescue": {}},
    ],
)
def test_rescue_bad_body(cloud, server, body):
    assert action(cloud, server, body).status_int == 400
    assert _show(cloud, server)["status"] == "ACTIVE"


def test_rescue_failure_reverts_task_with_fault(cloud, server, monkeypatch, db):
    _fail(cloud, monkeypatch, "rescue", RuntimeError("no rescue image"))
    assert action(cloud, server, {"rescue": None}).status_int == 200
    settled(cloud, server, "ACTIVE")
    assert _rows(db, F, F.instance_uuid == server, F.message == "RuntimeError") == 1
    assert _rows(db, E, E.event == "compute_rescue_instance", E.result == "Error") == 1


# -- changePassword ------------------------------------------------------------------------
def test_change_password(cloud, server, db):
    body = {"changePassword": {"adminPass": "n3w"}}
    response = action(cloud, server, body, token=DEMO)
    assert response.status_int == 202, response.text
    shown = _show(cloud, server)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    drivers = [s.manager.driver for s in cloud.services[2:]]
    assert any(d._passwords.get(server) == "n3w" for d in drivers)
    event = E.event == "compute_set_admin_password"
    assert _rows(db, E, event, E.result == "Success") == 1


def test_change_password_not_implemented_is_501(cloud, server, monkeypatch, db):
    _fail(cloud, monkeypatch, "set_admin_password", NotImplementedError())
    response = action(cloud, server, {"changePassword": {"adminPass": "x"}})
    assert response.status_int == 501, response.text
    assert response.json == {
        "notImplemented": {"code": 501, "message": "Unable to set password on instance"}
    }
    assert _show(cloud, server)["OS-EXT-STS:task_state"] is None


def test_change_password_failure_is_409_without_the_password(cloud, server, monkeypatch, db):
    _fail(cloud, monkeypatch, "set_admin_password", RuntimeError("agent gone"))
    response = action(cloud, server, {"changePassword": {"adminPass": "hunter2"}})
    assert response.status_int == 409, response.text
    message = response.json["conflictingRequest"]["message"]
    assert (
        message == f"Failed to set admin password on {server} because error setting admin password"
    )
    assert _show(cloud, server)["OS-EXT-STS:task_state"] is None
    assert _rows(db, F, F.instance_uuid == server, F.message == "RuntimeError") == 1


def test_change_password_stopped_is_409(cloud, server):
    action(cloud, server, {"os-stop": None})
    settled(cloud, server, "SHUTOFF")
    response = action(cloud, server, {"changePassword": {"adminPass": "x"}})
    assert response.json == _conflict(server, "changePassword", "vm_state", "stopped")


@pytest.mark.parametrize(
    "body", [{"changePassword": {}}, {"changePassword": None}, {"changePassword": {"adminPass": 1}}]
)
def test_change_password_bad_body(cloud, server, body):
    assert action(cloud, server, body).status_int == 400


# -- forceDelete ------------------------------------------------------------------------------
def test_force_delete(cloud, server):
    assert action(cloud, server, {"forceDelete": None}, token=DEMO).status_int == 202
    wait_gone(cloud, server)


def test_force_delete_while_a_task_runs_is_409(cloud, server, db):
    _set_columns(db, server, task_state="rebooting")
    response = action(cloud, server, {"forceDelete": None})
    assert response.json == _conflict(server, "forceDelete", "task_state", "rebooting")
    _set_columns(db, server, task_state=None)


# -- common: locked, other project, unknown ---------------------------------------------------
BODIES = [
    {"rebuild": {"imageRef": IMAGE}},
    {"rescue": None},
    {"changePassword": {"adminPass": "x"}},
    {"forceDelete": None},
]


@pytest.mark.parametrize("body", BODIES)
def test_locked_server_is_409_for_owner(cloud, server, body):
    assert action(cloud, server, {"lock": None}).status_int == 202
    response = action(cloud, server, body, token=DEMO)
    assert response.status_int == 409
    assert response.json["conflictingRequest"]["message"] == f"Instance {server} is locked"
    assert _show(cloud, server)["OS-EXT-STS:task_state"] is None


def test_locked_unrescue_is_409_for_owner(cloud, server):
    assert action(cloud, server, {"rescue": None}).status_int == 200
    settled(cloud, server, "RESCUE")
    action(cloud, server, {"lock": None})
    assert action(cloud, server, {"unrescue": None}, token=DEMO).status_int == 409
    assert action(cloud, server, {"unrescue": None}).status_int == 202  # admin may
    settled(cloud, server, "ACTIVE")


@pytest.mark.parametrize("body", [*BODIES, {"unrescue": None}])
def test_other_projects_server_is_404(cloud, server, body):
    assert action(cloud, server, body, token="other:other").status_int == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert action(cloud, missing, body).status_int == 404


# -- repair after a restart -----------------------------------------------------------------
@pytest.mark.parametrize("task", ["rebuilding", "rebuild_spawning"])
def test_restart_mid_rebuild_is_error_with_fault(cloud, flavor, db, task):
    server_id, compute = _server(cloud)
    _set_columns(db, server_id, task_state=task)
    compute.stop()
    compute.start()
    shown = _show(cloud, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ERROR", None)
    assert _rows(db, F, F.instance_uuid == server_id) == 1


@pytest.mark.parametrize(
    "task,rescued,status",
    [("rescuing", True, "RESCUE"), ("rescuing", False, "ACTIVE"), ("unrescuing", False, "ACTIVE")],
)
def test_restart_mid_rescue_settles_from_the_hypervisor(cloud, flavor, db, task, rescued, status):
    server_id, compute = _server(cloud)
    _set_columns(db, server_id, task_state=task)
    if rescued:
        compute.manager.driver._rescued[server_id] = True
    compute.stop()
    compute.start()
    shown = _show(cloud, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == (status, None)
    assert shown["OS-EXT-STS:power_state"] == power_state.RUNNING


def test_restart_mid_password_change_clears_the_task(cloud, flavor, db):
    server_id, compute = _server(cloud)
    _set_columns(db, server_id, task_state="updating_password")
    compute.stop()
    compute.start()
    shown = _show(cloud, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
