"""kill -9 of the compute service in the middle of an operation: after a
restart the instance ends in a consistent state (issue 4, crash safety).

The fake driver's per-instance metadata ``fake:hang=<method>=<seconds>``
holds the operation inside the driver while the process is killed.
"""

from __future__ import annotations

import signal
import time

import pytest

FLAVOR = "crash.small"
IMAGE = "155d900f-4e14-4e4c-a73d-069cbf4541e6"


@pytest.fixture
def cloud(deployment_factory):
    deployment = deployment_factory(
        "crash",
        computes=1,
        report_interval=1,
        service_down_time=10,
        extra_config={"compute1": {"fake.persistent": "true"}},
    )
    deployment.api.create_flavor(FLAVOR, ram=512, vcpus=1, disk=1)
    return deployment


def _boot(api, name: str, hang: str | None = None) -> str:
    server = {"name": name, "flavorRef": FLAVOR, "imageRef": IMAGE}
    if hang:
        server["metadata"] = {"fake:hang": hang}
    return api.ok("POST", "/servers", expected=202, json={"server": server})["server"]["id"]


def _wait(api, server_id: str, check, timeout: float = 60.0) -> dict | None:
    deadline = time.monotonic() + timeout
    while True:
        response = api.get(f"/servers/{server_id}")
        body = response.json().get("server") if response.status_code == 200 else None
        if check(response.status_code, body):
            return body
        assert time.monotonic() < deadline, f"{server_id}: {response.status_code} {body}"
        time.sleep(0.1)


def _task(state: str):
    return lambda code, body: code == 200 and body["OS-EXT-STS:task_state"] == state


def _kill_and_restart_compute(cloud) -> None:
    compute = cloud.daemons["compute1"]
    compute.kill(signal.SIGKILL)
    compute.start()


def test_kill_during_build(cloud):
    api = cloud.api
    server_id = _boot(api, "hung-build", hang="spawn=600")
    _wait(api, server_id, _task("spawning"))
    _kill_and_restart_compute(cloud)
    server = _wait(api, server_id, lambda code, body: body and body["status"] == "ERROR")
    assert server["OS-EXT-STS:task_state"] is None
    assert "restarted during the build" in server["fault"]["message"]
    left = cloud.query(
        "SELECT consumer_uuid FROM allocations WHERE consumer_uuid = %s", (server_id,)
    )
    assert left == []


def test_kill_during_reboot(cloud):
    api = cloud.api
    server_id = _boot(api, "hung-reboot", hang="reboot=600")
    _wait(api, server_id, lambda code, body: body and body["status"] == "ACTIVE")
    api.ok("POST", f"/servers/{server_id}/action", expected=202, json={"reboot": {"type": "HARD"}})
    _wait(api, server_id, _task("reboot_started_hard"))
    _kill_and_restart_compute(cloud)
    server = _wait(api, server_id, _task(None))
    assert server["status"] == "ACTIVE"


def test_kill_during_delete(cloud):
    api = cloud.api
    server_id = _boot(api, "hung-delete", hang="destroy=3")
    _wait(api, server_id, lambda code, body: body and body["status"] == "ACTIVE")
    api.ok("DELETE", f"/servers/{server_id}", expected=204)
    _wait(api, server_id, _task("deleting"))
    time.sleep(0.5)  # inside the driver's destroy now
    _kill_and_restart_compute(cloud)
    # The restarted service finishes the delete (its destroy hangs 3 s again).
    _wait(api, server_id, lambda code, body: code == 404, timeout=30)
    rows = cloud.query("SELECT deleted, vm_state FROM instances WHERE uuid = %s", (server_id,))
    assert rows[0][0] != 0 and rows[0][1] == "deleted"
