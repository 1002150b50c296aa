"""Cold migration and resize end to end: API, conductor, scheduler, both computes.

Usage is checked where operators see it (os-hypervisors/detail, written by
each host's resource tracker) and where the scheduler sees it (the
allocations table).
"""

from __future__ import annotations

import datetime

import jsonschema
import pytest
from sqlalchemy import select, update

from nova_lite import context as nova_context
from nova_lite.api import microversion
from nova_lite.db import models
from tests.functional.test_servers import boot, count_rows, wait_gone

DEMO = "demo:demo"
RESERVED = 512  # [DEFAULT] reserved_host_memory_mb
SMALL = {"memory_mb": 2048, "vcpus": 1, "disk_gb": 10}
BIG = {"memory_mb": 4096, "vcpus": 2, "disk_gb": 20}

# Nova's 2.1 body of GET /os-migrations.
OS_MIGRATIONS_SCHEMA = {
    "type": "object",
    "properties": {
        "migrations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "created_at": {"type": "string"},
                    "dest_compute": {"type": ["string", "null"]},
                    "dest_host": {"type": ["string", "null"]},
                    "dest_node": {"type": ["string", "null"]},
                    "id": {"type": "integer"},
                    "instance_uuid": {"type": "string"},
                    "new_instance_type_id": {"type": ["integer", "null"]},
                    "old_instance_type_id": {"type": ["integer", "null"]},
                    "source_compute": {"type": ["string", "null"]},
                    "source_node": {"type": ["string", "null"]},
                    "status": {"type": "string"},
                    "updated_at": {"type": ["string", "null"]},
                },
                "required": [
                    "created_at",
                    "dest_compute",
                    "dest_host",
                    "dest_node",
                    "id",
                    "instance_uuid",
                    "new_instance_type_id",
                    "old_instance_type_id",
                    "source_compute",
                    "source_node",
                    "status",
                    "updated_at",
                ],
                "additionalProperties": False,
            },
        }
    },
    "required": ["migrations"],
    "additionalProperties": False,
}


# -- helpers -----------------------------------------------------------------------------


def action(cloud, server_id: str, body: dict, token: str | None = None):
    return cloud.post(f"/v2.1/servers/{server_id}/action", body, token=token)


def settled(cloud, server_id: str, status: str) -> dict:
    """The server once it shows ``status`` with no task in progress."""
    return cloud.wait_for(
        f"/v2.1/servers/{server_id}",
        lambda r: (
            r.status_int == 200
            and r.json["server"]["status"] == status
            and r.json["server"]["OS-EXT-STS:task_state"] is None
        ),
    ).json["server"]


def usage(**per_host) -> dict:
    """Expected os-hypervisors usage: host -> flavor figures it runs or keeps room for."""
    expected = {}
    for host in ("compute1", "compute2"):
        flavors = per_host.get(host, [])
        expected[host] = {
            "memory_mb_used": RESERVED + sum(f["memory_mb"] for f in flavors),
            "vcpus_used": sum(f["vcpus"] for f in flavors),
            "local_gb_used": sum(f["disk_gb"] for f in flavors),
        }
    return expected


def wait_usage(cloud, expected: dict, running: dict | None = None) -> None:
    """Wait until os-hypervisors/detail shows ``expected`` (hosts write it just after
    the state changes) and, when given, ``running`` guests per host."""

    def shown(response):
        hypervisors = {h["hypervisor_hostname"]: h for h in response.json["hypervisors"]}
        got = {host: {key: hypervisors[host][key] for key in expected[host]} for host in expected}
        vms = {host: hypervisors[host]["running_vms"] for host in (running or {})}
        return got == expected and vms == (running or {})

    cloud.wait_for("/v2.1/os-hypervisors/detail", shown)


def allocations(db) -> list[tuple[str, str, int, int, int]]:
    """(consumer, host, memory_mb, vcpus, disk_gb) of every allocation."""
    A, N = models.Allocation, models.ComputeNode
    with db.get_engine().connect() as connection:
        rows = connection.execute(
            select(A.consumer_uuid, N.host, A.memory_mb, A.vcpus, A.disk_gb).join(
                N, N.uuid == A.compute_node_uuid
            )
        )
        return sorted(tuple(row) for row in rows)


def migration_rows(db, server_id: str) -> list:
    M = models.Migration
    with db.get_engine().connect() as connection:
        return list(
            connection.execute(select(M).where(M.instance_uuid == server_id).order_by(M.id))
        )


def db_write(db, statement) -> None:
    """Write straight to the database, serialised with the services' writes."""
    with db._write_lock(), db.get_engine().begin() as connection:
        connection.execute(statement)


def disable_host(cloud, db, host: str) -> None:
    db_write(db, update(models.Service).where(models.Service.host == host).values(disabled=True))
    cloud.services[1].manager.host_manager.invalidate()  # the scheduler's cached view


def migration_status(db, server_id: str) -> str | None:
    rows = migration_rows(db, server_id)
    return rows[-1].status if rows else None


def other(host: str) -> str:
    return "compute2" if host == "compute1" else "compute1"


def compute_service(cloud, host: str):
    return next(s for s in cloud.services if s.host == host and s.binary == "nova-compute")


def alloc(consumer: str, host: str, flavor: dict) -> tuple:
    return (consumer, host, flavor["memory_mb"], flavor["vcpus"], flavor["disk_gb"])


@pytest.fixture
def big(cloud, flavor):
    response = cloud.post(
        "/v2.1/flavors",
        {"flavor": {"name": "m1.big", "ram": 4096, "vcpus": 2, "disk": 20, "id": "2"}},
    )
    assert response.status_int == 200, response.text
    return response.json["flavor"]


def start_server(cloud, flavor_id: str = "1", token: str = DEMO) -> tuple[str, str]:
    """Boot a server; (its id, its host)."""
    server_id = boot(cloud, flavor_id=flavor_id, token=token)["server"]["id"]
    server = settled(cloud, server_id, "ACTIVE")
    return server_id, server["OS-EXT-SRV-ATTR:host"]


# -- the happy paths ----------------------------------------------------------------------


def test_migrate_then_confirm_moves_instance_and_usage(cloud, flavor, db):
    server_id, source = start_server(cloud)
    dest = other(source)
    wait_usage(cloud, usage(**{source: [SMALL]}), running={source: 1, dest: 0})

    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    server = settled(cloud, server_id, "VERIFY_RESIZE")
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    assert server["OS-EXT-SRV-ATTR:hypervisor_hostname"] == dest
    assert server["OS-EXT-STS:vm_state"] == "resized"
    assert server["OS-EXT-STS:power_state"] == 1
    assert server["flavor"]["id"] == "1"
    # Until confirmed, the source keeps room for a revert: both hosts count it,
    # the guest runs on the destination only.
    wait_usage(cloud, usage(**{source: [SMALL], dest: [SMALL]}), running={source: 0, dest: 1})
    (migration,) = migration_rows(db, server_id)
    assert (migration.status, migration.migration_type) == ("finished", "migration")
    assert (migration.source_compute, migration.dest_compute) == (source, dest)
    assert allocations(db) == sorted(
        [alloc(migration.uuid, source, SMALL), alloc(server_id, dest, SMALL)]
    )

    response = action(cloud, server_id, {"confirmResize": None}, token=DEMO)
    assert response.status_int == 204, response.text
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    assert server["OS-EXT-STS:power_state"] == 1
    wait_usage(cloud, usage(**{dest: [SMALL]}), running={source: 0, dest: 1})
    assert allocations(db) == [alloc(server_id, dest, SMALL)]
    assert migration_rows(db, server_id)[0].status == "confirmed"
    actions = cloud.get(f"/v2.1/servers/{server_id}/os-instance-actions").json
    assert [a["action"] for a in actions["instanceActions"]][:2] == ["confirmResize", "migrate"]
    # Nothing stashed for the move is left on the instance.
    with db.get_engine().connect() as connection:
        stashed = connection.execute(
            select(models.Instance.old_flavor, models.Instance.new_flavor).where(
                models.Instance.uuid == server_id
            )
        ).one()
    assert tuple(stashed) == (None, None)


def test_resize_up_then_confirm(cloud, big, db):
    server_id, source = start_server(cloud)
    dest = other(source)
    assert action(cloud, server_id, {"resize": {"flavorRef": "2"}}, token=DEMO).status_int == 202
    server = settled(cloud, server_id, "VERIFY_RESIZE")
    assert server["flavor"]["id"] == "2"
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    wait_usage(cloud, usage(**{source: [SMALL], dest: [BIG]}))
    (migration,) = migration_rows(db, server_id)
    assert migration.migration_type == "resize"
    assert allocations(db) == sorted(
        [alloc(migration.uuid, source, SMALL), alloc(server_id, dest, BIG)]
    )

    assert action(cloud, server_id, {"confirmResize": None}, token=DEMO).status_int == 204
    server = settled(cloud, server_id, "ACTIVE")
    assert server["flavor"]["id"] == "2"
    wait_usage(cloud, usage(**{dest: [BIG]}), running={source: 0, dest: 1})
    assert allocations(db) == [alloc(server_id, dest, BIG)]


def test_resize_down_then_revert_goes_back(cloud, big, db):
    server_id, source = start_server(cloud, flavor_id="2")
    dest = other(source)
    assert action(cloud, server_id, {"resize": {"flavorRef": "1"}}, token=DEMO).status_int == 202
    server = settled(cloud, server_id, "VERIFY_RESIZE")
    assert (server["flavor"]["id"], server["OS-EXT-SRV-ATTR:host"]) == ("1", dest)
    wait_usage(cloud, usage(**{source: [BIG], dest: [SMALL]}))

    response = action(cloud, server_id, {"revertResize": None}, token=DEMO)
    assert response.status_int == 202, response.text
    server = settled(cloud, server_id, "ACTIVE")
    assert (server["flavor"]["id"], server["OS-EXT-SRV-ATTR:host"]) == ("2", source)
    assert server["OS-EXT-STS:power_state"] == 1
    wait_usage(cloud, usage(**{source: [BIG]}), running={source: 1, dest: 0})
    assert allocations(db) == [alloc(server_id, source, BIG)]
    assert migration_rows(db, server_id)[0].status == "reverted"
    actions = cloud.get(f"/v2.1/servers/{server_id}/os-instance-actions").json
    assert [a["action"] for a in actions["instanceActions"]][:2] == ["revertResize", "resize"]
    # Later moves schedule with the flavor the server has again.
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    settled(cloud, server_id, "VERIFY_RESIZE")
    wait_usage(cloud, usage(**{source: [BIG], dest: [BIG]}))


def test_stopped_server_moves_stopped(cloud, big, db):
    server_id, source = start_server(cloud)
    assert action(cloud, server_id, {"os-stop": None}, token=DEMO).status_int == 202
    settled(cloud, server_id, "SHUTOFF")
    assert action(cloud, server_id, {"resize": {"flavorRef": "2"}}, token=DEMO).status_int == 202
    server = settled(cloud, server_id, "VERIFY_RESIZE")
    assert server["OS-EXT-STS:power_state"] == 4
    assert action(cloud, server_id, {"revertResize": None}, token=DEMO).status_int == 202
    server = settled(cloud, server_id, "SHUTOFF")
    assert (server["flavor"]["id"], server["OS-EXT-SRV-ATTR:host"]) == ("1", source)
    assert server["OS-EXT-STS:power_state"] == 4
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    settled(cloud, server_id, "VERIFY_RESIZE")
    assert action(cloud, server_id, {"confirmResize": None}).status_int == 204
    server = settled(cloud, server_id, "SHUTOFF")
    assert server["OS-EXT-SRV-ATTR:host"] == other(source)


def test_resize_to_same_host_when_allowed(cloud, big, db, conf):
    conf.set_override("allow_resize_to_same_host", True)
    server_id, source = start_server(cloud)
    disable_host(cloud, db, other(source))

    assert action(cloud, server_id, {"resize": {"flavorRef": "2"}}).status_int == 202
    server = settled(cloud, server_id, "VERIFY_RESIZE")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    # One host holds both flavors until the resize is confirmed or reverted.
    wait_usage(cloud, usage(**{source: [SMALL, BIG]}), running={source: 1})
    (migration,) = migration_rows(db, server_id)
    assert allocations(db) == sorted(
        [alloc(migration.uuid, source, SMALL), alloc(server_id, source, BIG)]
    )
    assert action(cloud, server_id, {"revertResize": None}).status_int == 202
    server = settled(cloud, server_id, "ACTIVE")
    assert (server["flavor"]["id"], server["OS-EXT-SRV-ATTR:host"]) == ("1", source)
    wait_usage(cloud, usage(**{source: [SMALL]}), running={source: 1})
    assert allocations(db) == [alloc(server_id, source, SMALL)]

    assert action(cloud, server_id, {"resize": {"flavorRef": "2"}}).status_int == 202
    settled(cloud, server_id, "VERIFY_RESIZE")
    assert action(cloud, server_id, {"confirmResize": None}).status_int == 204
    server = settled(cloud, server_id, "ACTIVE")
    assert server["flavor"]["id"] == "2"
    wait_usage(cloud, usage(**{source: [BIG]}), running={source: 1})
    assert allocations(db) == [alloc(server_id, source, BIG)]


def test_migrate_never_picks_the_same_host(cloud, flavor, db):
    server_id, source = start_server(cloud)
    disable_host(cloud, db, other(source))
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    (migration,) = migration_rows(db, server_id)
    assert migration.status == "error"
    assert allocations(db) == [alloc(server_id, source, SMALL)]
    F = models.InstanceFault
    assert count_rows(db, F, F.instance_uuid == server_id, F.message.like("No valid host%")) == 1
    wait_usage(cloud, usage(**{source: [SMALL]}))


def test_delete_while_verify_resize_cleans_both_hosts(cloud, flavor, db):
    server_id, source = start_server(cloud)
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    settled(cloud, server_id, "VERIFY_RESIZE")
    assert cloud.delete(f"/v2.1/servers/{server_id}", token=DEMO).status_int == 204
    wait_gone(cloud, server_id)
    wait_usage(cloud, usage(), running={source: 0, other(source): 0})
    cloud.wait_for(
        "/v2.1/os-migrations", lambda r: r.json["migrations"][0]["status"] == "confirmed"
    )
    assert allocations(db) == []
    for service in cloud.services[2:]:
        assert service.manager.driver.list_instance_uuids() == []
        assert not service.manager.driver._moved


def test_auto_confirm_after_the_window(cloud, flavor, db, conf):
    conf.set_override("resize_confirm_window", 1)
    server_id, source = start_server(cloud)
    dest = other(source)
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    settled(cloud, server_id, "VERIFY_RESIZE")
    manager = compute_service(cloud, dest).manager
    assert "_poll_unconfirmed_resizes" in dict(manager._periodic_tasks)
    context = nova_context.get_admin_context()
    manager._poll_unconfirmed_resizes(context)  # too early: nothing happens
    assert cloud.get(f"/v2.1/servers/{server_id}").json["server"]["status"] == "VERIFY_RESIZE"
    long_ago = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(
        seconds=5
    )
    db_write(db, update(models.Migration).values(updated_at=long_ago))
    manager._poll_unconfirmed_resizes(context)
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    wait_usage(cloud, usage(**{dest: [SMALL]}))
    assert migration_rows(db, server_id)[0].status == "confirmed"


# -- refusals ----------------------------------------------------------------------------------


def test_bad_resize_requests_are_400(cloud, big):
    server_id, _source = start_server(cloud)
    same = action(cloud, server_id, {"resize": {"flavorRef": "1"}}, token=DEMO)
    assert same.status_int == 400
    assert same.json == {
        "badRequest": {"code": 400, "message": "When resizing, instances must change flavor!"}
    }
    unknown = action(cloud, server_id, {"resize": {"flavorRef": "nope"}}, token=DEMO)
    assert unknown.status_int == 400
    assert unknown.json["badRequest"]["message"] == "Flavor nope could not be found."
    assert action(cloud, server_id, {"resize": {}}, token=DEMO).status_int == 400
    cloud.post(
        "/v2.1/flavors",
        {"flavor": {"name": "diskless", "ram": 512, "vcpus": 1, "disk": 0, "id": "0disk"}},
    )
    diskless = action(cloud, server_id, {"resize": {"flavorRef": "0disk"}}, token=DEMO)
    assert diskless.status_int == 400
    assert diskless.json["badRequest"]["message"] == (
        "Server disk was unable to be resized because: Resize to zero disk flavor is not allowed."
    )
    assert action(cloud, server_id, {"resize": {"flavorRef": ""}}, token=DEMO).status_int == 400
    # migrate takes a host from 2.56 (before, its value is not looked at): "x" is unknown.
    v256 = {"OpenStack-API-Version": "compute 2.56"}
    migrate = cloud.post(
        f"/v2.1/servers/{server_id}/action", {"migrate": {"host": "x"}}, headers=v256
    )
    assert migrate.status_int == 400
    server = cloud.get(f"/v2.1/servers/{server_id}").json["server"]
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("ACTIVE", None)


def test_migrate_is_admin_only(cloud, flavor, db):
    server_id, _source = start_server(cloud)
    assert action(cloud, server_id, {"migrate": None}, token=DEMO).status_int == 403
    assert count_rows(db, models.Migration) == 0
    assert action(cloud, server_id, {"migrate": None}, token="other:other").status_int == 404


def test_wrong_states_are_409(cloud, big, db):
    server_id, _source = start_server(cloud)
    for name in ("confirmResize", "revertResize"):
        response = action(cloud, server_id, {name: None}, token=DEMO)
        assert response.status_int == 409
        assert response.json["conflictingRequest"]["message"] == (
            f"Cannot '{name}' instance {server_id} while it is in vm_state active"
        )
    assert action(cloud, server_id, {"pause": None}, token=DEMO).status_int == 202
    settled(cloud, server_id, "PAUSED")
    response = action(cloud, server_id, {"migrate": None})
    assert response.status_int == 409
    assert response.json["conflictingRequest"]["message"] == (
        f"Cannot 'migrate' instance {server_id} while it is in vm_state paused"
    )
    assert action(cloud, server_id, {"resize": {"flavorRef": "2"}}).status_int == 409
    assert action(cloud, server_id, {"unpause": None}, token=DEMO).status_int == 202
    settled(cloud, server_id, "ACTIVE")
    # While verifying: no second move, no power action.
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    settled(cloud, server_id, "VERIFY_RESIZE")
    assert action(cloud, server_id, {"migrate": None}).status_int == 409
    assert action(cloud, server_id, {"os-stop": None}).status_int == 409
    assert count_rows(db, models.Migration) == 1
    # Locked: the owner may not move it, an admin may.
    assert action(cloud, server_id, {"lock": None}, token=DEMO).status_int == 202
    assert action(cloud, server_id, {"revertResize": None}, token=DEMO).status_int == 409
    assert action(cloud, server_id, {"revertResize": None}).status_int == 202
    settled(cloud, server_id, "ACTIVE")


def test_second_move_while_one_runs_is_refused(cloud, flavor, db):
    server_id, _source = start_server(cloud)
    first = action(cloud, server_id, {"migrate": None})
    second = action(cloud, server_id, {"migrate": None})
    assert (first.status_int, second.status_int) == (202, 409)
    settled(cloud, server_id, "VERIFY_RESIZE")
    assert count_rows(db, models.Migration) == 1


# -- failures: everything goes back -------------------------------------------------------------


def _fail(monkeypatch, cloud, method: str, host: str | None = None) -> None:
    def fail(*args, **kwargs):
        raise RuntimeError(f"{method} said no")

    for service in cloud.services[2:]:
        if host is None or service.host == host:
            monkeypatch.setattr(service.manager.driver, method, fail)


def _fault_count(db, server_id: str, message: str) -> int:
    F = models.InstanceFault
    return count_rows(db, F, F.instance_uuid == server_id, F.message == message)


@pytest.mark.parametrize("method", ["migrate_disk_and_power_off", "finish_migration"])
def test_failed_move_rolls_back_to_the_source(cloud, big, db, monkeypatch, method):
    server_id, source = start_server(cloud)
    dest = other(source)
    _fail(monkeypatch, cloud, method)
    assert action(cloud, server_id, {"resize": {"flavorRef": "2"}}, token=DEMO).status_int == 202
    cloud.wait_for(
        f"/v2.1/servers/{server_id}",
        lambda r: (
            r.json["server"]["OS-EXT-STS:task_state"] is None
            and migration_status(db, server_id) == "error"
        ),
    )
    server = settled(cloud, server_id, "ACTIVE")
    assert (server["flavor"]["id"], server["OS-EXT-SRV-ATTR:host"]) == ("1", source)
    assert server["OS-EXT-STS:power_state"] == 1
    wait_usage(cloud, usage(**{source: [SMALL]}), running={source: 1, dest: 0})
    assert allocations(db) == [alloc(server_id, source, SMALL)]
    assert _fault_count(db, server_id, "RuntimeError") == 1
    E = models.InstanceActionEvent
    event = "compute_resize_instance" if method.startswith("migrate") else "compute_finish_resize"
    assert count_rows(db, E, E.event == event, E.result == "Error") == 1
    # The server can be moved again once the hypervisor behaves.
    monkeypatch.undo()
    assert action(cloud, server_id, {"resize": {"flavorRef": "2"}}, token=DEMO).status_int == 202
    settled(cloud, server_id, "VERIFY_RESIZE")
    wait_usage(cloud, usage(**{source: [SMALL], dest: [BIG]}))


def test_failed_move_of_a_stopped_server_keeps_it_stopped(cloud, flavor, db, monkeypatch):
    server_id, source = start_server(cloud)
    assert action(cloud, server_id, {"os-stop": None}, token=DEMO).status_int == 202
    settled(cloud, server_id, "SHUTOFF")
    _fail(monkeypatch, cloud, "finish_migration")
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    cloud.wait_for(
        f"/v2.1/servers/{server_id}",
        lambda r: migration_status(db, server_id) == "error",
    )
    server = settled(cloud, server_id, "SHUTOFF")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    assert server["OS-EXT-STS:power_state"] == 4


def test_failed_claim_on_the_destination_rolls_back(cloud, flavor, db, monkeypatch):
    server_id, source = start_server(cloud)
    dest = compute_service(cloud, other(source)).manager

    def refuse(*args, **kwargs):
        raise RuntimeError("no room after all")

    monkeypatch.setattr(dest.rt, "move_claim", refuse)
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    cloud.wait_for(
        f"/v2.1/servers/{server_id}",
        lambda r: migration_status(db, server_id) == "error",
    )
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    wait_usage(cloud, usage(**{source: [SMALL]}))
    assert allocations(db) == [alloc(server_id, source, SMALL)]


def test_failed_confirm_can_be_retried(cloud, flavor, db, monkeypatch):
    server_id, source = start_server(cloud)
    dest = other(source)
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    settled(cloud, server_id, "VERIFY_RESIZE")
    _fail(monkeypatch, cloud, "confirm_migration")
    assert action(cloud, server_id, {"confirmResize": None}).status_int == 204
    cloud.wait_for(
        f"/v2.1/servers/{server_id}",
        lambda r: (
            r.json["server"]["OS-EXT-STS:task_state"] is None
            and migration_status(db, server_id) == "finished"
            and _fault_count(db, server_id, "RuntimeError") == 1
        ),
    )
    settled(cloud, server_id, "VERIFY_RESIZE")
    wait_usage(cloud, usage(**{source: [SMALL], dest: [SMALL]}))
    monkeypatch.undo()
    assert action(cloud, server_id, {"confirmResize": None}).status_int == 204
    settled(cloud, server_id, "ACTIVE")
    wait_usage(cloud, usage(**{dest: [SMALL]}))
    assert allocations(db) == [alloc(server_id, dest, SMALL)]


def test_failed_revert_on_the_destination_can_be_retried(cloud, flavor, db, monkeypatch):
    server_id, source = start_server(cloud)
    dest = other(source)
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    settled(cloud, server_id, "VERIFY_RESIZE")
    _fail(monkeypatch, cloud, "destroy", host=dest)
    assert action(cloud, server_id, {"revertResize": None}).status_int == 202
    cloud.wait_for(
        f"/v2.1/servers/{server_id}",
        lambda r: (
            r.json["server"]["OS-EXT-STS:task_state"] is None
            and migration_status(db, server_id) == "finished"
        ),
    )
    server = settled(cloud, server_id, "VERIFY_RESIZE")
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    monkeypatch.undo()
    assert action(cloud, server_id, {"revertResize": None}).status_int == 202
    server = settled(cloud, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == source


def test_failed_revert_on_the_source_is_error_with_fault(cloud, big, db, monkeypatch):
    server_id, source = start_server(cloud)
    dest = other(source)
    assert action(cloud, server_id, {"resize": {"flavorRef": "2"}}).status_int == 202
    settled(cloud, server_id, "VERIFY_RESIZE")
    _fail(monkeypatch, cloud, "finish_revert_migration", host=source)
    assert action(cloud, server_id, {"revertResize": None}).status_int == 202
    server = settled(cloud, server_id, "ERROR")
    assert server["fault"]["message"] == "RuntimeError"
    assert (server["flavor"]["id"], server["OS-EXT-SRV-ATTR:host"]) == ("1", source)
    assert migration_rows(db, server_id)[0].status == "error"
    wait_usage(cloud, usage(**{source: [SMALL]}), running={dest: 0})
    assert allocations(db) == [alloc(server_id, source, SMALL)]


# -- listing migrations ---------------------------------------------------------------------------


def test_os_migrations_lists_the_records(cloud, big, db):
    server_id, source = start_server(cloud)
    assert action(cloud, server_id, {"resize": {"flavorRef": "2"}}).status_int == 202
    settled(cloud, server_id, "VERIFY_RESIZE")
    assert action(cloud, server_id, {"revertResize": None}).status_int == 202
    settled(cloud, server_id, "ACTIVE")
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    settled(cloud, server_id, "VERIFY_RESIZE")

    response = cloud.get("/v2.1/os-migrations")
    assert response.status_int == 200
    jsonschema.validate(response.json, OS_MIGRATIONS_SCHEMA)
    newest, oldest = response.json["migrations"]
    assert (newest["status"], oldest["status"]) == ("finished", "reverted")
    assert oldest["instance_uuid"] == server_id
    assert (oldest["source_compute"], oldest["dest_compute"]) == (source, other(source))
    assert (oldest["source_node"], oldest["dest_node"]) == (source, other(source))
    with db.get_engine().connect() as connection:
        flavor_ids = dict(
            connection.execute(select(models.Flavor.flavorid, models.Flavor.id)).all()
        )
    assert oldest["old_instance_type_id"] == flavor_ids["1"]
    assert oldest["new_instance_type_id"] == flavor_ids["2"]
    assert newest["old_instance_type_id"] == newest["new_instance_type_id"] == flavor_ids["1"]
    assert newest["updated_at"] >= newest["created_at"]

    filtered = cloud.get("/v2.1/os-migrations?status=reverted").json["migrations"]
    assert [m["id"] for m in filtered] == [oldest["id"]]
    assert cloud.get(f"/v2.1/os-migrations?instance_uuid={server_id}").json == response.json
    assert cloud.get("/v2.1/os-migrations?host=nowhere").json == {"migrations": []}
    assert cloud.get("/v2.1/os-migrations", token=DEMO).status_int == 403


def test_server_migrations_lists_live_migrations_in_progress(cloud, flavor, monkeypatch):
    server_id, _source = start_server(cloud)
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    settled(cloud, server_id, "VERIFY_RESIZE")
    # Nova serves it from 2.23 on.
    assert cloud.get(f"/v2.1/servers/{server_id}/migrations").status_int == 404
    monkeypatch.setattr(microversion, "MAX_VERSION", microversion.APIVersion(2, 23))
    headers = {"OpenStack-API-Version": "compute 2.23"}
    response = cloud.get(f"/v2.1/servers/{server_id}/migrations", headers=headers)
    assert response.status_int == 200, response.text
    assert response.json == {"migrations": []}  # a cold migration is not listed
    forbidden = cloud.get(f"/v2.1/servers/{server_id}/migrations", headers=headers, token=DEMO)
    assert forbidden.status_int == 403
