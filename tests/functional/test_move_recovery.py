"""Interrupted moves are resumed or rolled back (nova_lite.compute.move_recovery).

A service "dies" at a chosen point: the driver method (or RPC cast) there
raises ``Crash``, a BaseException no operation catches, so nothing after it
runs, as after kill -9 (the fake hypervisor keeps its guests). The service is
then restarted, or the task put past its deadline.
"""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from sqlalchemy import select, update

from nova_lite import context as nova_context
from nova_lite.db import models
from tests.functional.test_evacuate import evacuate, force_down, restart_compute
from tests.functional.test_live_migration import guests, live, wait_migration
from tests.functional.test_moves import (  # noqa: F401 - big is a fixture
    BIG,
    SMALL,
    action,
    alloc,
    allocations,
    big,
    compute_service,
    db_write,
    migration_rows,
    other,
    settled,
    start_server,
    usage,
    wait_usage,
)

PAST = datetime.datetime(2000, 1, 1)


class Crash(BaseException):
    """The process dies here: no rollback, no later step."""


def crash_in(monkeypatch, obj, name: str, after: bool = False):
    """Make ``obj.name`` kill its caller, before (or just after) doing its work;
    return a function that waits for that to have happened and undoes the patch."""
    original = getattr(obj, name)
    crashed = threading.Event()

    def crashing(*args, **kwargs):
        try:
            if after:
                original(*args, **kwargs)
        finally:
            crashed.set()
        raise Crash(name)

    monkeypatch.setattr(obj, name, crashing)

    def wait_and_undo() -> None:
        assert crashed.wait(10), f"{name} was never called"
        monkeypatch.undo()

    return wait_and_undo


def driver(cloud, host: str):
    return compute_service(cloud, host).manager.driver


def show(cloud, server_id: str) -> dict:
    return cloud.get(f"/v2.1/servers/{server_id}").json["server"]


def wait_task(cloud, server_id: str, task: str | None) -> dict:
    return cloud.wait_for(
        f"/v2.1/servers/{server_id}",
        lambda r: r.json["server"]["OS-EXT-STS:task_state"] == task,
    ).json["server"]


def past_deadline(db, server_id: str) -> None:
    db_write(
        db,
        update(models.Instance).where(models.Instance.uuid == server_id).values(updated_at=PAST),
    )


def faults(db, server_id: str) -> list[str]:
    F = models.InstanceFault
    with db.get_engine().connect() as connection:
        rows = connection.execute(
            select(F.message).where(F.instance_uuid == server_id).order_by(F.id)
        )
        return [row[0] for row in rows]


def events(cloud, server_id: str, action_name: str) -> list[tuple[str, str]]:
    actions = cloud.get(f"/v2.1/servers/{server_id}/os-instance-actions").json
    request_id = next(
        a["request_id"] for a in actions["instanceActions"] if a["action"] == action_name
    )
    action_body = cloud.get(f"/v2.1/servers/{server_id}/os-instance-actions/{request_id}").json
    return [(e["event"], e["result"]) for e in action_body["instanceAction"]["events"]]


def admin_context():
    return nova_context.get_admin_context()


def until(predicate, timeout: float = 10.0):
    """Poll ``predicate()`` until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
    return result


# -- the owner restarts ----------------------------------------------------------------------


@pytest.mark.usefixtures("big")
def test_source_dies_handing_the_guest_over_rolls_back(cloud, db, monkeypatch):
    server_id, source = start_server(cloud)
    dest = other(source)
    crashed = crash_in(monkeypatch, driver(cloud, source), "migrate_disk_and_power_off")
    assert action(cloud, server_id, {"resize": {"flavorRef": "2"}}).status_int == 202
    wait_task(cloud, server_id, "resize_migrating")
    crashed()

    restart_compute(cloud, source)
    server = settled(cloud, server_id, "ACTIVE")
    assert (server["OS-EXT-SRV-ATTR:host"], server["flavor"]["id"]) == (
        source,
        "1",
    )
    assert [m.status for m in migration_rows(db, server_id)] == ["error"]
    assert allocations(db) == [alloc(server_id, source, SMALL)]
    wait_usage(cloud, usage(**{source: [SMALL]}), running={source: 1, dest: 0})
    assert guests(cloud, source) == [server_id]
    assert "interrupted in resize_migrating: rolled back" in faults(db, server_id)[-1]
    assert ("compute_recover_move", "Success") in events(cloud, server_id, "resize")


@pytest.mark.usefixtures("big")
def test_destination_dies_starting_the_guest_finishes_the_resize(cloud, db, monkeypatch):
    server_id, source = start_server(cloud)
    dest = other(source)
    crashed = crash_in(monkeypatch, driver(cloud, dest), "finish_migration", after=True)
    assert action(cloud, server_id, {"resize": {"flavorRef": "2"}}).status_int == 202
    wait_task(cloud, server_id, "resize_finish")
    crashed()

    restart_compute(cloud, dest)
    server = settled(cloud, server_id, "VERIFY_RESIZE")
    assert (server["OS-EXT-SRV-ATTR:host"], server["flavor"]["id"]) == (
        dest,
        "2",
    )
    (migration,) = migration_rows(db, server_id)
    assert migration.status == "finished"
    assert allocations(db) == sorted(
        [alloc(migration.uuid, source, SMALL), alloc(server_id, dest, BIG)]
    )
    assert guests(cloud, dest) == [server_id]
    # The interrupted finish and the resumed one, on the resize's action.
    recorded = events(cloud, server_id, "resize")
    assert ("compute_finish_resize", "Error") in recorded
    assert ("compute_finish_resize", "Success") in recorded
    assert ("compute_recover_move", "Success") in recorded

    assert action(cloud, server_id, {"confirmResize": None}).status_int == 204
    assert settled(cloud, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == dest
    assert allocations(db) == [alloc(server_id, dest, BIG)]


def test_lost_finish_message_is_resumed_past_its_deadline(cloud, flavor, db, monkeypatch):
    server_id, source = start_server(cloud)
    dest = other(source)
    rpcapi = compute_service(cloud, source).manager.compute_rpcapi
    monkeypatch.setattr(rpcapi, "finish_resize", lambda *args, **kwargs: None)
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    wait_task(cloud, server_id, "resize_migrated")
    monkeypatch.undo()

    past_deadline(db, server_id)
    compute_service(cloud, dest).manager.repair_stuck_tasks(admin_context())
    assert settled(cloud, server_id, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"] == dest
    assert [m.status for m in migration_rows(db, server_id)] == ["finished"]


def test_source_dies_mid_live_migration_keeps_the_guest(cloud, flavor, db, monkeypatch):
    server_id, source = start_server(cloud)
    dest = other(source)
    crashed = crash_in(monkeypatch, driver(cloud, source), "live_migration")
    assert action(cloud, server_id, live()).status_int == 202
    wait_migration(db, server_id, "running")
    crashed()
    assert guests(cloud, dest) == [server_id]  # prepared there, paused

    restart_compute(cloud, source)
    wait_migration(db, server_id, "error")
    server = settled(cloud, server_id, "ACTIVE")
    assert (server["OS-EXT-SRV-ATTR:host"], server["OS-EXT-STS:power_state"]) == (source, 1)
    assert allocations(db) == [alloc(server_id, source, SMALL)]
    wait_usage(cloud, usage(**{source: [SMALL]}), running={source: 1, dest: 0})
    until(lambda: guests(cloud, dest) == [])


def test_source_dies_after_the_switch_over_records_the_destination(cloud, flavor, db, monkeypatch):
    server_id, source = start_server(cloud)
    dest = other(source)
    # The guest left the source; the source dies before telling anyone.
    crashed = crash_in(monkeypatch, driver(cloud, source), "post_live_migration")
    assert action(cloud, server_id, live()).status_int == 202
    wait_migration(db, server_id, "post-migrating")
    crashed()

    restart_compute(cloud, source)
    wait_migration(db, server_id, "error")
    server = settled(cloud, server_id, "ACTIVE")
    assert (server["OS-EXT-SRV-ATTR:host"], server["OS-EXT-STS:power_state"]) == (dest, 1)
    assert allocations(db) == [alloc(server_id, dest, SMALL)]
    wait_usage(cloud, usage(**{dest: [SMALL]}), running={source: 0, dest: 1})
    assert guests(cloud, source) == [] and guests(cloud, dest) == [server_id]


def test_destination_dies_rebuilding_an_evacuee_rebuilds_it_again(cloud, flavor, db, monkeypatch):
    server_id, source = start_server(cloud)
    dest = other(source)
    force_down(db, source)
    crashed = crash_in(monkeypatch, driver(cloud, dest), "spawn", after=True)
    assert evacuate(cloud, server_id).status_int == 200
    wait_task(cloud, server_id, "rebuild_spawning")
    crashed()

    restart_compute(cloud, dest)
    migration = wait_migration(db, server_id, "done")
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    assert guests(cloud, dest) == [server_id]
    assert allocations(db) == sorted(
        [alloc(migration.uuid, source, SMALL), alloc(server_id, dest, SMALL)]
    )


def test_late_step_after_a_repair_does_nothing(cloud, flavor, db, monkeypatch):
    # The source restarts while prep_resize's answer (resize_instance) is in flight:
    # the restart rolls the move back; the late step finds the task changed.
    server_id, source = start_server(cloud)
    dest = other(source)
    late = []
    rpcapi = compute_service(cloud, dest).manager.compute_rpcapi
    monkeypatch.setattr(rpcapi, "resize_instance", lambda *args, **kwargs: late.append(args))
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    until(lambda: late)
    monkeypatch.undo()

    restart_compute(cloud, source)
    assert settled(cloud, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == source
    context, instance, migration, flavor_obj, clean = late[0]
    compute_service(cloud, source).manager.resize_instance(
        context, instance, migration, flavor_obj, clean
    )
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    assert [m.status for m in migration_rows(db, server_id)] == ["error"]
    assert allocations(db) == [alloc(server_id, source, SMALL)]
    assert guests(cloud, source) == [server_id]
    wait_usage(cloud, usage(**{source: [SMALL]}), running={source: 1, dest: 0})


# -- the owner is down: the conductor ----------------------------------------------------------


def conductor_repairs(cloud) -> None:
    cloud.services[0].manager.repair_orphaned_tasks(admin_context())


def test_conductor_rolls_back_a_resize_prep_of_a_down_host(cloud, flavor, db, monkeypatch):
    server_id, source = start_server(cloud)
    conductor_rpc = cloud.services[0].manager.compute
    crashed = crash_in(monkeypatch, conductor_rpc, "prep_resize")
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    until(lambda: [m for m in migration_rows(db, server_id) if m.dest_compute])
    crashed()
    force_down(db, source)
    past_deadline(db, server_id)

    conductor_repairs(cloud)
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    assert [m.status for m in migration_rows(db, server_id)] == ["error"]
    assert allocations(db) == [alloc(server_id, source, SMALL)]


@pytest.mark.usefixtures("big")
def test_conductor_rolls_back_to_the_source_when_the_destination_is_down(cloud, db, monkeypatch):
    server_id, source = start_server(cloud)
    dest = other(source)
    crashed = crash_in(monkeypatch, driver(cloud, dest), "finish_migration", after=True)
    assert action(cloud, server_id, {"resize": {"flavorRef": "2"}}).status_int == 202
    wait_task(cloud, server_id, "resize_finish")
    crashed()
    force_down(db, dest)
    past_deadline(db, server_id)

    conductor_repairs(cloud)
    server = settled(cloud, server_id, "ACTIVE")
    assert (server["OS-EXT-SRV-ATTR:host"], server["flavor"]["id"]) == (
        source,
        "1",
    )
    assert [m.status for m in migration_rows(db, server_id)] == ["error"]
    assert allocations(db) == [alloc(server_id, source, SMALL)]
    assert guests(cloud, source) == [server_id]
    assert guests(cloud, dest) == [server_id]  # left there while the host is down

    # The destination comes back: the guest the rolled-back resize left goes.
    force_down(db, dest, False)
    restart_compute(cloud, dest)
    until(lambda: guests(cloud, dest) == [])
    wait_usage(cloud, usage(**{source: [SMALL]}), running={source: 1, dest: 0})


def test_conductor_leaves_a_live_migration_of_a_down_source_to_it(cloud, flavor, db, monkeypatch):
    server_id, source = start_server(cloud)
    dest = other(source)
    crashed = crash_in(monkeypatch, driver(cloud, source), "live_migration")
    assert action(cloud, server_id, live()).status_int == 202
    wait_migration(db, server_id, "running")
    crashed()
    force_down(db, source)
    past_deadline(db, server_id)

    conductor_repairs(cloud)
    server = show(cloud, server_id)
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("ERROR", "migrating")
    assert "its guest is on compute1 or compute2" in server["fault"]["message"]
    conductor_repairs(cloud)  # flagged once: left alone
    assert [m.status for m in migration_rows(db, server_id)] == ["running"]

    # The source comes back and settles it: its guest never left.
    force_down(db, source, False)
    restart_compute(cloud, source)
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    assert allocations(db) == [alloc(server_id, source, SMALL)]
    until(lambda: guests(cloud, dest) == [])


def test_live_migration_lost_in_the_conductor_is_rolled_back_by_the_source(
    cloud, flavor, db, monkeypatch
):
    server_id, source = start_server(cloud)
    dest = other(source)
    crashed = crash_in(monkeypatch, cloud.services[0].manager.compute, "live_migration")
    assert action(cloud, server_id, live()).status_int == 202
    until(lambda: [m for m in migration_rows(db, server_id) if m.dest_compute])
    crashed()
    assert migration_rows(db, server_id)[-1].status == "accepted"
    past_deadline(db, server_id)

    compute_service(cloud, source).manager.repair_stuck_tasks(admin_context())
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    assert [m.status for m in migration_rows(db, server_id)] == ["error"]
    assert allocations(db) == [alloc(server_id, source, SMALL)]
    wait_usage(cloud, usage(**{source: [SMALL]}), running={source: 1, dest: 0})
