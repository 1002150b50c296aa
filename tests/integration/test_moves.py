"""Cold migration and resize across two compute daemons on RabbitMQ and MariaDB."""

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
