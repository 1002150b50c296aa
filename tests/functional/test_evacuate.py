"""Evacuation end to end: refused while the source is up, rebuilt elsewhere once it
is forced down, and cleaned up on the source when it starts again."""

from __future__ import annotations

from sqlalchemy import update

from nova_lite import service
from nova_lite.compute import manager
from nova_lite.db import models
from tests.functional.test_live_migration import guests, wait_migration
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


def evacuate(cloud, server_id: str, token: str | None = None, **params):
    return action(cloud, server_id, {"evacuate": {"onSharedStorage": False, **params}}, token)


def force_down(db, host: str, down: bool = True) -> None:
    db_write(
        db,
        update(models.Service)
        .where(models.Service.host == host, models.Service.binary == "nova-compute")
        .values(forced_down=down),
    )


def restart_compute(cloud, host: str) -> None:
    """Stop the host's compute service and start a new one on the same hypervisor."""
    old = compute_service(cloud, host)
    old.stop()
    new = service.Service(
        host, "nova-compute", "compute", manager.ComputeManager(host, driver=old.manager.driver)
    )
    cloud.services[cloud.services.index(old)] = new
    new.start()


def test_evacuate_refused_while_source_is_up(cloud, flavor, db):
    server_id, source = start_server(cloud)
    response = evacuate(cloud, server_id)
    assert response.status_int == 400, response.text
    assert response.json["badRequest"]["message"] == (
        f"Compute service of {source} is still in use."
    )
    assert evacuate(cloud, server_id, token=DEMO).status_int == 403
    response = evacuate(cloud, server_id, host=source)
    assert response.status_int == 400, response.text
    assert response.json["badRequest"]["message"] == "The target host can't be the same one."
    response = evacuate(cloud, server_id, host="nowhere")
    assert response.status_int == 404, response.text
    assert response.json["itemNotFound"]["message"] == "Compute host nowhere not found."
    body = {"evacuate": {"onSharedStorage": True, "adminPass": "secret"}}
    response = action(cloud, server_id, body)
    assert response.status_int == 400, response.text
    assert action(cloud, server_id, {"evacuate": {}}).status_int == 400
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    assert migration_rows(db, server_id) == []


def test_evacuate_after_forced_down_then_source_cleans_up(cloud, flavor, db):
    server_id, source = start_server(cloud)
    dest = other(source)
    force_down(db, source)

    response = evacuate(cloud, server_id)
    assert response.status_int == 200, response.text
    assert isinstance(response.json["adminPass"], str) and response.json["adminPass"]
    migration = wait_migration(db, server_id, "done")
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    assert server["OS-EXT-STS:power_state"] == 1
    assert (migration.migration_type, migration.source_compute, migration.dest_compute) == (
        "evacuation",
        source,
        dest,
    )
    assert guests(cloud, dest) == [server_id]
    assert guests(cloud, source) == [server_id]  # the down host could not clean up yet
    assert allocations(db) == sorted(
        [alloc(migration.uuid, source, SMALL), alloc(server_id, dest, SMALL)]
    )
    actions = cloud.get(f"/v2.1/servers/{server_id}/os-instance-actions").json
    assert actions["instanceActions"][0]["action"] == "evacuate"

    # The source comes back: it destroys the evacuated guest and frees its allocation.
    force_down(db, source, False)
    restart_compute(cloud, source)
    wait_migration(db, server_id, "completed")
    assert guests(cloud, source) == []
    assert allocations(db) == [alloc(server_id, dest, SMALL)]
    wait_usage(cloud, usage(**{dest: [SMALL]}), running={source: 0, dest: 1})
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == dest


def test_evacuate_stopped_to_named_host_on_shared_storage(cloud, flavor, db):
    server_id, source = start_server(cloud)
    dest = other(source)
    assert action(cloud, server_id, {"os-stop": None}, token=DEMO).status_int == 202
    settled(cloud, server_id, "SHUTOFF")
    force_down(db, source)

    response = action(cloud, server_id, {"evacuate": {"host": dest, "onSharedStorage": "true"}})
    assert response.status_int == 200, response.text
    assert response.json == {"adminPass": None}
    wait_migration(db, server_id, "done")
    server = settled(cloud, server_id, "SHUTOFF")
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    assert server["OS-EXT-STS:power_state"] == 4


def test_evacuate_wrong_state_and_failure(cloud, flavor, db):
    server_id, source = start_server(cloud)
    dest = other(source)
    assert action(cloud, server_id, {"pause": None}, token=DEMO).status_int == 202
    settled(cloud, server_id, "PAUSED")
    force_down(db, source)
    response = evacuate(cloud, server_id)
    assert response.status_int == 409, response.text
    assert "evacuate" in response.json["conflictingRequest"]["message"]

    # A guest that cannot be rebuilt: ERROR on its source, nothing kept on the destination.
    force_down(db, source, False)
    assert action(cloud, server_id, {"unpause": None}, token=DEMO).status_int == 202
    settled(cloud, server_id, "ACTIVE")
    response = cloud.post(
        f"/v2.1/servers/{server_id}/metadata",
        {"metadata": {"fake:fail": "spawn"}},
        token=DEMO,
    )
    assert response.status_int == 200, response.text
    force_down(db, source)
    assert evacuate(cloud, server_id).status_int == 200
    wait_migration(db, server_id, "failed")
    server = settled(cloud, server_id, "ERROR")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    assert guests(cloud, dest) == []
    assert allocations(db) == [alloc(server_id, source, SMALL)]
