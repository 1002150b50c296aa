"""Cold migration, resize, live migration and evacuation across two compute daemons on
RabbitMQ and MariaDB."""

from __future__ import annotations

import time

from tests.integration import deployment as dep_mod
from tests.integration.conftest import FLAVOR

BIG = "it.moves.big"


def _action(api: dep_mod.ApiClient, server_id: str, body: dict, expected: int = 202) -> None:
    api.ok("POST", f"/servers/{server_id}/action", expected=expected, json=body)


def _settled(api: dep_mod.ApiClient, server_id: str, status: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        server = api.ok("GET", f"/servers/{server_id}")["server"]
        if server["status"] == status and server["OS-EXT-STS:task_state"] is None:
            return server
        if time.monotonic() > deadline:
            raise AssertionError(f"server {server_id} not {status}: {server['status']}")
        time.sleep(0.05)


def _memory_used(api: dep_mod.ApiClient) -> dict[str, int]:
    hypervisors = api.ok("GET", "/os-hypervisors/detail")["hypervisors"]
    return {h["hypervisor_hostname"]: h["memory_mb_used"] for h in hypervisors}


def _wait_memory(api: dep_mod.ApiClient, expected: dict[str, int], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while _memory_used(api) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"usage {_memory_used(api)} never became {expected}")
        time.sleep(0.05)


def test_migrate_confirm_and_resize_revert_move_usage(deployment, flavor, clean_servers):
    api = deployment.api
    api.create_flavor(BIG, ram=1024, vcpus=2, disk=2)
    base = _memory_used(api)
    response = api.boot("it-moves", FLAVOR)
    assert response.status_code == 202, response.text
    server_id = response.json()["server"]["id"]
    source = _settled(api, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"]
    (dest,) = [host for host in base if host != source]

    _action(api, server_id, {"migrate": None})
    server = _settled(api, server_id, "VERIFY_RESIZE")
    assert server["OS-EXT-SRV-ATTR:host"] == dest
    _wait_memory(api, {source: base[source] + 512, dest: base[dest] + 512})
    _action(api, server_id, {"confirmResize": None}, expected=204)
    assert _settled(api, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == dest
    _wait_memory(api, {source: base[source], dest: base[dest] + 512})

    _action(api, server_id, {"resize": {"flavorRef": BIG}})
    server = _settled(api, server_id, "VERIFY_RESIZE")
    assert (server["OS-EXT-SRV-ATTR:host"], server["flavor"]["id"]) == (source, BIG)
    _wait_memory(api, {source: base[source] + 1024, dest: base[dest] + 512})
    _action(api, server_id, {"revertResize": None})
    server = _settled(api, server_id, "ACTIVE")
    assert (server["OS-EXT-SRV-ATTR:host"], server["flavor"]["id"]) == (dest, FLAVOR)
    _wait_memory(api, {source: base[source], dest: base[dest] + 512})

    migrations = api.ok("GET", "/os-migrations", params={"instance_uuid": server_id})
    assert [m["status"] for m in migrations["migrations"]] == ["reverted", "confirmed"]


def _mv(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


def _boot_settled(api: dep_mod.ApiClient, name: str) -> tuple[str, str]:
    response = api.boot(name, FLAVOR)
    assert response.status_code == 202, response.text
    server_id = response.json()["server"]["id"]
    return server_id, _settled(api, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"]


def test_live_migrate_moves_the_instance_and_its_usage(deployment, flavor, clean_servers):
    api = deployment.api
    base = _memory_used(api)
    server_id, source = _boot_settled(api, "it-live")
    (dest,) = [host for host in base if host != source]
    _wait_memory(api, {source: base[source] + 512, dest: base[dest]})

    api.ok(
        "POST",
        f"/servers/{server_id}/action",
        expected=202,
        json={"os-migrateLive": {"host": None, "block_migration": "auto"}},
        headers=_mv("2.25"),
    )
    assert _settled(api, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == dest
    _wait_memory(api, {source: base[source], dest: base[dest] + 512})
    migrations = api.ok(
        "GET", "/os-migrations", params={"instance_uuid": server_id}, headers=_mv("2.23")
    )
    assert [(m["status"], m["migration_type"]) for m in migrations["migrations"]] == [
        ("completed", "live-migration")
    ]


def test_evacuate_after_forcing_the_source_down(deployment_factory):
    api = deployment_factory("evacuate", computes=2).api
    api.create_flavor(FLAVOR, ram=512, vcpus=1, disk=1)
    server_id, source = _boot_settled(api, "it-evacuate")
    service = api.ok(
        "GET",
        "/os-services",
        params={"host": source, "binary": "nova-compute"},
        headers=_mv("2.53"),
    )["services"][0]

    # A live source is refused, and nothing changes.
    response = api.post(f"/servers/{server_id}/action", json={"evacuate": {}}, headers=_mv("2.53"))
    assert response.status_code in (400, 409), response.text
    assert _settled(api, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == source

    api.ok(
        "PUT",
        f"/os-services/{service['id']}",
        json={"forced_down": True},
        headers=_mv("2.53"),
    )
    api.ok("POST", f"/servers/{server_id}/action", json={"evacuate": {}}, headers=_mv("2.53"))
    server = _settled(api, server_id, "ACTIVE", timeout=60)
    assert server["OS-EXT-SRV-ATTR:host"] != source
    migrations = api.ok(
        "GET", "/os-migrations", params={"instance_uuid": server_id}, headers=_mv("2.23")
    )
    assert [(m["migration_type"], m["source_compute"]) for m in migrations["migrations"]] == [
        ("evacuation", source)
    ]
