"""/os-hypervisors across microversions: cpu_info object (2.28), paging (2.33),
uuids and query parameters (2.53), servers always (2.75), no figures (2.88)."""

from __future__ import annotations

import re

import pytest

from tests.functional.test_moves import start_server

URL = "/v2.1/os-hypervisors"
BASIC = {"id", "hypervisor_hostname", "state", "status"}
DETAIL = BASIC | {"hypervisor_type", "hypervisor_version", "host_ip", "service"}
USAGE = {
    "vcpus",
    "memory_mb",
    "local_gb",
    "vcpus_used",
    "memory_mb_used",
    "local_gb_used",
    "free_ram_mb",
    "free_disk_gb",
    "current_workload",
    "running_vms",
    "disk_available_least",
    "cpu_info",
}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def mv(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


def get(cloud, path: str, version: str = "2.1", status: int = 200):
    response = cloud.get(f"{URL}{path}", headers=mv(version))
    assert response.status_int == status, response.text
    return response.json


def node_ids(cloud, version: str) -> dict[str, int | str]:
    return {h["hypervisor_hostname"]: h["id"] for h in get(cloud, "", version)["hypervisors"]}


@pytest.mark.parametrize(
    ("version", "keys", "uuids"),
    [
        ("2.1", DETAIL | USAGE, False),
        ("2.28", DETAIL | USAGE, False),
        ("2.53", DETAIL | USAGE, True),
        ("2.87", DETAIL | USAGE, True),
        ("2.88", DETAIL | {"uptime"}, True),
    ],
)
def test_bodies_per_version(cloud, version, keys, uuids):
    listed = get(cloud, "", version)["hypervisors"]
    assert [set(h) for h in listed] == [BASIC, BASIC]
    details = get(cloud, "/detail", version)["hypervisors"]
    assert [h["hypervisor_hostname"] for h in details] == ["compute1", "compute2"]
    for body in details:
        assert set(body) == keys
        assert bool(UUID.match(str(body["id"]))) is uuids
        assert bool(UUID.match(str(body["service"]["id"]))) is uuids
        assert body["state"] == "up" and body["status"] == "enabled"
        shown = get(cloud, f"/{body['id']}", version)["hypervisor"]
        assert set(shown) == keys
    if "cpu_info" in keys:
        cpu_info = details[0]["cpu_info"]
        assert cpu_info == ("{}" if version == "2.1" else {})
        assert details[0]["vcpus"] == 16
    if "uptime" in keys:
        assert " up " in details[0]["uptime"]


def test_show_ids_and_servers(cloud, flavor):
    server_id, host = start_server(cloud)
    old_ids, new_ids = node_ids(cloud, "2.52"), node_ids(cloud, "2.53")
    empty = "compute2" if host == "compute1" else "compute1"

    assert get(cloud, f"/{new_ids[host]}", "2.52", 404)
    assert get(cloud, "/12345", "2.52", 404)["itemNotFound"]["message"] == (
        "Hypervisor with ID '12345' could not be found."
    )
    assert get(cloud, f"/{old_ids[host]}", "2.53", 400)["badRequest"]["message"] == (
        f"Invalid uuid {old_ids[host]}"
    )
    assert get(cloud, "/00000000-0000-0000-0000-000000000000", "2.53", 404)

    shown = get(cloud, f"/{new_ids[host]}?with_servers=true", "2.53")["hypervisor"]
    assert shown["servers"] == [{"name": "vm", "uuid": server_id}] or [
        s["uuid"] for s in shown["servers"]
    ] == [server_id]
    assert "servers" not in get(cloud, f"/{new_ids[empty]}?with_servers=1", "2.74")["hypervisor"]
    assert get(cloud, f"/{new_ids[empty]}?with_servers=1", "2.75")["hypervisor"]["servers"] == []
    assert "servers" not in get(cloud, f"/{new_ids[host]}", "2.75")["hypervisor"]
    assert get(cloud, f"/{new_ids[host]}?with_servers=maybe", "2.53", 400)
    assert get(cloud, f"/{new_ids[host]}?bogus=1", "2.53", 400)

    listed = get(cloud, "/detail?with_servers=true", "2.75")["hypervisors"]
    by_host = {h["hypervisor_hostname"]: h for h in listed}
    assert [s["uuid"] for s in by_host[host]["servers"]] == [server_id]
    assert by_host[empty]["servers"] == []


def test_search_and_servers_urls_until_2_52(cloud, flavor):
    server_id, host = start_server(cloud)
    found = get(cloud, "/compute/search", "2.52")["hypervisors"]
    assert sorted(h["hypervisor_hostname"] for h in found) == ["compute1", "compute2"]
    assert [set(h) for h in found] == [BASIC, BASIC]
    assert get(cloud, "/nomatch/search", "2.52", 404)["itemNotFound"]["message"] == (
        "No hypervisor matching 'nomatch' could be found."
    )
    with_servers = get(cloud, f"/{host}/servers", "2.52")["hypervisors"]
    assert [s["uuid"] for s in with_servers[0]["servers"]] == [server_id]
    empty = "compute2" if host == "compute1" else "compute1"
    assert "servers" not in get(cloud, f"/{empty}/servers", "2.52")["hypervisors"][0]
    get(cloud, "/compute/search", "2.53", 404)
    get(cloud, f"/{host}/servers", "2.53", 404)

    # From 2.53 the same as query parameters (no paging with a pattern).
    found = get(cloud, f"?hypervisor_hostname_pattern={host}&with_servers=true", "2.53")
    assert [h["hypervisor_hostname"] for h in found["hypervisors"]] == [host]
    assert [s["uuid"] for s in found["hypervisors"][0]["servers"]] == [server_id]
    assert get(cloud, "?hypervisor_hostname_pattern=zzz", "2.53", 404)
    response = get(cloud, "?hypervisor_hostname_pattern=compute&limit=1", "2.53", 400)
    assert response["badRequest"]["message"].startswith("Paging over hypervisors with the")


def test_paging(cloud):
    ids = node_ids(cloud, "2.33")
    page = get(cloud, "?limit=1", "2.33")
    assert [h["id"] for h in page["hypervisors"]] == [ids["compute1"]]
    (link,) = page["hypervisors_links"]
    assert link["href"].endswith(f"/v2.1/os-hypervisors?limit=1&marker={ids['compute1']}")
    page = get(cloud, f"/detail?limit=1&marker={ids['compute1']}", "2.33")
    assert [h["hypervisor_hostname"] for h in page["hypervisors"]] == ["compute2"]
    assert len(get(cloud, "?limit=1", "2.32")["hypervisors"]) == 2  # no paging before 2.33
    assert get(cloud, "?marker=999", "2.33", 400)["badRequest"]["message"] == (
        "marker [999] not found"
    )
    uuid_ids = node_ids(cloud, "2.53")
    page = get(cloud, f"?marker={uuid_ids['compute1']}", "2.53")
    assert [h["hypervisor_hostname"] for h in page["hypervisors"]] == ["compute2"]
    assert get(cloud, "?limit=1", "2.33")["hypervisors_links"]
    assert get(cloud, "?bogus=1", "2.52")["hypervisors"]
    get(cloud, "?bogus=1", "2.53", 400)


def test_uptime_until_2_87(cloud, conf):
    node_id = node_ids(cloud, "2.1")["compute1"]
    body = get(cloud, f"/{node_id}/uptime")["hypervisor"]
    assert set(body) == BASIC | {"uptime"}
    # The uptime(1) line python-openstackclient parses into host time, uptime, users, load.
    assert re.match(r"\s*(.+)\sup\s+(.+),\s+(.+)\susers?,\s+load average:\s(.+)", body["uptime"])
    assert get(cloud, f"/{node_id}", "2.1")["hypervisor"]["host_ip"] == conf.my_ip
    uuid = node_ids(cloud, "2.53")["compute1"]
    assert get(cloud, f"/{uuid}/uptime", "2.87")["hypervisor"]["id"] == uuid
    get(cloud, f"/{uuid}/uptime", "2.88", 404)
    services = cloud.get("/v2.1/os-services?binary=nova-compute&host=compute1")
    service_id = services.json["services"][0]["id"]
    assert cloud.get(f"{URL}/{node_id}/uptime", token="demo:demo").status_int == 403
    response = cloud.request(
        "PUT",
        "/v2.1/os-services/force-down",
        {"host": "compute1", "binary": "nova-compute", "forced_down": True},
        headers=mv("2.11"),
    )
    assert response.status_int == 200, (response.text, service_id)
    assert get(cloud, f"/{node_id}/uptime", "2.1", 400)["badRequest"]["message"] == (
        "Compute service of compute1 is unavailable at this time."
    )
    # At 2.88 a down host has no uptime, and the details still answer.
    detail = get(cloud, f"/{uuid}", "2.88")["hypervisor"]
    assert detail["uptime"] is None and detail["state"] == "down"


def test_uptime_without_driver_support_is_501(cloud, monkeypatch):
    def unsupported():
        raise NotImplementedError()

    compute2 = next(s for s in cloud.services if s.host == "compute2")
    monkeypatch.setattr(compute2.manager.driver, "get_host_uptime", unsupported)
    ids = node_ids(cloud, "2.53")
    response = get(cloud, f"/{ids['compute2']}/uptime", "2.87", status=501)
    assert response["notImplemented"]["message"] == (
        "The requested functionality is not supported."
    )
    assert get(cloud, f"/{ids['compute2']}", "2.88")["hypervisor"]["uptime"] is None
    assert get(cloud, f"/{ids['compute1']}", "2.88")["hypervisor"]["uptime"]


def test_statistics_until_2_87(cloud):
    stats = get(cloud, "/statistics")["hypervisor_statistics"]
    assert stats["count"] == 2 and stats["vcpus"] == 32
    assert set(stats) == {
        "count",
        "current_workload",
        "disk_available_least",
        "free_disk_gb",
        "free_ram_mb",
        "local_gb",
        "local_gb_used",
        "memory_mb",
        "memory_mb_used",
        "running_vms",
        "vcpus",
        "vcpus_used",
    }
    body = {"host": "compute2", "binary": "nova-compute"}
    assert cloud.request("PUT", "/v2.1/os-services/disable", body).status_int == 200
    assert get(cloud, "/statistics", "2.87")["hypervisor_statistics"]["count"] == 1
    get(cloud, "/statistics", "2.88", 404)
    assert cloud.get(f"{URL}/statistics", token="demo:demo").status_int == 403
