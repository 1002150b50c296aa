"""Servers through the real WSGI app, with every service in this process."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from nova_lite.db import models

IMAGE = "11111111-2222-3333-4444-555555555555"


def boot(cloud, flavor_id: str = "1", name: str = "vm", token: str | None = None, **extra) -> dict:
    body = {"server": {"name": name, "flavorRef": flavor_id, "imageRef": IMAGE, **extra}}
    response = cloud.post("/v2.1/servers", body, token=token)
    assert response.status_int == 202, response.text
    return response.json


def wait_status(cloud, server_id: str, status: str, token: str | None = None) -> dict:
    response = cloud.wait_for(
        f"/v2.1/servers/{server_id}",
        lambda r: r.status_int == 200 and r.json["server"]["status"] == status,
    )
    return response.json["server"]


def wait_gone(cloud, server_id: str) -> None:
    cloud.wait_for(f"/v2.1/servers/{server_id}", lambda r: r.status_int == 404)


def count_rows(db, model, *criteria) -> int:
    with db.get_engine().connect() as connection:
        return connection.execute(select(func.count()).select_from(model).where(*criteria)).scalar()


def test_boot_to_active_then_delete(cloud, flavor, db):
    created = boot(cloud)["server"]
    assert set(created) >= {"id", "links", "OS-DCF:diskConfig", "security_groups"}
    server = wait_status(cloud, created["id"], "ACTIVE")
    assert server["OS-EXT-STS:vm_state"] == "active"
    assert server["OS-EXT-STS:task_state"] is None
    assert server["OS-EXT-STS:power_state"] == 1
    assert server["OS-EXT-SRV-ATTR:host"] in ("compute1", "compute2")
    assert server["hostId"] and server["OS-SRV-USG:launched_at"]
    assert server["flavor"]["id"] == "1" and server["image"]["id"] == IMAGE
    listed = cloud.get("/v2.1/servers").json["servers"]
    assert [s["id"] for s in listed] == [created["id"]]

    assert cloud.delete(f"/v2.1/servers/{created['id']}").status_int == 204
    wait_gone(cloud, created["id"])
    assert cloud.get("/v2.1/servers").json["servers"] == []
    assert (
        count_rows(
            db, models.Instance, models.Instance.deleted != 0, models.Instance.vm_state == "deleted"
        )
        == 1
    )
    assert count_rows(db, models.Allocation) == 0


def _actions_and_events(db, server_id: str) -> tuple[list, list]:
    with db.get_engine().connect() as connection:
        actions = connection.execute(
            select(models.InstanceAction.action, models.InstanceAction.id)
            .where(models.InstanceAction.instance_uuid == server_id)
            .order_by(models.InstanceAction.id)
        ).all()
        events = connection.execute(
            select(models.InstanceActionEvent.event, models.InstanceActionEvent.result)
            .where(models.InstanceActionEvent.action_id.in_([i for _, i in actions]))
            .order_by(models.InstanceActionEvent.id)
        ).all()
    return [a for a, _ in actions], events


def test_actions_and_events_are_recorded(cloud, flavor, db):
    server_id = boot(cloud)["server"]["id"]
    wait_status(cloud, server_id, "ACTIVE")
    cloud.delete(f"/v2.1/servers/{server_id}")
    wait_gone(cloud, server_id)
    deadline = time.monotonic() + 5
    while True:  # the delete's event is finished just after the row is deleted
        actions, events = _actions_and_events(db, server_id)
        if len(events) == 3 and events[-1][1] or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert actions == ["create", "delete"]
    assert events == [
        ("conductor_schedule_and_build_instances", "Success"),
        ("compute_build_and_run_instance", "Success"),
        ("compute_terminate_instance", "Success"),
    ]


def test_multi_create_spreads_over_hosts(cloud, flavor):
    boot(cloud, name="web", min_count=6, max_count=6)
    servers = cloud.wait_for(
        "/v2.1/servers/detail",
        lambda r: (
            len(r.json["servers"]) == 6 and all(s["status"] == "ACTIVE" for s in r.json["servers"])
        ),
    ).json["servers"]
    assert sorted(s["name"] for s in servers) == [f"web-{i}" for i in range(1, 7)]
    hosts = [s["OS-EXT-SRV-ATTR:host"] for s in servers]
    assert hosts.count("compute1") == 3 and hosts.count("compute2") == 3


def test_return_reservation_id(cloud, flavor):
    body = boot(cloud, min_count=2, max_count=2, return_reservation_id=True)
    assert set(body) == {"reservation_id"} and body["reservation_id"].startswith("r-")


def test_no_valid_host_sets_error_with_fault(cloud, conf):
    conf.set_override("ram", -1, group="quota")  # the hosts refuse, not the quota
    cloud.post(
        "/v2.1/flavors",
        {"flavor": {"name": "huge", "ram": 1024 * 1024, "vcpus": 1, "disk": 1, "id": "huge"}},
    )
    server_id = boot(cloud, flavor_id="huge")["server"]["id"]
    server = wait_status(cloud, server_id, "ERROR")
    assert server["fault"]["code"] == 500
    assert server["fault"]["message"].startswith("No valid host was found.")
    demo = boot(cloud, flavor_id="huge", token="demo:demo")["server"]["id"]
    shown = cloud.wait_for(
        f"/v2.1/servers/{demo}",
        lambda r: r.json["server"]["status"] == "ERROR",
    ).json["server"]
    as_demo = cloud.get(f"/v2.1/servers/{demo}", token="demo:demo").json["server"]
    assert "details" in shown["fault"] and "details" not in as_demo["fault"]
    assert "OS-EXT-SRV-ATTR:host" not in as_demo


def test_never_overcommits_and_is_all_or_nothing(cloud, db, conf):
    for resource in ("instances", "ram"):  # the hosts refuse, not the quota
        conf.set_override(resource, -1, group="quota")
    # Fake hosts: 32768 MiB, 512 reserved -> three 8 GiB servers per host.
    cloud.post(
        "/v2.1/flavors",
        {"flavor": {"name": "big", "ram": 8192, "vcpus": 1, "disk": 1, "id": "big"}},
    )
    boot(cloud, flavor_id="big", name="too-many", max_count=7)
    cloud.wait_for(
        "/v2.1/servers/detail",
        lambda r: (
            len(r.json["servers"]) == 7 and all(s["status"] == "ERROR" for s in r.json["servers"])
        ),
    )
    assert count_rows(db, models.Allocation) == 0
    boot(cloud, flavor_id="big", name="fits", max_count=6)
    cloud.wait_for(
        "/v2.1/servers/detail?name=^fits",
        lambda r: (
            len(r.json["servers"]) == 6 and all(s["status"] == "ACTIVE" for s in r.json["servers"])
        ),
    )
    one_more = boot(cloud, flavor_id="big", name="one-more")["server"]["id"]
    wait_status(cloud, one_more, "ERROR")
    # The hosts write their usage just after the instances go ACTIVE.
    hypervisors = cloud.wait_for(
        "/v2.1/os-hypervisors/detail",
        lambda r: sorted(h["running_vms"] for h in r.json["hypervisors"]) == [3, 3],
    ).json["hypervisors"]
    assert sorted(h["memory_mb_used"] for h in hypervisors) == [512 + 3 * 8192] * 2
    assert sorted(h["running_vms"] for h in hypervisors) == [3, 3]


def test_project_isolation(cloud, flavor):
    server_id = boot(cloud)["server"]["id"]
    response = cloud.get(f"/v2.1/servers/{server_id}", token="demo:demo")
    assert response.status_int == 404
    assert response.json == {
        "itemNotFound": {"code": 404, "message": f"Instance {server_id} could not be found."}
    }
    assert cloud.get("/v2.1/servers", token="demo:demo").json["servers"] == []
    assert cloud.delete(f"/v2.1/servers/{server_id}", token="demo:demo").status_int == 404
    all_tenants = cloud.get("/v2.1/servers?all_tenants=1").json["servers"]
    assert [s["id"] for s in all_tenants] == [server_id]
    assert cloud.get("/v2.1/servers?all_tenants=1", token="demo:demo").status_int == 403


def test_list_pagination_and_filters(cloud, flavor):
    boot(cloud, name="page", max_count=5)
    cloud.wait_for("/v2.1/servers/detail?status=ACTIVE", lambda r: len(r.json["servers"]) == 5)
    first = cloud.get("/v2.1/servers?limit=2").json
    assert len(first["servers"]) == 2 and first["servers_links"][0]["rel"] == "next"
    marker = first["servers"][-1]["id"]
    second = cloud.get(f"/v2.1/servers?limit=2&marker={marker}").json["servers"]
    assert not {s["id"] for s in second} & {s["id"] for s in first["servers"]}
    assert len(cloud.get("/v2.1/servers?name=page-[12]$").json["servers"]) == 2
    assert cloud.get("/v2.1/servers?status=SHUTOFF").json["servers"] == []
    # An unknown status finds nothing before 2.38, and is a 400 from 2.38 (Nova's).
    assert cloud.get("/v2.1/servers?status=BOGUS").json["servers"] == []
    bogus = cloud.get(
        "/v2.1/servers?status=BOGUS", headers={"OpenStack-API-Version": "compute 2.38"}
    )
    assert bogus.status_int == 400
    assert cloud.get("/v2.1/servers?marker=nope").status_int == 400


def test_delete_during_build(cloud, flavor, conf, db):
    conf.set_override("spawn_delay", 0.3, group="fake")
    server_id = boot(cloud)["server"]["id"]
    cloud.wait_for(
        f"/v2.1/servers/{server_id}",
        lambda r: r.json["server"]["OS-EXT-STS:task_state"] == "spawning",
    )
    assert cloud.delete(f"/v2.1/servers/{server_id}").status_int == 204
    wait_gone(cloud, server_id)
    assert count_rows(db, models.Allocation) == 0
    for service in cloud.services[2:]:
        assert service.manager.driver.list_instance_uuids() == []


def test_create_answers_location_and_admin_password(cloud, flavor, conf):
    response = cloud.post(
        "/v2.1/servers",
        {"server": {"name": "pw", "flavorRef": "1", "imageRef": IMAGE, "adminPass": "s3cret"}},
    )
    assert response.status_int == 202
    created = response.json["server"]
    assert created["adminPass"] == "s3cret"
    assert response.headers["Location"] == created["links"][0]["href"]
    assert response.headers["Location"].endswith(f"/v2.1/servers/{created['id']}")

    generated = boot(cloud, "1", "generated")["server"]["adminPass"]
    assert len(generated) == conf.password_length and generated.isalnum()

    conf.set_override("enable_instance_password", False, group="api")
    assert "adminPass" not in boot(cloud, "1", "hidden")["server"]
