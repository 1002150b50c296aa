"""Live migration end to end: API, conductor, scheduler, both computes, fake driver."""

from __future__ import annotations

import time

from sqlalchemy import update

from nova_lite.db import models
from tests.functional.test_moves import (
    DEMO,
    SMALL,
    action,
    alloc,
    allocations,
    compute_service,
    db_write,
    migration_rows,
    other,
    settled,
    start_server,
    usage,
    wait_usage,
)


def live(host=None, block=False) -> dict:
    return {"os-migrateLive": {"host": host, "block_migration": block, "disk_over_commit": False}}


def wait_migration(db, server_id: str, status: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        rows = migration_rows(db, server_id)
        if rows and rows[-1].status == status:
            return rows[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"migration of {server_id}: {rows and rows[-1].status}")
        time.sleep(0.01)


def guests(cloud, host: str) -> list[str]:
    return compute_service(cloud, host).manager.driver.list_instance_uuids()


def test_live_migrate_moves_instance_and_usage(cloud, flavor, db):
    server_id, source = start_server(cloud)
    dest = other(source)
    wait_usage(cloud, usage(**{source: [SMALL]}), running={source: 1, dest: 0})

    response = action(cloud, server_id, live())
    assert response.status_int == 202, response.text
    migration = wait_migration(db, server_id, "completed")
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    assert server["OS-EXT-SRV-ATTR:hypervisor_hostname"] == dest
    assert server["OS-EXT-STS:power_state"] == 1
    assert (migration.migration_type, migration.source_compute, migration.dest_compute) == (
        "live-migration",
        source,
        dest,
    )
    assert guests(cloud, source) == [] and guests(cloud, dest) == [server_id]
    wait_usage(cloud, usage(**{dest: [SMALL]}), running={source: 0, dest: 1})
    assert allocations(db) == [alloc(server_id, dest, SMALL)]
    actions = cloud.get(f"/v2.1/servers/{server_id}/os-instance-actions").json
    assert actions["instanceActions"][0]["action"] == "live-migration"


def test_live_migrate_paused_to_named_host(cloud, flavor, db):
    server_id, source = start_server(cloud)
    dest = other(source)
    assert action(cloud, server_id, {"pause": None}, token=DEMO).status_int == 202
    settled(cloud, server_id, "PAUSED")

    response = action(cloud, server_id, live(host=dest, block="true"))
    assert response.status_int == 202, response.text
    wait_migration(db, server_id, "completed")
    server = settled(cloud, server_id, "PAUSED")
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    assert server["OS-EXT-STS:power_state"] == 3
    assert allocations(db) == [alloc(server_id, dest, SMALL)]
    wait_usage(cloud, usage(**{dest: [SMALL]}), running={source: 0, dest: 1})


def test_live_migrate_refusals(cloud, flavor, db):
    server_id, source = start_server(cloud)

    response = action(cloud, server_id, live(host=source))
    assert response.status_int == 400, response.text
    assert "current host" in response.json["badRequest"]["message"]
    response = action(cloud, server_id, live(host="nowhere"))
    assert response.status_int == 400, response.text
    assert response.json["badRequest"]["message"] == "Compute host nowhere could not be found."
    assert action(cloud, server_id, live(), token=DEMO).status_int == 403
    # 2.1's body: all three keys, booleans only.
    bad = {"os-migrateLive": {"host": None, "block_migration": False}}
    assert action(cloud, server_id, bad).status_int == 400
    assert action(cloud, server_id, live(block="auto")).status_int == 400

    assert action(cloud, server_id, {"os-stop": None}, token=DEMO).status_int == 202
    settled(cloud, server_id, "SHUTOFF")
    response = action(cloud, server_id, live())
    assert response.status_int == 409, response.text
    assert "os-migrateLive" in response.json["conflictingRequest"]["message"]
    assert migration_rows(db, server_id) == []


def test_live_migrate_to_down_host_is_400(cloud, flavor, db):
    server_id, source = start_server(cloud)
    dest = other(source)
    db_write(db, update(models.Service).where(models.Service.host == dest).values(forced_down=True))
    response = action(cloud, server_id, live(host=dest))
    assert response.status_int == 400, response.text
    assert response.json["badRequest"]["message"] == (
        f"Compute service of {dest} is unavailable at this time."
    )


def test_live_migrate_failure_rolls_back(cloud, flavor, db):
    server_id, source = start_server(cloud)
    dest = other(source)
    response = cloud.post(
        f"/v2.1/servers/{server_id}/metadata",
        {"metadata": {"fake:fail": "live_migration"}},
        token=DEMO,
    )
    assert response.status_int == 200, response.text

    assert action(cloud, server_id, live()).status_int == 202
    wait_migration(db, server_id, "error")
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    assert server["OS-EXT-STS:power_state"] == 1
    wait_usage(cloud, usage(**{source: [SMALL]}), running={source: 1, dest: 0})
    assert allocations(db) == [alloc(server_id, source, SMALL)]
    assert guests(cloud, dest) == []

    # A failing destination check: the conductor rolls back, nothing stays claimed.
    response = cloud.post(
        f"/v2.1/servers/{server_id}/metadata",
        {"metadata": {"fake:fail": "check_can_live_migrate_destination"}},
        token=DEMO,
    )
    assert response.status_int == 200, response.text
    assert action(cloud, server_id, live()).status_int == 202
    cloud.wait_for(
        f"/v2.1/servers/{server_id}",
        lambda r: (
            len(migration_rows(db, server_id)) == 2
            and migration_rows(db, server_id)[-1].status == "error"
            and r.json["server"]["OS-EXT-STS:task_state"] is None
        ),
    )
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    wait_usage(cloud, usage(**{source: [SMALL]}), running={source: 1, dest: 0})
    assert allocations(db) == [alloc(server_id, source, SMALL)]
