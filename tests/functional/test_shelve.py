"""shelve, shelveOffload and unshelve end to end: states, the shelved image in
the session's real Glance, the offload timer, unshelving onto another host,
failures and interrupted work."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import update

from nova_lite import context as nova_context
from nova_lite.api.handlers import servers as servers_handlers
from nova_lite.compute import power_state
from nova_lite.db import models
from nova_lite.virt import fake
from tests.functional.test_aggregates import make
from tests.functional.test_create_image import (
    events,
    faults,
    glance_image,
    image_data,
    version,
)
from tests.functional.test_recovery import _server, _set_columns, _show
from tests.functional.test_server_actions import settled
from tests.functional.test_server_images import _system_metadata
from tests.functional.test_servers import IMAGE, boot, count_rows, wait_gone, wait_status

DEMO = "demo:demo"
SHELVED_KEYS = {"shelved_at", "shelved_image_id", "shelved_host"}


def act(cloud, server_id: str, body: dict, token=DEMO, at: str = "2.1"):
    return cloud.post(f"/v2.1/servers/{server_id}/action", body, token=token, headers=version(at))


def shelve(cloud, server_id: str, token=DEMO) -> None:
    response = act(cloud, server_id, {"shelve": None}, token=token)
    assert response.status_int == 202, response.text


def unshelve(cloud, server_id: str, value=None, token=DEMO, at: str = "2.1", expected=202):
    response = act(cloud, server_id, {"unshelve": value}, token=token, at=at)
    assert response.status_int == expected, response.text
    return response


def message(response, code: int) -> str:
    assert response.status_int == code, response.text
    return next(iter(response.json.values()))["message"]


def allocations(db, server_id: str) -> int:
    return count_rows(db, models.Allocation, models.Allocation.consumer_uuid == server_id)


def memory_used(cloud) -> dict[str, int]:
    hypervisors = cloud.get("/v2.1/os-hypervisors/detail").json["hypervisors"]
    return {h["hypervisor_hostname"]: h["memory_mb_used"] for h in hypervisors}


def guests(cloud) -> dict[str, dict]:
    """Each compute host's fake hypervisor: guest uuid -> power state."""
    return {s.host: s.manager.driver._guests for s in cloud.services[2:]}


def compute_of(cloud, host: str):
    (service,) = [s for s in cloud.services[2:] if s.host == host]
    return service


@pytest.fixture
def server(cloud, flavor) -> str:
    server_id = boot(cloud, token=DEMO)["server"]["id"]
    wait_status(cloud, server_id, "ACTIVE")
    return server_id


def test_shelve_offloads_at_once_then_unshelve(cloud, server, glance, db):
    host = _show(cloud, server)["OS-EXT-SRV-ATTR:host"]
    base = memory_used(cloud)
    shelve(cloud, server)
    shown = settled(cloud, server, "SHELVED_OFFLOADED")
    assert (shown["OS-EXT-SRV-ATTR:host"], shown["OS-EXT-STS:power_state"]) == (
        None,
        power_state.SHUTDOWN,
    )
    system_metadata = _system_metadata(db, server)
    assert system_metadata["shelved_host"] == host
    image_id = system_metadata["shelved_image_id"]
    image = glance_image(glance, image_id)
    assert (image["name"], image["status"], image["image_type"]) == (
        "vm-shelved",
        "active",
        "snapshot",
    )
    assert (image["instance_uuid"], image["base_image_ref"]) == (server, IMAGE)
    assert image_data(glance, image_id) == fake.snapshot_data(type("I", (), {"uuid": server}))
    assert allocations(db, server) == 0
    assert server not in guests(cloud)[host]
    assert memory_used(cloud)[host] == base[host] - 2048
    assert events(db, server, "shelve") == [("compute_shelve_instance", "Success")]

    unshelve(cloud, server)
    shown = settled(cloud, server, "ACTIVE")
    new_host = shown["OS-EXT-SRV-ATTR:host"]
    assert shown["OS-EXT-STS:power_state"] == power_state.RUNNING
    assert shown["image"]["id"] == IMAGE
    assert guests(cloud)[new_host][server] == power_state.RUNNING
    assert glance_image(glance, image_id) is None
    assert not SHELVED_KEYS & set(_system_metadata(db, server))
    assert allocations(db, server) == 1
    assert events(db, server, "unshelve") == [
        ("get_image_info", "Success"),
        ("schedule_instances", "Success"),
        ("compute_unshelve_instance", "Success"),
    ]


def test_shelved_server_keeps_its_guest_until_offloaded(cloud, server, glance, db, conf):
    conf.set_override("shelved_offload_time", -1)
    host = _show(cloud, server)["OS-EXT-SRV-ATTR:host"]
    shelve(cloud, server)
    shown = settled(cloud, server, "SHELVED")
    assert (shown["OS-EXT-SRV-ATTR:host"], shown["OS-EXT-STS:power_state"]) == (
        host,
        power_state.SHUTDOWN,
    )
    assert guests(cloud)[host][server] == power_state.SHUTDOWN
    assert allocations(db, server) == 1
    image_id = _system_metadata(db, server)["shelved_image_id"]

    # Only admins offload by default.
    response = act(cloud, server, {"shelveOffload": None})
    assert response.status_int == 403, response.text
    assert act(cloud, server, {"shelveOffload": None}, token="admin:admin").status_int == 202
    shown = settled(cloud, server, "SHELVED_OFFLOADED")
    assert shown["OS-EXT-SRV-ATTR:host"] is None
    assert server not in guests(cloud)[host]
    assert allocations(db, server) == 0
    assert glance_image(glance, image_id)["status"] == "active"
    assert events(db, server, "shelveOffload") == [("compute_shelve_offload_instance", "Success")]


def test_unshelve_of_a_shelved_server_starts_it_on_its_host(cloud, server, glance, db, conf):
    conf.set_override("shelved_offload_time", -1)
    host = _show(cloud, server)["OS-EXT-SRV-ATTR:host"]
    shelve(cloud, server)
    settled(cloud, server, "SHELVED")
    image_id = _system_metadata(db, server)["shelved_image_id"]
    unshelve(cloud, server)
    shown = settled(cloud, server, "ACTIVE")
    assert (shown["OS-EXT-SRV-ATTR:host"], shown["OS-EXT-STS:power_state"]) == (
        host,
        power_state.RUNNING,
    )
    assert glance_image(glance, image_id) is None
    assert not SHELVED_KEYS & set(_system_metadata(db, server))
    assert events(db, server, "unshelve") == [("compute_start_instance", "Success")]


@pytest.mark.parametrize(
    "first, status", [({"os-stop": None}, "SHUTOFF"), ({"suspend": None}, "SUSPENDED")]
)
def test_shelve_a_stopped_or_suspended_server(cloud, server, first, status):
    assert act(cloud, server, first).status_int == 202
    settled(cloud, server, status)
    shelve(cloud, server)
    settled(cloud, server, "SHELVED_OFFLOADED")
    unshelve(cloud, server)
    assert settled(cloud, server, "ACTIVE")["OS-EXT-STS:power_state"] == power_state.RUNNING


def test_offload_timer(cloud, server, db, conf):
    conf.set_override("shelved_offload_time", 3600)
    shelve(cloud, server)
    host = settled(cloud, server, "SHELVED")["OS-EXT-SRV-ATTR:host"]
    manager = compute_of(cloud, host).manager
    context = nova_context.get_admin_context()

    def poll() -> None:
        manager.__dict__.get("_last_run", {}).pop("_poll_shelved_instances", None)
        manager._poll_shelved_instances(context)

    poll()  # shelved just now: not yet
    assert _show(cloud, server)["status"] == "SHELVED"
    long_ago = (datetime.datetime.utcnow() - datetime.timedelta(hours=2)).isoformat()
    with db._write_lock(), db.get_engine().begin() as connection:
        connection.execute(
            update(models.InstanceSystemMetadata)
            .where(
                models.InstanceSystemMetadata.instance_uuid == server,
                models.InstanceSystemMetadata.key == "shelved_at",
            )
            .values(value=long_ago)
        )
    conf.set_override("shelved_offload_time", -1)
    poll()  # never, whatever the age
    assert _show(cloud, server)["status"] == "SHELVED"
    conf.set_override("shelved_offload_time", 3600)
    poll()
    shown = settled(cloud, server, "SHELVED_OFFLOADED")
    assert shown["OS-EXT-SRV-ATTR:host"] is None
    assert allocations(db, server) == 0


# -- conflicts and bad requests ------------------------------------------------------------
def _conflict(server_id: str, action: str, state: str) -> str:
    return f"Cannot '{action}' instance {server_id} while it is in vm_state {state}"


def test_conflicts(cloud, server):
    assert message(act(cloud, server, {"unshelve": None}), 409) == _conflict(
        server, "unshelve", "active"
    )
    response = act(cloud, server, {"shelveOffload": None}, token="admin:admin")
    assert message(response, 409) == _conflict(server, "shelveOffload", "active")
    shelve(cloud, server)
    settled(cloud, server, "SHELVED_OFFLOADED")
    assert message(act(cloud, server, {"shelve": None}), 409) == _conflict(
        server, "shelve", "shelved_offloaded"
    )
    body = {"createImage": {"name": "x"}}
    assert message(act(cloud, server, body), 409) == _conflict(
        server, "createImage", "shelved_offloaded"
    )
    assert act(cloud, server, {"os-start": None}).status_int == 409


def test_locked_server_is_409_for_its_owner(cloud, server):
    assert act(cloud, server, {"lock": None}, token="admin:admin").status_int == 202
    response = act(cloud, server, {"shelve": None})
    assert message(response, 409) == f"Instance {server} is locked"
    shelve(cloud, server, token="admin:admin")
    settled(cloud, server, "SHELVED_OFFLOADED")
    assert message(act(cloud, server, {"unshelve": None}), 409) == f"Instance {server} is locked"


def test_unshelve_zone_and_host_need_an_offloaded_server(cloud, server, conf):
    conf.set_override("shelved_offload_time", -1)
    shelve(cloud, server)
    settled(cloud, server, "SHELVED")
    response = unshelve(cloud, server, {"availability_zone": "nova"}, at="2.77", expected=409)
    assert message(response, 409) == (
        f'Specifying an availability zone or a host when unshelving server "{server}" with '
        'status "shelved" is not supported. The server status must be SHELVED_OFFLOADED.'
    )
    response = unshelve(cloud, server, {"host": "compute1"}, at="2.91", expected=409)
    assert "must be SHELVED_OFFLOADED" in message(response, 409)


@pytest.mark.parametrize(
    "value, at",
    [
        ({}, "2.77"),
        ({"availability_zone": "nova", "host": "compute1"}, "2.77"),
        ({"host": "compute1"}, "2.90"),
        ({"availability_zone": None}, "2.90"),
        ({"foo": "bar"}, "2.91"),
        ({"host": None}, "2.91"),
    ],
)
def test_unshelve_bad_bodies(cloud, server, value, at):
    shelve(cloud, server)
    settled(cloud, server, "SHELVED_OFFLOADED")
    unshelve(cloud, server, value, at=at, expected=400)


def test_unshelve_before_2_77_ignores_its_value(cloud, server):
    shelve(cloud, server)
    settled(cloud, server, "SHELVED_OFFLOADED")
    unshelve(cloud, server, {"availability_zone": "nowhere"}, at="2.76")
    settled(cloud, server, "ACTIVE")


def test_unshelve_zone_and_host_checks(cloud, server):
    shelve(cloud, server)
    settled(cloud, server, "SHELVED_OFFLOADED")
    response = unshelve(cloud, server, {"availability_zone": "nowhere"}, at="2.77", expected=400)
    assert message(response, 400) == "The requested availability zone is not available"
    response = unshelve(cloud, server, {"host": "compute1"}, at="2.91", expected=403)
    response = unshelve(
        cloud, server, {"host": "nohost"}, token="admin:admin", at="2.91", expected=400
    )
    assert message(response, 400) == "Compute host nohost could not be found."
    make(cloud, "rack", "az1", hosts=["compute2"])
    response = unshelve(
        cloud,
        server,
        {"availability_zone": "az1", "host": "compute1"},
        token="admin:admin",
        at="2.91",
        expected=409,
    )
    assert message(response, 409) == 'Host "compute1" is not in the availability zone "az1".'
    assert _show(cloud, server)["OS-EXT-STS:task_state"] is None


# -- where an offloaded server lands -------------------------------------------------------------
def _offloaded(cloud, server_id: str, token=DEMO) -> str:
    """Shelve-offload the server; the host it was on."""
    host = _show(cloud, server_id)["OS-EXT-SRV-ATTR:host"]
    shelve(cloud, server_id, token=token)
    settled(cloud, server_id, "SHELVED_OFFLOADED")
    return host


def _other(host: str) -> str:
    return {"compute1": "compute2", "compute2": "compute1"}[host]


def test_unshelve_lands_on_the_other_host_when_the_first_is_disabled(cloud, server):
    host = _offloaded(cloud, server)
    body = {"host": host, "binary": "nova-compute"}
    response = cloud.request("PUT", "/v2.1/os-services/disable", body)
    assert response.status_int == 200, response.text
    unshelve(cloud, server)
    assert settled(cloud, server, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == _other(host)


def test_unshelve_lands_on_the_other_host_when_the_first_is_full(cloud, flavor, db):
    big = {"name": "big", "ram": 20000, "vcpus": 1, "disk": 10, "id": "big"}
    assert cloud.post("/v2.1/flavors", {"flavor": big}).status_int == 200
    server_id = boot(cloud, flavor_id="big")["server"]["id"]
    wait_status(cloud, server_id, "ACTIVE")
    host = _offloaded(cloud, server_id, token="admin:admin")
    response = cloud.post(
        "/v2.1/servers",
        {
            "server": {
                "name": "filler",
                "flavorRef": "big",
                "imageRef": IMAGE,
                "host": host,
                "networks": "none",
            }
        },
        headers=version("2.74"),
    )
    assert response.status_int == 202, response.text
    wait_status(cloud, response.json["server"]["id"], "ACTIVE")
    unshelve(cloud, server_id, token="admin:admin")
    assert settled(cloud, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == _other(host)


def test_unshelve_onto_a_named_host_and_zone(cloud, server):
    host = _offloaded(cloud, server)
    make(cloud, "rack", "az1", hosts=[_other(host)])
    unshelve(
        cloud,
        server,
        {"availability_zone": "az1", "host": _other(host)},
        token="admin:admin",
        at="2.91",
    )
    shown = settled(cloud, server, "ACTIVE")
    assert (shown["OS-EXT-SRV-ATTR:host"], shown["OS-EXT-AZ:availability_zone"]) == (
        _other(host),
        "az1",
    )


def test_unshelve_into_a_zone_then_unpin(cloud, server):
    host = _offloaded(cloud, server)
    make(cloud, "rack", "az1", hosts=[_other(host)])
    unshelve(cloud, server, {"availability_zone": "az1"}, at="2.77")
    shown = settled(cloud, server, "ACTIVE")
    assert (shown["OS-EXT-SRV-ATTR:host"], shown["OS-EXT-AZ:availability_zone"]) == (
        _other(host),
        "az1",
    )
    _offloaded(cloud, server)
    # Unpinned (null): any zone; named host in the default zone.
    unshelve(
        cloud,
        server,
        {"availability_zone": None, "host": host},
        token="admin:admin",
        at="2.91",
    )
    shown = settled(cloud, server, "ACTIVE")
    assert (shown["OS-EXT-SRV-ATTR:host"], shown["OS-EXT-AZ:availability_zone"]) == (
        host,
        "nova",
    )


# -- failures --------------------------------------------------------------------------------
def test_spawn_failure_on_unshelve_leaves_it_offloaded_with_a_fault(
    cloud, server, glance, db, conf
):
    _offloaded(cloud, server)
    image_id = _system_metadata(db, server)["shelved_image_id"]
    conf.set_override("fail_methods", ["spawn"], group="fake")
    unshelve(cloud, server)
    shown = settled(cloud, server, "SHELVED_OFFLOADED")
    assert shown["OS-EXT-SRV-ATTR:host"] is None
    assert allocations(db, server) == 0
    assert faults(db, server)[-1] == "Injected failure in spawn of the fake driver"
    assert events(db, server, "unshelve")[-1] == ("compute_unshelve_instance", "Error")
    assert glance_image(glance, image_id)["status"] == "active"  # kept for the next try
    assert not any(server in g for g in guests(cloud).values())

    conf.clear_override("fail_methods", group="fake")
    unshelve(cloud, server)
    settled(cloud, server, "ACTIVE")
    assert glance_image(glance, image_id) is None


def test_unshelve_with_no_valid_host_stays_offloaded(cloud, server, db):
    _offloaded(cloud, server)
    for host in ("compute1", "compute2"):
        body = {"host": host, "binary": "nova-compute"}
        assert cloud.request("PUT", "/v2.1/os-services/disable", body).status_int == 200
    unshelve(cloud, server)
    settled(cloud, server, "SHELVED_OFFLOADED")
    assert faults(db, server)[-1].startswith("No valid host was found.")
    assert events(db, server, "unshelve")[-1] == ("schedule_instances", "Error")
    assert allocations(db, server) == 0


def test_unshelve_with_the_shelved_image_gone_is_error(cloud, server, glance, db):
    _offloaded(cloud, server)
    image_id = _system_metadata(db, server)["shelved_image_id"]
    assert glance.request("DELETE", f"/images/{image_id}").status_code == 204
    unshelve(cloud, server)
    shown = settled(cloud, server, "ERROR")
    assert shown["fault"]["message"] == (
        f"Error during unshelve instance {server}: Unshelve attempted but the image "
        f"{image_id} cannot be found."
    )


def test_snapshot_failure_on_shelve_deletes_the_image(cloud, server, glance, db):
    response = cloud.request(
        "PUT", f"/v2.1/servers/{server}/metadata/fake:fail", {"meta": {"fake:fail": "snapshot"}}
    )
    assert response.status_int == 200, response.text
    shelve(cloud, server)
    # The guest was powered off before the snapshot failed: the server is what its
    # hypervisor says, with a fault.
    shown = settled(cloud, server, "SHUTOFF")
    assert shown["OS-EXT-STS:power_state"] == power_state.SHUTDOWN
    assert faults(db, server) == ["Injected failure in snapshot of the fake driver"]
    assert events(db, server, "shelve") == [("compute_shelve_instance", "Error")]
    listed = glance.request("GET", "/images", params={"name": "vm-shelved"}).json()["images"]
    assert [i for i in listed if i.get("instance_uuid") == server] == []
    assert not ({"snapshot_image_id"} | SHELVED_KEYS) & set(_system_metadata(db, server))


def test_delete_of_a_shelved_server_deletes_its_image(cloud, server, glance, db):
    _offloaded(cloud, server)
    image_id = _system_metadata(db, server)["shelved_image_id"]
    assert cloud.delete(f"/v2.1/servers/{server}", token=DEMO).status_int == 204
    wait_gone(cloud, server)
    assert glance_image(glance, image_id) is None


# -- interrupted work ------------------------------------------------------------------------
def test_restart_mid_shelve_settles_and_deletes_the_image(cloud, flavor, glance, db):
    server_id, compute = _server(cloud)
    image_id = glance.create_image(data=None)["id"]
    with db._write_lock(), db.get_engine().begin() as connection:
        connection.execute(
            models.InstanceSystemMetadata.__table__.insert().values(
                instance_uuid=server_id, key="snapshot_image_id", value=image_id, deleted=0
            )
        )
    _set_columns(db, server_id, task_state="shelving_image_uploading")
    compute.manager.driver._guests[server_id] = power_state.SHUTDOWN  # powered off by the shelve
    compute.stop()
    compute.start()
    shown = _show(cloud, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("SHUTOFF", None)
    assert glance_image(glance, image_id) is None


def test_restart_mid_offload_finishes_it(cloud, flavor, db, conf):
    conf.set_override("shelved_offload_time", -1)
    server_id, compute = _server(cloud)
    shelve(cloud, server_id, token="admin:admin")
    settled(cloud, server_id, "SHELVED")
    _set_columns(db, server_id, task_state="shelving_offloading")
    compute.stop()
    compute.start()
    shown = _show(cloud, server_id)
    assert (shown["status"], shown["OS-EXT-SRV-ATTR:host"]) == ("SHELVED_OFFLOADED", None)
    assert allocations(db, server_id) == 0


def test_restart_mid_unshelve_leaves_it_offloaded_with_a_fault(cloud, flavor, db):
    server_id, compute = _server(cloud)
    shelve(cloud, server_id, token="admin:admin")
    settled(cloud, server_id, "SHELVED_OFFLOADED")
    # As if the host had claimed and started spawning when it stopped.
    _set_columns(db, server_id, task_state="spawning", host=compute.host, node=compute.host)
    compute.manager.driver._guests[server_id] = power_state.RUNNING
    compute.stop()
    compute.start()
    shown = _show(cloud, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("SHELVED_OFFLOADED", None)
    assert shown["OS-EXT-SRV-ATTR:host"] is None
    assert server_id not in compute.manager.driver._guests
    assert "the unshelve was interrupted in spawning" in faults(db, server_id)[-1]


def test_conductor_repairs_an_unshelve_lost_in_scheduling(cloud, flavor, db, conf):
    server_id, _compute = _server(cloud)
    shelve(cloud, server_id, token="admin:admin")
    settled(cloud, server_id, "SHELVED_OFFLOADED")
    past = datetime.datetime.utcnow() - datetime.timedelta(hours=2)
    _set_columns(db, server_id, task_state="unshelving", updated_at=past)
    cloud.services[0].manager.repair_orphaned_tasks(nova_context.get_admin_context())
    shown = _show(cloud, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("SHELVED_OFFLOADED", None)
    assert "unshelving passed its deadline" in faults(db, server_id)[-1]


def test_capped_rpc_apis_refuse_with_409(cloud, server, conf, monkeypatch):
    conf.set_override("compute", "1.8", group="upgrade_levels")
    monkeypatch.setattr(servers_handlers, "_compute", None)  # a client with the cap
    for body in ({"shelve": None}, {"createImage": {"name": "snap"}}):
        assert "capped at 1.8" in message(act(cloud, server, body), 409)
    conf.clear_override("compute", group="upgrade_levels")
    monkeypatch.setattr(servers_handlers, "_compute", None)
    _offloaded(cloud, server)
    conf.set_override("conductor", "1.4", group="upgrade_levels")
    monkeypatch.setattr(servers_handlers, "_compute", None)
    response = act(cloud, server, {"unshelve": None})
    assert message(response, 409) == (
        "Cannot unshelve: the conductor RPC API is capped at 1.4 by [upgrade_levels] "
        "conductor, and 1.5 is needed."
    )
    assert _show(cloud, server)["OS-EXT-STS:task_state"] is None
    conf.clear_override("conductor", group="upgrade_levels")
    monkeypatch.setattr(servers_handlers, "_compute", None)


def test_restart_with_an_unshelve_never_started_keeps_it_shelved(cloud, flavor, db, conf):
    conf.set_override("shelved_offload_time", -1)
    server_id, compute = _server(cloud)
    shelve(cloud, server_id, token="admin:admin")
    settled(cloud, server_id, "SHELVED")
    _set_columns(db, server_id, task_state="unshelving")
    compute.stop()
    compute.start()
    shown = _show(cloud, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("SHELVED", None)
    assert "the unshelve was interrupted in unshelving" in faults(db, server_id)[-1]
