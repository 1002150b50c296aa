"""Server bodies and requests at each microversion, against Nova's documented shapes
(rest_api_version_history.rst and its API samples)."""

from __future__ import annotations

from sqlalchemy import update

from nova_lite.db import models
from tests.functional.test_evacuate import force_down
from tests.functional.test_live_migration import wait_migration
from tests.functional.test_moves import db_write, other, settled, start_server
from tests.functional.test_rebuild_rescue import NEW_IMAGE
from tests.functional.test_server_update import UPDATE_KEYS as UPDATE_21
from tests.functional.test_servers import IMAGE

DEMO = "demo:demo"
# 2.71's server_groups belongs to the server group tests.
NOT_HERE = {"server_groups"}

# GET /servers/{id} of an ACTIVE server, for its owner, at 2.1.
OWNER_21 = UPDATE_21 | {
    "OS-EXT-AZ:availability_zone",
    "config_drive",
    "key_name",
    "OS-SRV-USG:launched_at",
    "OS-SRV-USG:terminated_at",
    "OS-EXT-STS:task_state",
    "OS-EXT-STS:vm_state",
    "OS-EXT-STS:power_state",
    "os-extended-volumes:volumes_attached",
    "security_groups",
}
# os-extended-server-attributes (admins): 2.1, and what 2.3 adds.
EXTENDED_21 = {
    "OS-EXT-SRV-ATTR:host",
    "OS-EXT-SRV-ATTR:hypervisor_hostname",
    "OS-EXT-SRV-ATTR:instance_name",
}
EXTENDED_23 = EXTENDED_21 | {
    "OS-EXT-SRV-ATTR:reservation_id",
    "OS-EXT-SRV-ATTR:launch_index",
    "OS-EXT-SRV-ATTR:hostname",
    "OS-EXT-SRV-ATTR:kernel_id",
    "OS-EXT-SRV-ATTR:ramdisk_id",
    "OS-EXT-SRV-ATTR:root_device_name",
    "OS-EXT-SRV-ATTR:user_data",
}
# Nova's v2.96 server-get-resp.json (an owner's view).
OWNER_296 = OWNER_21 | {
    "description",
    "locked",
    "locked_reason",
    "tags",
    "trusted_image_certificates",
    "OS-EXT-SRV-ATTR:hostname",
    "pinned_availability_zone",
}
# (microversion, owner's keys, admin's keys) of the show body.
SHOW_KEYS = [
    ("2.1", OWNER_21, OWNER_21 | EXTENDED_21),
    ("2.3", OWNER_21, OWNER_21 | EXTENDED_23),
    ("2.9", OWNER_21 | {"locked"}, OWNER_21 | EXTENDED_23 | {"locked"}),
    (
        "2.16",
        OWNER_21 | {"locked"},
        OWNER_21 | EXTENDED_23 | {"locked", "host_status"},
    ),
    (
        "2.19",
        OWNER_21 | {"locked", "description"},
        OWNER_21 | EXTENDED_23 | {"locked", "host_status", "description"},
    ),
    (
        "2.26",
        OWNER_21 | {"locked", "description", "tags"},
        OWNER_21 | EXTENDED_23 | {"locked", "host_status", "description", "tags"},
    ),
    (
        "2.63",
        OWNER_21 | {"locked", "description", "tags", "trusted_image_certificates"},
        OWNER_21
        | EXTENDED_23
        | {"locked", "host_status", "description", "tags", "trusted_image_certificates"},
    ),
    (
        "2.73",
        OWNER_296 - {"OS-EXT-SRV-ATTR:hostname", "pinned_availability_zone"},
        (OWNER_296 | EXTENDED_23 | {"host_status"}) - {"pinned_availability_zone"},
    ),
    (
        "2.90",
        OWNER_296 - {"pinned_availability_zone"},
        (OWNER_296 | EXTENDED_23 | {"host_status"}) - {"pinned_availability_zone"},
    ),
    ("2.96", OWNER_296, OWNER_296 | EXTENDED_23 | {"host_status"}),
]


def mv(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


def request(cloud, method, path, version, body=None, token=DEMO):
    return cloud.request(method, path, body, headers=mv(version), token=token)


def keys(body: dict) -> set:
    return set(body) - NOT_HERE


def boot(cloud, version: str = "2.1", token: str = DEMO, **server) -> dict:
    body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": IMAGE, **server}}
    if tuple(map(int, version.split("."))) >= (2, 37) and "networks" not in server:
        body["server"]["networks"] = "auto"
    response = request(cloud, "POST", "/v2.1/servers", version, body, token)
    assert response.status_int == 202, response.text
    return response.json["server"]


def active(cloud, server_id: str) -> dict:
    return cloud.wait_for(
        f"/v2.1/servers/{server_id}",
        lambda r: (
            r.json["server"]["status"] == "ACTIVE"
            and r.json["server"]["OS-EXT-STS:task_state"] is None
        ),
    ).json["server"]


def show(cloud, server_id: str, version: str, token: str = DEMO) -> dict:
    response = request(cloud, "GET", f"/v2.1/servers/{server_id}", version, token=token)
    assert response.status_int == 200, response.text
    return response.json["server"]


# -- GET: the show body ----------------------------------------------------------------
def test_show_keys_at_each_microversion(cloud, flavor):
    server_id = boot(cloud)["id"]
    active(cloud, server_id)
    for version, owner, admin in SHOW_KEYS:
        assert keys(show(cloud, server_id, version)) == owner, version
        assert keys(show(cloud, server_id, version, token=None)) == admin, version
    # 2.75 cleaned up responses, not the show body.
    assert keys(show(cloud, server_id, "2.75")) == keys(show(cloud, server_id, "2.74"))


def test_show_values_of_new_attributes(cloud, flavor):
    created = boot(cloud, "2.90", description="web", tags=["a", "b"], hostname="web-1")
    active(cloud, created["id"])
    admin = show(cloud, created["id"], "2.96", token=None)
    assert admin["OS-EXT-SRV-ATTR:reservation_id"].startswith("r-")
    assert admin["OS-EXT-SRV-ATTR:launch_index"] == 0
    assert admin["OS-EXT-SRV-ATTR:hostname"] == "web-1"
    assert (admin["OS-EXT-SRV-ATTR:kernel_id"], admin["OS-EXT-SRV-ATTR:ramdisk_id"]) == ("", "")
    assert admin["OS-EXT-SRV-ATTR:user_data"] is None
    assert admin["host_status"] == "UP"
    owner = show(cloud, created["id"], "2.96")
    assert owner["description"] == "web"
    assert owner["tags"] == ["a", "b"]
    assert (owner["locked"], owner["locked_reason"]) == (False, None)
    assert owner["trusted_image_certificates"] is None
    assert owner["OS-EXT-SRV-ATTR:hostname"] == "web-1"
    assert owner["pinned_availability_zone"] is None
    # Before 2.19 a server's description is its name.
    old = boot(cloud, name="named")["id"]
    assert show(cloud, old, "2.19")["description"] == "named"


def test_flavor_is_embedded_from_247(cloud, flavor):
    specs = cloud.post("/v2.1/flavors/1/os-extra_specs", {"extra_specs": {"hw:cpu": "x"}})
    assert specs.status_int == 200, specs.text
    server_id = boot(cloud)["id"]
    active(cloud, server_id)
    link = show(cloud, server_id, "2.46")["flavor"]
    assert link["id"] == "1" and link["links"][0]["rel"] == "bookmark"
    embedded = show(cloud, server_id, "2.47")["flavor"]
    assert embedded == {
        "vcpus": 1,
        "ram": 2048,
        "disk": 10,
        "ephemeral": 0,
        "swap": 0,
        "original_name": "m1.small",
        "extra_specs": {"hw:cpu": "x"},
    }
    detail = request(cloud, "GET", "/v2.1/servers/detail", "2.47").json["servers"][0]
    assert detail["flavor"] == embedded


def test_host_status_follows_the_compute_service(cloud, flavor, db):
    server_id = boot(cloud)["id"]
    host = active(cloud, server_id)["OS-EXT-SRV-ATTR:host"]

    def host_status():
        listed = request(cloud, "GET", "/v2.1/servers/detail?all_tenants=1", "2.16", token=None)
        assert (
            listed.json["servers"][0]["host_status"]
            == show(cloud, server_id, "2.16", None)["host_status"]
        )
        return listed.json["servers"][0]["host_status"]

    def service(**values):
        db_write(
            db,
            update(models.Service)
            .where(models.Service.host == host, models.Service.binary == "nova-compute")
            .values(**values),
        )

    assert host_status() == "UP"
    service(disabled=True)
    assert host_status() == "MAINTENANCE"
    service(forced_down=True)
    assert host_status() == "DOWN"
    assert "host_status" not in show(cloud, server_id, "2.16")


def test_list_bodies(cloud, flavor):
    server_id = boot(cloud, "2.96")["id"]
    active(cloud, server_id)
    listed = request(cloud, "GET", "/v2.1/servers", "2.96").json["servers"]
    assert [set(s) for s in listed] == [{"id", "name", "links"}]
    detail = request(cloud, "GET", "/v2.1/servers/detail", "2.96").json["servers"]
    assert [keys(s) for s in detail] == [OWNER_296]
    assert keys(
        request(cloud, "GET", "/v2.1/servers/detail?all_tenants", "2.96", token=None).json[
            "servers"
        ][0]
    ) == OWNER_296 | EXTENDED_23 | {"host_status"}


# -- PUT --------------------------------------------------------------------------------
def test_update_bodies_and_attributes(cloud, flavor):
    server_id = boot(cloud)["id"]
    active(cloud, server_id)
    path = f"/v2.1/servers/{server_id}"

    def put(version, token=DEMO, **server):
        return request(cloud, "PUT", path, version, {"server": server}, token)

    assert keys(put("2.1", name="a").json["server"]) == UPDATE_21
    assert put("2.1", description="x").status_int == 400
    body = put("2.19", description="about").json["server"]
    assert keys(body) == UPDATE_21 | {"locked", "description"}
    assert body["description"] == "about"
    assert put("2.19", description=None).json["server"]["description"] is None
    at_274 = put("2.74", name="b").json["server"]
    assert keys(at_274) == UPDATE_21 | {
        "locked",
        "description",
        "tags",
        "trusted_image_certificates",
        "locked_reason",
    }
    # 2.75: the whole show body, for the owner and for an admin.
    assert keys(put("2.75", name="c").json["server"]) == keys(show(cloud, server_id, "2.75"))
    admin = put("2.75", token=None, name="c").json["server"]
    assert keys(admin) == keys(show(cloud, server_id, "2.75", token=None))
    # 2.90: hostname, shown to everyone; 2.94 takes an FQDN.
    assert put("2.89", hostname="h1").status_int == 400
    assert put("2.90", hostname="h1").json["server"]["OS-EXT-SRV-ATTR:hostname"] == "h1"
    assert put("2.90", hostname="h1.example.org").status_int == 400
    body = put("2.94", hostname="h1.example.org").json["server"]
    assert body["OS-EXT-SRV-ATTR:hostname"] == "h1.example.org"


# -- POST /servers ---------------------------------------------------------------------
def _create(cloud, version, token=DEMO, **server):
    body = {"server": {"name": "vm", "flavorRef": "1", "imageRef": IMAGE, **server}}
    return request(cloud, "POST", "/v2.1/servers", version, body, token)


def test_create_request_ranges(cloud, flavor):
    assert _create(cloud, "2.18", description="d").status_int == 400
    assert _create(cloud, "2.19", description="d").status_int == 202
    # 2.37: networks required, "auto" or "none"; no network can be named (none exist).
    assert _create(cloud, "2.37").status_int == 400
    assert _create(cloud, "2.37", networks="auto").status_int == 202
    assert _create(cloud, "2.37", networks="none").status_int == 202
    net = "3f0ac3c0-9b6e-4c8f-b6f8-4b4e1f2b2f9e"
    response = _create(cloud, "2.37", networks=[{"uuid": net}])
    assert response.status_int == 400
    assert response.json["badRequest"]["message"] == f"Network {net} could not be found."
    assert _create(cloud, "2.37", networks=[{"uuid": "x"}]).status_int == 400
    assert _create(cloud, "2.1", networks=[]).status_int == 202
    # 2.52: tags; 2.57: no personality.
    assert _create(cloud, "2.51", networks="none", tags=["a"]).status_int == 400
    tagged = _create(cloud, "2.52", networks="none", tags=["a", "a", "b"])
    assert show(cloud, tagged.json["server"]["id"], "2.52")["tags"] == ["a", "b"]
    assert _create(cloud, "2.52", networks="none", tags=["a/b"]).status_int == 400
    assert (
        _create(cloud, "2.52", networks="none", tags=[str(i) for i in range(51)]).status_int == 400
    )
    files = [{"path": "/etc/motd", "contents": "aGk="}]
    assert _create(cloud, "2.56", networks="none", personality=files).status_int == 202
    assert _create(cloud, "2.57", networks="none", personality=files).status_int == 400
    # 2.90: hostname, one server only.
    assert _create(cloud, "2.89", networks="none", hostname="h").status_int == 400
    created = _create(cloud, "2.90", networks="none", hostname="my-host").json["server"]
    assert show(cloud, created["id"], "2.90")["OS-EXT-SRV-ATTR:hostname"] == "my-host"
    response = _create(cloud, "2.90", networks="none", hostname="hh", max_count=2)
    assert response.status_int == 400
    assert response.json["badRequest"]["message"] == (
        "Unable to allocate a single hostname to multiple instances"
    )
    assert _create(cloud, "2.90", networks="none", hostname="a.b").status_int == 400
    assert _create(cloud, "2.94", networks="none", hostname="a.b").status_int == 202


def test_default_hostnames(cloud, flavor):
    one = boot(cloud, name="My Web_Server.1")["id"]
    assert show(cloud, one, "2.90")["OS-EXT-SRV-ATTR:hostname"] == "my-web-server-1"
    boot(cloud, name="Multi", max_count=2)
    listed = request(cloud, "GET", "/v2.1/servers/detail?name=^Multi", "2.90").json["servers"]
    assert sorted(s["OS-EXT-SRV-ATTR:hostname"] for s in listed) == ["multi-1", "multi-2"]


def test_create_on_a_requested_host(cloud, flavor):
    for host in ("compute1", "compute2"):
        created = _create(cloud, "2.74", token=None, networks="none", host=host).json["server"]
        assert active(cloud, created["id"])["OS-EXT-SRV-ATTR:host"] == host
    by_node = _create(cloud, "2.74", token=None, networks="none", hypervisor_hostname="compute2")
    assert active(cloud, by_node.json["server"]["id"])["OS-EXT-SRV-ATTR:host"] == "compute2"
    assert _create(cloud, "2.73", token=None, networks="none", host="compute1").status_int == 400
    assert _create(cloud, "2.74", networks="none", host="compute1").status_int == 403
    response = _create(cloud, "2.74", token=None, networks="none", host="nowhere")
    assert response.status_int == 400
    assert response.json["badRequest"]["message"] == "Compute host nowhere could not be found."
    response = _create(
        cloud,
        "2.74",
        token=None,
        networks="none",
        host="compute1",
        availability_zone="nova:compute1",
    )
    assert response.status_int == 400


# -- rebuild ---------------------------------------------------------------------------
def test_rebuild_bodies_and_attributes(cloud, flavor):
    keypair = request(cloud, "POST", "/v2.1/os-keypairs", "2.1", {"keypair": {"name": "k1"}})
    assert keypair.status_int == 200, keypair.text
    server_id = boot(cloud)["id"]
    active(cloud, server_id)
    path = f"/v2.1/servers/{server_id}/action"

    def rebuild(version, token=DEMO, **params):
        body = {"rebuild": {"imageRef": NEW_IMAGE, **params}}
        response = request(cloud, "POST", path, version, body, token)
        assert response.status_int == 202, (version, response.text)
        active(cloud, server_id)
        return response.json["server"]

    assert keys(rebuild("2.1")) == UPDATE_21 | {"adminPass"}
    assert keys(rebuild("2.9")) == UPDATE_21 | {"adminPass", "locked"}
    body = rebuild("2.19", description="rebuilt")
    assert body["description"] == "rebuilt"
    assert "key_name" not in body
    body = rebuild("2.54", key_name="k1")
    assert body["key_name"] == "k1"
    assert "user_data" not in body
    assert rebuild("2.54", key_name=None)["key_name"] is None
    body = rebuild("2.57", user_data="aGVsbG8=")
    assert body["user_data"] == "aGVsbG8="
    assert keys(body) == UPDATE_21 | {
        "adminPass",
        "locked",
        "description",
        "tags",
        "key_name",
        "user_data",
    }
    # 2.75: the show body, without OS-EXT-SRV-ATTR:user_data, with user_data and adminPass.
    admin = rebuild("2.75", token=None)
    shown = show(cloud, server_id, "2.75", token=None)
    assert keys(admin) == keys(shown) - {"OS-EXT-SRV-ATTR:user_data"} | {"user_data", "adminPass"}
    body = rebuild("2.96", hostname="rebuilt-host")
    assert body["OS-EXT-SRV-ATTR:hostname"] == "rebuilt-host"
    assert "pinned_availability_zone" in body
    response = request(
        cloud, "POST", path, "2.56", {"rebuild": {"imageRef": IMAGE, "user_data": "eA=="}}
    )
    assert response.status_int == 400
    response = request(
        cloud, "POST", path, "2.54", {"rebuild": {"imageRef": IMAGE, "key_name": "nope"}}
    )
    assert response.status_int == 400
    assert response.json["badRequest"]["message"] == "Invalid key_name provided."


# -- lock ------------------------------------------------------------------------------
def test_lock_reason(cloud, flavor):
    server_id = boot(cloud)["id"]
    active(cloud, server_id)
    path = f"/v2.1/servers/{server_id}/action"
    body = {"lock": {"locked_reason": "maintenance"}}
    assert request(cloud, "POST", path, "2.72", body).status_int == 202
    assert show(cloud, server_id, "2.73")["locked_reason"] is None
    assert request(cloud, "POST", path, "2.73", {"unlock": None}).status_int == 202
    assert request(cloud, "POST", path, "2.73", body).status_int == 202
    shown = show(cloud, server_id, "2.73")
    assert (shown["locked"], shown["locked_reason"]) == (True, "maintenance")
    assert request(cloud, "POST", path, "2.73", {"lock": {"bogus": 1}}).status_int == 400
    assert request(cloud, "POST", path, "2.73", {"unlock": None}).status_int == 202
    shown = show(cloud, server_id, "2.73")
    assert (shown["locked"], shown["locked_reason"]) == (False, None)


# -- move actions ----------------------------------------------------------------------
def _action(cloud, server_id: str, version: str, body: dict, token=None):
    return request(cloud, "POST", f"/v2.1/servers/{server_id}/action", version, body, token)


def test_migrate_to_a_host_from_256(cloud, flavor, db):
    server_id, source = start_server(cloud)
    dest = other(source)
    same = _action(cloud, server_id, "2.56", {"migrate": {"host": source}})
    assert same.status_int == 400
    assert same.json["badRequest"]["message"] == (
        "Cannot migrate to the host where the server exists."
    )
    unknown = _action(cloud, server_id, "2.56", {"migrate": {"host": "nowhere"}})
    assert unknown.status_int == 400
    assert _action(cloud, server_id, "2.56", {"migrate": {"bogus": 1}}).status_int == 400
    assert _action(cloud, server_id, "2.56", {"migrate": {"host": dest}}, DEMO).status_int == 403
    assert _action(cloud, server_id, "2.56", {"migrate": {"host": dest}}).status_int == 202
    assert settled(cloud, server_id, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"] == dest
    assert _action(cloud, server_id, "2.56", {"confirmResize": None}).status_int == 204
    settled(cloud, server_id, "ACTIVE")
    # Before 2.56 the value is not looked at.
    assert _action(cloud, server_id, "2.55", {"migrate": {"host": "ignored"}}).status_int == 202
    assert settled(cloud, server_id, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"] == source


def test_live_migrate_request_ranges(cloud, flavor, db):
    server_id, source = start_server(cloud)
    dest = other(source)
    v225 = {"os-migrateLive": {"host": None, "block_migration": "auto"}}
    with_overcommit = {"os-migrateLive": {**v225["os-migrateLive"], "disk_over_commit": False}}
    assert _action(cloud, server_id, "2.24", v225).status_int == 400
    assert _action(cloud, server_id, "2.25", with_overcommit).status_int == 400
    forced = {"os-migrateLive": {"host": None, "block_migration": False, "force": True}}
    response = _action(cloud, server_id, "2.30", forced)
    assert response.status_int == 400
    assert response.json["badRequest"]["message"] == "Can't force to a non-provided destination"
    assert _action(cloud, server_id, "2.68", forced).status_int == 400
    assert _action(cloud, server_id, "2.25", v225).status_int == 202
    assert settled(cloud, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == dest
    # An unforced named host goes through the scheduler (2.30 and later).
    body = {"os-migrateLive": {"host": source, "block_migration": "auto", "force": False}}
    assert _action(cloud, server_id, "2.30", body).status_int == 202
    assert settled(cloud, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == source
    wait_migration(db, server_id, "completed")


def test_evacuate_request_and_response_ranges(cloud, flavor, db):
    server_id, source = start_server(cloud)
    dest = other(source)
    force_down(db, source)
    shared = {"evacuate": {"onSharedStorage": False}}
    assert _action(cloud, server_id, "2.14", shared).status_int == 400
    response = _action(cloud, server_id, "2.29", {"evacuate": {"force": True}})
    assert response.status_int == 400
    assert response.json["badRequest"]["message"] == "Can't force to a non-provided destination"
    assert _action(cloud, server_id, "2.68", {"evacuate": {"force": False}}).status_int == 400
    # 2.14: no body; 2.95: the evacuated server ends stopped.
    response = _action(cloud, server_id, "2.95", {"evacuate": {"host": dest}})
    assert (response.status_int, response.body) == (200, b"")
    server = settled(cloud, server_id, "SHUTOFF")
    assert (server["OS-EXT-SRV-ATTR:host"], server["OS-EXT-STS:power_state"]) == (dest, 4)
    wait_migration(db, server_id, "done")
