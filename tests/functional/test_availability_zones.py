"""Availability zones end to end: os-availability-zone, the zones of os-services,
servers booted in a zone (or forced onto a host) and moves that stay in it."""

from __future__ import annotations

from sqlalchemy import update

from nova_lite.db import models
from tests.functional.test_aggregates import act, error, make
from tests.functional.test_moves import action, settled
from tests.functional.test_servers import IMAGE, boot

DEMO = "demo:demo"


def zones(cloud, detail: bool = False, token=None) -> dict:
    path = "/v2.1/os-availability-zone" + ("/detail" if detail else "")
    response = cloud.get(path, token=token)
    assert response.status_int == 200, response.text
    return {z["zoneName"]: z for z in response.json["availabilityZoneInfo"]}


def test_zone_list_and_detail(cloud, db):
    assert zones(cloud, token=DEMO) == {
        "nova": {"zoneName": "nova", "zoneState": {"available": True}, "hosts": None}
    }
    make(cloud, "rack", "az1", hosts=["compute1"])
    listed = zones(cloud, token=DEMO)
    assert set(listed) == {"az1", "nova"}

    detail = zones(cloud, detail=True)
    assert set(detail) == {"az1", "nova", "internal"}
    compute1 = detail["az1"]["hosts"]["compute1"]["nova-compute"]
    assert (compute1["available"], compute1["active"]) == (True, True)
    assert "updated_at" in compute1
    assert set(detail["nova"]["hosts"]) == {"compute2"}
    internal = {binary for host in detail["internal"]["hosts"].values() for binary in host}
    assert internal == {"nova-conductor", "nova-scheduler"}
    assert cloud.get("/v2.1/os-availability-zone/detail", token=DEMO).status_int == 403

    # A zone whose services are all disabled is listed as unavailable.
    with db.get_engine().begin() as connection:
        connection.execute(
            update(models.Service).where(models.Service.host == "compute1").values(disabled=True)
        )
    listed = zones(cloud)
    assert listed["az1"]["zoneState"] == {"available": False}
    assert zones(cloud, detail=True)["az1"]["hosts"] is None


def test_services_show_their_zone(cloud):
    make(cloud, "rack", "az1", hosts=["compute2"])
    services = cloud.get("/v2.1/os-services").json["services"]
    shown = {(s["host"], s["binary"]): s["zone"] for s in services}
    assert shown[("compute2", "nova-compute")] == "az1"
    assert shown[("compute1", "nova-compute")] == "nova"
    assert {z for (_, binary), z in shown.items() if binary != "nova-compute"} == {"internal"}


def test_boot_in_a_zone(cloud, flavor):
    # Right after the host joins the zone, the scheduler sees it there.
    make(cloud, "rack", "az1", hosts=["compute2"])
    pinned = [boot(cloud, name=f"pinned{i}", availability_zone="az1") for i in range(3)]
    for created in pinned:
        server = settled(cloud, created["server"]["id"], "ACTIVE")
        assert server["OS-EXT-SRV-ATTR:host"] == "compute2"
        assert server["OS-EXT-AZ:availability_zone"] == "az1"
    # With no zone asked for, the server is in its host's zone.
    free = settled(cloud, boot(cloud, name="free")["server"]["id"], "ACTIVE")
    expected = "az1" if free["OS-EXT-SRV-ATTR:host"] == "compute2" else "nova"
    assert free["OS-EXT-AZ:availability_zone"] == expected

    body = {"server": {"name": "x", "flavorRef": "1", "imageRef": IMAGE}}
    body["server"]["availability_zone"] = "nowhere"
    assert error(cloud.post("/v2.1/servers", body, token=DEMO), 400) == (
        "The requested availability zone is not available"
    )
    body["server"]["availability_zone"] = "a:b:c:d"
    assert cloud.post("/v2.1/servers", body).status_int == 400


def test_admins_force_a_host(cloud, flavor):
    created = boot(cloud, name="forced", availability_zone="nova:compute1")
    server = settled(cloud, created["server"]["id"], "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == "compute1"
    assert server["OS-EXT-AZ:availability_zone"] == "nova"
    # Forcing skips the filters: a disabled host still takes it.
    make(cloud, "rack", "az1", hosts=["compute2"])
    cloud.request(
        "PUT", "/v2.1/os-services/disable", {"host": "compute2", "binary": "nova-compute"}
    )
    created = boot(cloud, name="forced2", availability_zone="az1:compute2:compute2")
    server = settled(cloud, created["server"]["id"], "ACTIVE")
    assert (server["OS-EXT-SRV-ATTR:host"], server["OS-EXT-AZ:availability_zone"]) == (
        "compute2",
        "az1",
    )
    # A zone the forced host is not in is replaced by the host's own.
    created = boot(cloud, name="forced3", availability_zone="nova:compute2")
    server = settled(cloud, created["server"]["id"], "ACTIVE")
    assert server["OS-EXT-AZ:availability_zone"] == "az1"
    body = {"server": {"name": "x", "flavorRef": "1", "imageRef": IMAGE}}
    body["server"]["availability_zone"] = "nova:compute1"
    assert cloud.post("/v2.1/servers", body, token=DEMO).status_int == 403


def test_moves_stay_in_the_requested_zone(cloud, flavor):
    rack = make(cloud, "rack", "az1", hosts=["compute1"])
    server_id = boot(cloud, availability_zone="az1")["server"]["id"]
    assert settled(cloud, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == "compute1"
    # The only other host is in another zone: nowhere to go.
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    assert settled(cloud, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == "compute1"
    # The zone gains compute2 (compute2 has no servers, so it may join).
    assert act(cloud, rack["id"], "add_host", {"host": "compute2"}).status_int == 200
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    server = settled(cloud, server_id, "VERIFY_RESIZE")
    assert (server["OS-EXT-SRV-ATTR:host"], server["OS-EXT-AZ:availability_zone"]) == (
        "compute2",
        "az1",
    )


def test_unpinned_server_takes_the_zone_of_its_new_host(cloud, flavor):
    server_id = boot(cloud)["server"]["id"]
    source = settled(cloud, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"]
    dest = "compute2" if source == "compute1" else "compute1"
    make(cloud, "rack", "az9", hosts=[dest])
    assert action(cloud, server_id, {"migrate": None}).status_int == 202
    server = settled(cloud, server_id, "VERIFY_RESIZE")
    assert (server["OS-EXT-SRV-ATTR:host"], server["OS-EXT-AZ:availability_zone"]) == (
        dest,
        "az9",
    )
    # Reverting goes back to the source's zone.
    assert action(cloud, server_id, {"revertResize": None}).status_int == 202
    server = settled(cloud, server_id, "ACTIVE")
    assert (server["OS-EXT-SRV-ATTR:host"], server["OS-EXT-AZ:availability_zone"]) == (
        source,
        "nova",
    )
