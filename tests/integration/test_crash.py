"""kill -9 of a compute service or of the conductor in the middle of an
operation: after a restart the instance ends in a consistent state (issue 4,
crash safety; moves follow the table of nova_lite.compute.move_recovery).

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


# -- moves: two hosts, the fake hypervisors keep their guests across restarts -------------

BIG = "crash.big"
DEADLINE = 5  # [DEFAULT] task_state_timeouts migrating:5


@pytest.fixture
def hosts(deployment_factory):
    deployment = deployment_factory(
        "crash-moves",
        computes=2,
        report_interval=1,
        service_down_time=10,
        extra_config={
            "*": {
                "fake.persistent": "true",
                "periodic_interval": 1,
                "task_state_check_interval": 1,
                "task_state_timeouts": f"migrating:{DEADLINE}",
            }
        },
    )
    deployment.api.create_flavor(FLAVOR, ram=512, vcpus=1, disk=1)
    deployment.api.create_flavor(BIG, ram=1024, vcpus=2, disk=2)
    return deployment


def _settled(status: str):
    return lambda code, body: (
        code == 200 and body["status"] == status and body["OS-EXT-STS:task_state"] is None
    )


def _active_on(api, name: str, hang: str) -> tuple[str, str, str]:
    """Boot; (server id, its host, the other host)."""
    server_id = _boot(api, name, hang=hang)
    source = _wait(api, server_id, _settled("ACTIVE"))["OS-EXT-SRV-ATTR:host"]
    return server_id, source, "compute2" if source == "compute1" else "compute1"


def _action(api, server_id: str, body: dict, expected: int = 202) -> None:
    api.ok("POST", f"/servers/{server_id}/action", expected=expected, json=body)


def _allocations(cloud) -> list[tuple[str, str, int]]:
    rows = cloud.query(
        "SELECT a.consumer_uuid, n.host, a.memory_mb FROM allocations a "
        "JOIN compute_nodes n ON n.uuid = a.compute_node_uuid"
    )
    return sorted(tuple(row) for row in rows)


def _migrations(cloud, server_id: str) -> list[tuple[str, str, str]]:
    """(uuid, status, type) of the server's migrations, oldest first."""
    rows = cloud.query(
        "SELECT uuid, status, migration_type FROM migrations WHERE instance_uuid = %s ORDER BY id",
        (server_id,),
    )
    return [tuple(row) for row in rows]


def _wait_migration(cloud, server_id: str, status: str, timeout: float = 60.0) -> tuple:
    deadline = time.monotonic() + timeout
    while True:
        migrations = _migrations(cloud, server_id)
        if migrations and migrations[-1][1] == status:
            return migrations[-1]
        assert time.monotonic() < deadline, f"{server_id}: migrations {migrations}"
        time.sleep(0.1)


def test_kill_source_mid_resize_rolls_back(hosts):
    api = hosts.api
    server_id, source, _dest = _active_on(api, "resize-src", "migrate_disk_and_power_off=600")
    _action(api, server_id, {"resize": {"flavorRef": BIG}})
    _wait(api, server_id, _task("resize_migrating"))
    hosts.restart(source)  # kill -9 while the guest is being handed over

    server = _wait(api, server_id, _settled("ACTIVE"))
    assert (server["OS-EXT-SRV-ATTR:host"], server["flavor"]["id"]) == (source, FLAVOR)
    assert [m[1] for m in _migrations(hosts, server_id)] == ["error"]
    assert _allocations(hosts) == [(server_id, source, 512)]


def test_kill_destination_mid_resize_finishes_it(hosts):
    api = hosts.api
    # The resumed finish hangs these seconds again, then completes.
    server_id, source, dest = _active_on(api, "resize-dst", "finish_migration=5")
    _action(api, server_id, {"resize": {"flavorRef": BIG}})
    _wait(api, server_id, _task("resize_finish"))
    hosts.restart(dest)

    server = _wait(api, server_id, _settled("VERIFY_RESIZE"))
    assert (server["OS-EXT-SRV-ATTR:host"], server["flavor"]["id"]) == (dest, BIG)
    ((migration, status, _type),) = _migrations(hosts, server_id)
    assert status == "finished"
    assert _allocations(hosts) == sorted([(migration, source, 512), (server_id, dest, 1024)])
    _action(api, server_id, {"confirmResize": None}, expected=204)
    assert _wait(api, server_id, _settled("ACTIVE"))["OS-EXT-SRV-ATTR:host"] == dest
    assert _allocations(hosts) == [(server_id, dest, 1024)]


def test_kill_conductor_mid_cold_migration(hosts):
    api = hosts.api
    server_id, source, dest = _active_on(api, "migrate-cond", "finish_migration=5")
    _action(api, server_id, {"migrate": None})
    _wait(api, server_id, _task("resize_finish"))
    hosts.restart("conductor")  # the destination's saves wait for the new one

    server = _wait(api, server_id, _settled("VERIFY_RESIZE"))
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    _action(api, server_id, {"confirmResize": None}, expected=204)
    _wait(api, server_id, _settled("ACTIVE"))
    assert [m[1] for m in _migrations(hosts, server_id)] == ["confirmed"]
    assert _allocations(hosts) == [(server_id, dest, 512)]


def test_kill_conductor_mid_live_migration_then_force_complete(hosts):
    api = hosts.api
    server_id, source, dest = _active_on(api, "live-cond", "live_migration=600")
    _action(
        api,
        server_id,
        {"os-migrateLive": {"host": None, "block_migration": False, "disk_over_commit": False}},
    )
    _wait_migration(hosts, server_id, "running")
    hosts.restart("conductor")

    listed = api.ok(
        "GET",
        f"/servers/{server_id}/migrations",
        headers={"OpenStack-API-Version": "compute 2.23"},
    )["migrations"]
    (migration,) = listed
    assert migration["status"] == "running"
    api.ok(
        "POST",
        f"/servers/{server_id}/migrations/{migration['id']}/action",
        expected=202,
        json={"force_complete": None},
        headers={"OpenStack-API-Version": "compute 2.22"},
    )
    server = _wait(api, server_id, _settled("ACTIVE"))
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    assert _wait_migration(hosts, server_id, "completed")
    assert _allocations(hosts) == [(server_id, dest, 512)]


def test_kill_conductor_inside_its_live_migration_task(hosts):
    api = hosts.api
    # The conductor waits on the destination's check when it dies: nobody
    # carries the move on, and the source rolls it back at the task's deadline.
    server_id, source, dest = _active_on(api, "live-lost", "check_can_live_migrate_destination=30")
    _action(
        api,
        server_id,
        {"os-migrateLive": {"host": dest, "block_migration": False, "disk_over_commit": False}},
    )
    _wait(api, server_id, _task("migrating"))
    # Killed once its migration record exists (the conductor writes it before the check).
    deadline = time.monotonic() + 30
    while not _migrations(hosts, server_id):
        assert time.monotonic() < deadline, "the conductor never recorded the migration"
        time.sleep(0.05)
    hosts.restart("conductor")

    server = _wait(api, server_id, _settled("ACTIVE"), timeout=DEADLINE + 60)
    assert server["OS-EXT-SRV-ATTR:host"] == source
    assert [m[1] for m in _migrations(hosts, server_id)] == ["error"]
    assert _allocations(hosts) == [(server_id, source, 512)]
