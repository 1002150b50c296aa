"""Availability zones and server groups across separate daemons on RabbitMQ and
MariaDB: an aggregate change reaches the scheduler by fanout, and the
scheduler reads server groups through the conductor."""

from __future__ import annotations

from tests.integration import deployment as dep_mod
from tests.integration.conftest import FLAVOR


def _boot(api: dep_mod.ApiClient, name: str, count: int = 1, **extra) -> None:
    hints = extra.pop("hints", None)
    server = {
        "name": name,
        "flavorRef": FLAVOR,
        "imageRef": dep_mod.IMAGE,
        "min_count": count,
        **extra,
    }
    body = {"server": server, **({"os:scheduler_hints": hints} if hints else {})}
    response = api.post("/servers", json=body)
    assert response.status_code == 202, response.text


def _settled(api: dep_mod.ApiClient, prefix: str, count: int) -> list[dict]:
    def mine(servers):
        return [s for s in servers if s["name"].startswith(prefix)]

    servers = api.wait_servers(
        lambda s: len(mine(s)) == count and all(x["status"] != "BUILD" for x in mine(s)),
        timeout=60,
        interval=0.05,
    )
    return mine(servers)


def test_zone_pinned_boots_follow_aggregate_changes(deployment, flavor, clean_servers):
    api = deployment.api
    aggregate = api.ok(
        "POST", "/os-aggregates", json={"aggregate": {"name": "rack", "availability_zone": "az1"}}
    )["aggregate"]
    action = f"/os-aggregates/{aggregate['id']}/action"
    try:
        api.ok("POST", action, json={"add_host": {"host": "compute2"}})
        # Booted right after the change: the scheduler's cached view was dropped.
        _boot(api, "pinned", count=3, availability_zone="az1")
        servers = _settled(api, "pinned", 3)
        assert {s["OS-EXT-SRV-ATTR:host"] for s in servers} == {"compute2"}
        assert {s["OS-EXT-AZ:availability_zone"] for s in servers} == {"az1"}
        zones = api.ok("GET", "/os-availability-zone")["availabilityZoneInfo"]
        assert {z["zoneName"] for z in zones} == {"az1", "nova"}
        for server in servers:
            api.ok("DELETE", f"/servers/{server['id']}", expected=204)
        api.wait_servers(lambda s: not [x for x in s if x["name"].startswith("pinned")])
    finally:
        api.post(action, json={"remove_host": {"host": "compute2"}})
        api.delete(f"/os-aggregates/{aggregate['id']}")


def test_anti_affinity_group_spreads_members(deployment, flavor, clean_servers):
    api = deployment.api
    group = api.ok(
        "POST",
        "/os-server-groups",
        json={"server_group": {"name": "spread", "policies": ["anti-affinity"]}},
    )["server_group"]
    for index in range(3):
        _boot(api, f"member{index}", hints={"group": group["id"]})
        _settled(api, f"member{index}", 1)
    servers = _settled(api, "member", 3)
    hosts = sorted(s.get("OS-EXT-SRV-ATTR:host") or "" for s in servers)
    assert hosts == ["", "compute1", "compute2"]
    (error,) = [s for s in servers if s["status"] == "ERROR"]
    assert error["fault"]["message"].startswith("No valid host was found.")
    members = api.ok("GET", f"/os-server-groups/{group['id']}")["server_group"]["members"]
    assert sorted(members) == sorted(s["id"] for s in servers)
