"""Force-complete (2.22+) and abort (2.24+, queued/preparing from 2.65) of a live
migration in progress, end to end on the fake driver.

The fake driver's live migration runs for as long as the instance's
``fake:hang=live_migration=N`` says, unless an admin ends it first.
"""

from __future__ import annotations

from nova_lite.api.handlers import servers as servers_handlers
from tests.functional.test_live_migration import guests, live, wait_migration
from tests.functional.test_move_recovery import until
from tests.functional.test_moves import (
    DEMO,
    SMALL,
    action,
    alloc,
    allocations,
    migration_rows,
    other,
    settled,
    start_server,
)

HANG = 60  # seconds: far longer than any wait below


def version(number: str) -> dict:
    return {"OpenStack-API-Version": f"compute {number}"}


def hang(cloud, server_id: str, what: str) -> None:
    body = {"metadata": {"fake:hang": what}}
    response = cloud.post(f"/v2.1/servers/{server_id}/metadata", body, token=DEMO)
    assert response.status_int == 200, response.text


def migrating(cloud, db, status: str = "running", what: str = f"live_migration={HANG}"):
    """A server whose live migration hangs in ``status``: (id, source, migration row)."""
    server_id, source = start_server(cloud)
    hang(cloud, server_id, what)
    assert action(cloud, server_id, live()).status_int == 202
    return server_id, source, wait_migration(db, server_id, status)


def force_complete(cloud, server_id: str, migration_id, microversion="2.22", **kwargs):
    return cloud.post(
        f"/v2.1/servers/{server_id}/migrations/{migration_id}/action",
        {"force_complete": None},
        headers=version(microversion),
        **kwargs,
    )


def abort(cloud, server_id: str, migration_id, microversion="2.24", **kwargs):
    return cloud.delete(
        f"/v2.1/servers/{server_id}/migrations/{migration_id}",
        headers=version(microversion),
        **kwargs,
    )


def action_names(cloud, server_id: str) -> list[str]:
    body = cloud.get(f"/v2.1/servers/{server_id}/os-instance-actions").json
    return [a["action"] for a in body["instanceActions"]]


def test_force_complete_switches_the_guest_over_at_once(cloud, flavor, db):
    server_id, source, migration = migrating(cloud, db)
    dest = other(source)

    response = force_complete(cloud, server_id, migration.id)
    assert response.status_int == 202, response.text
    assert response.body == b""
    wait_migration(db, server_id, "completed")
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    assert guests(cloud, source) == [] and guests(cloud, dest) == [server_id]
    assert allocations(db) == [alloc(server_id, dest, SMALL)]
    assert action_names(cloud, server_id)[:2] == ["live_migration_force_complete", "live-migration"]


def test_abort_of_a_running_migration_keeps_the_guest_on_its_source(cloud, flavor, db):
    server_id, source, migration = migrating(cloud, db)
    dest = other(source)

    response = abort(cloud, server_id, migration.id)
    assert response.status_int == 202, response.text
    wait_migration(db, server_id, "cancelled")
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    assert server["OS-EXT-STS:power_state"] == 1
    assert guests(cloud, source) == [server_id]
    until(lambda: guests(cloud, dest) == [])  # the destination drops its incoming guest
    assert allocations(db) == [alloc(server_id, source, SMALL)]
    assert action_names(cloud, server_id)[0] == "live_migration_cancel"
    # Cancelled is over: neither listed in progress nor abortable again.
    listed = cloud.get(f"/v2.1/servers/{server_id}/migrations", headers=version("2.23"))
    assert listed.json["migrations"] == []
    response = abort(cloud, server_id, migration.id)
    assert response.status_int == 409, response.text


def test_abort_while_preparing_needs_2_65(cloud, flavor, db):
    # The destination's preparation hangs a few seconds, then the source looks
    # whether the migration was aborted meanwhile.
    server_id, source, migration = migrating(
        cloud, db, "preparing", f"pre_live_migration=5,live_migration={HANG}"
    )
    response = abort(cloud, server_id, migration.id)
    assert response.status_int == 400, response.text
    assert response.json["badRequest"]["message"] == (
        f"Migration {migration.id} state of instance {server_id} is preparing. "
        "Cannot abort live migration while the migration is in this state."
    )
    response = abort(cloud, server_id, migration.id, microversion="2.65")
    assert response.status_int == 202, response.text
    wait_migration(db, server_id, "cancelled")
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    until(lambda: guests(cloud, other(source)) == [])
    assert allocations(db) == [alloc(server_id, source, SMALL)]


def test_refusals(cloud, flavor, db):
    server_id, source = start_server(cloud)
    # Not migrating: 409 naming the API action, as Nova.
    response = force_complete(cloud, server_id, 1)
    assert response.status_int == 409, response.text
    assert response.json["conflictingRequest"]["message"] == (
        f"Cannot 'force_complete' instance {server_id} while it is in task_state None"
    )
    response = abort(cloud, server_id, 1)
    assert response.status_int == 409, response.text
    assert response.json["conflictingRequest"]["message"] == (
        f"Cannot 'abort live migration' instance {server_id} while it is in task_state None"
    )

    server_id, source, migration = migrating(cloud, db)
    # Unknown migrations: 400 for force_complete, 404 for abort (Nova's codes).
    for missing in ("999", "abc"):
        response = force_complete(cloud, server_id, missing)
        assert response.status_int == 400, response.text
        assert response.json["badRequest"]["message"] == (
            f"Migration {missing} not found for instance {server_id}"
        )
        response = abort(cloud, server_id, missing)
        assert response.status_int == 404, response.text
    # Before their microversions the URLs do not exist; users may not call them.
    assert force_complete(cloud, server_id, migration.id, microversion="2.21").status_int == 404
    assert abort(cloud, server_id, migration.id, microversion="2.23").status_int == 404
    assert force_complete(cloud, server_id, migration.id, token=DEMO).status_int == 403
    assert abort(cloud, server_id, migration.id, token=DEMO).status_int == 403
    for body in ({"force_complete": {}}, {"force_complete": None, "extra": 1}):
        response = cloud.post(
            f"/v2.1/servers/{server_id}/migrations/{migration.id}/action",
            body,
            headers=version("2.22"),
        )
        assert response.status_int == 400, response.text
    # Still running after all that; an abort ends it.
    assert migration_rows(db, server_id)[-1].status == "running"
    assert abort(cloud, server_id, migration.id).status_int == 202
    wait_migration(db, server_id, "cancelled")


def test_force_complete_of_a_paused_server_is_409(cloud, flavor, db):
    server_id, source = start_server(cloud)
    hang(cloud, server_id, f"live_migration={HANG}")
    assert action(cloud, server_id, {"pause": None}, token=DEMO).status_int == 202
    settled(cloud, server_id, "PAUSED")
    assert action(cloud, server_id, live()).status_int == 202
    migration = wait_migration(db, server_id, "running")
    response = force_complete(cloud, server_id, migration.id)
    assert response.status_int == 409, response.text
    assert response.json["conflictingRequest"]["message"] == (
        f"Cannot 'force_complete' instance {server_id} while it is in vm_state paused"
    )
    assert abort(cloud, server_id, migration.id).status_int == 202
    wait_migration(db, server_id, "cancelled")
    server = settled(cloud, server_id, "PAUSED")
    assert (server["OS-EXT-SRV-ATTR:host"], server["OS-EXT-STS:power_state"]) == (source, 3)


def test_capped_compute_rpc_refuses_with_409(cloud, flavor, db, conf, monkeypatch):
    server_id, source, migration = migrating(cloud, db)
    conf.set_override("compute", "1.5", group="upgrade_levels")
    monkeypatch.setattr(servers_handlers, "_compute", None)  # a client with the cap
    for response in (
        force_complete(cloud, server_id, migration.id),
        abort(cloud, server_id, migration.id),
    ):
        assert response.status_int == 409, response.text
        assert "capped at 1.5" in response.json["conflictingRequest"]["message"]
    conf.clear_override("compute", group="upgrade_levels")
    monkeypatch.setattr(servers_handlers, "_compute", None)
    assert abort(cloud, server_id, migration.id).status_int == 202
    wait_migration(db, server_id, "cancelled")
