"""os-aggregates end to end, with Nova's errors, and the scheduler's
AggregateInstanceExtraSpecsFilter reading aggregate metadata."""

from __future__ import annotations

import pytest

from tests.functional.test_moves import settled
from tests.functional.test_servers import boot, wait_status

DEMO = "demo:demo"


def mv(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


def create(cloud, name: str, zone: str | None = None, **kwargs):
    body = {"aggregate": {"name": name}}
    if zone is not None:
        body["aggregate"]["availability_zone"] = zone
    return cloud.post("/v2.1/os-aggregates", body, **kwargs)


def make(cloud, name: str, zone: str | None = None, hosts=()) -> dict:
    response = create(cloud, name, zone)
    assert response.status_int == 200, response.text
    aggregate = response.json["aggregate"]
    for host in hosts:
        assert act(cloud, aggregate["id"], "add_host", {"host": host}).status_int == 200
    return aggregate


def act(cloud, aggregate_id, name: str, body: dict, **kwargs):
    return cloud.post(f"/v2.1/os-aggregates/{aggregate_id}/action", {name: body}, **kwargs)


def error(response, code: int) -> str:
    assert response.status_int == code, response.text
    return next(iter(response.json.values()))["message"]


def test_create_show_list_update_delete(cloud):
    created = make(cloud, "rack1", "az1")
    assert set(created) == {
        "id",
        "name",
        "availability_zone",
        "created_at",
        "updated_at",
        "deleted_at",
        "deleted",
    }
    assert (created["name"], created["availability_zone"], created["deleted"]) == (
        "rack1",
        "az1",
        False,
    )
    agg_id = created["id"]
    shown = cloud.get(f"/v2.1/os-aggregates/{agg_id}").json["aggregate"]
    assert (shown["hosts"], shown["metadata"]) == ([], {"availability_zone": "az1"})
    assert "uuid" not in shown
    shown = cloud.get(f"/v2.1/os-aggregates/{agg_id}", headers=mv("2.41")).json["aggregate"]
    assert len(shown["uuid"]) == 36
    listed = cloud.get("/v2.1/os-aggregates").json["aggregates"]
    assert [a["id"] for a in listed] == [agg_id]

    update = {"aggregate": {"name": "  rack-one ", "availability_zone": "az2"}}
    updated = cloud.request("PUT", f"/v2.1/os-aggregates/{agg_id}", update)
    assert updated.status_int == 200, updated.text
    body = updated.json["aggregate"]
    assert (body["name"], body["availability_zone"]) == ("rack-one", "az2")
    assert body["metadata"] == {"availability_zone": "az2"} and body["updated_at"]

    deleted = cloud.delete(f"/v2.1/os-aggregates/{agg_id}")
    assert (deleted.status_int, deleted.body) == (200, b"")
    assert error(cloud.get(f"/v2.1/os-aggregates/{agg_id}"), 404) == (
        f"Aggregate {agg_id} could not be found."
    )


def test_names_and_ids(cloud):
    first = make(cloud, "a")
    make(cloud, "b")
    assert error(create(cloud, "a"), 409) == "Aggregate a already exists."
    rename = {"aggregate": {"name": "b"}}
    response = cloud.request("PUT", f"/v2.1/os-aggregates/{first['id']}", rename)
    assert error(response, 409) == "Aggregate b already exists."
    assert error(cloud.get("/v2.1/os-aggregates/abc"), 400) == (
        "Invalid input received: id must be an integer"
    )
    empty = cloud.request("PUT", f"/v2.1/os-aggregates/{first['id']}", {"aggregate": {}})
    assert empty.status_int == 400
    assert create(cloud, "bad", "a:b").status_int == 400
    assert create(cloud, " spaced").status_int == 400
    nameless = {"aggregate": {"availability_zone": ""}}
    response = cloud.request("PUT", f"/v2.1/os-aggregates/{first['id']}", nameless)
    assert response.status_int == 400


def test_admin_only(cloud):
    assert create(cloud, "x", token=DEMO).status_int == 403
    assert cloud.get("/v2.1/os-aggregates", token=DEMO).status_int == 403


def test_hosts_and_their_errors(cloud):
    agg = make(cloud, "rack", "az1")
    agg_id = agg["id"]
    added = act(cloud, agg_id, "add_host", {"host": "compute1"})
    assert added.json["aggregate"]["hosts"] == ["compute1"]
    assert error(act(cloud, agg_id, "add_host", {"host": "compute1"}), 409) == (
        f"Aggregate {agg_id} already has host compute1."
    )
    assert error(act(cloud, agg_id, "add_host", {"host": "nowhere"}), 404) == (
        "Compute host nowhere could not be found."
    )
    assert act(cloud, 999, "add_host", {"host": "compute1"}).status_int == 404
    assert act(cloud, agg_id, "add_host", {"host": "bad host"}).status_int == 400

    # A host is in one zone only.
    other = make(cloud, "other", "az2")
    assert error(act(cloud, other["id"], "add_host", {"host": "compute1"}), 409) == (
        f"Cannot add host to aggregate {other['id']}. Reason: One or more hosts already "
        "in availability zone(s) ['az1']."
    )
    # A zoneless aggregate may take it; so may one of the same zone.
    make(cloud, "plain", hosts=["compute1"])
    make(cloud, "same", "az1", hosts=["compute1"])
    # Nor may the aggregate move its hosts to a zone other than their other one.
    response = cloud.request(
        "PUT", f"/v2.1/os-aggregates/{agg_id}", {"aggregate": {"availability_zone": "az2"}}
    )
    assert error(response, 400) == (
        f"Cannot update aggregate {agg_id}. Reason: One or more hosts already in "
        "availability zone(s) ['az1']."
    )

    assert error(cloud.delete(f"/v2.1/os-aggregates/{agg_id}"), 400) == (
        f"Cannot remove host from aggregate {agg_id}. Reason: Host aggregate is not empty."
    )
    removed = act(cloud, agg_id, "remove_host", {"host": "compute1"})
    assert removed.json["aggregate"]["hosts"] == []
    assert error(act(cloud, agg_id, "remove_host", {"host": "compute1"}), 404) == (
        f"Cannot remove host compute1 in aggregate {agg_id}"
    )
    assert error(act(cloud, agg_id, "remove_host", {"host": "nowhere"}), 404) == (
        f"Cannot remove host nowhere in aggregate {agg_id}"
    )
    assert cloud.delete(f"/v2.1/os-aggregates/{agg_id}").status_int == 200


def test_set_metadata(cloud):
    agg_id = make(cloud, "meta")["id"]
    response = act(cloud, agg_id, "set_metadata", {"metadata": {"ssd": "true", "gpu": "2"}})
    assert response.json["aggregate"]["metadata"] == {"ssd": "true", "gpu": "2"}
    response = act(cloud, agg_id, "set_metadata", {"metadata": {"ssd": None, "rack": "r1"}})
    assert response.json["aggregate"]["metadata"] == {"gpu": "2", "rack": "r1"}
    response = act(cloud, agg_id, "set_metadata", {"metadata": {"availability_zone": "az9"}})
    assert response.json["aggregate"]["availability_zone"] == "az9"
    response = act(cloud, agg_id, "set_metadata", {"metadata": {"availability_zone": ""}})
    assert error(response, 400) == (
        f"Cannot update metadata of aggregate {agg_id}. Reason: Aggregate meta does not "
        "support empty named availability zone."
    )
    assert act(cloud, agg_id, "set_metadata", {"metadata": {"bad/key": "1"}}).status_int == 400
    assert act(cloud, agg_id, "set_metadata", {}).status_int == 400
    assert act(cloud, agg_id, "nonsense", {}).status_int == 400


def test_hosts_with_servers_keep_their_zone(cloud, flavor):
    server_id = boot(cloud)["server"]["id"]
    host = settled(cloud, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"]
    zoned = make(cloud, "zoned", "az1")
    response = act(cloud, zoned["id"], "add_host", {"host": host})
    assert error(response, 409) == (
        f"Cannot add host to aggregate {zoned['id']}. Reason: The host cannot be added to "
        "the aggregate as the availability zone of the host would change from 'None' to "
        "'az1' but the host already has 1 instance(s). Changing the AZ of an existing "
        "instance is not supported by this action. Move the instances away from this host "
        "then try again. If you need to move the instances between AZs then you can use "
        "shelve_offload and unshelve to achieve this.."
    )
    # A zoneless aggregate does not change the host's zone.
    assert act(cloud, make(cloud, "plain")["id"], "add_host", {"host": host}).status_int == 200


def test_zone_change_of_an_aggregate_with_servers_is_refused(cloud, flavor):
    agg = make(cloud, "zoned", "az1", hosts=["compute1", "compute2"])
    server_id = boot(cloud, availability_zone="az1")["server"]["id"]
    host = settled(cloud, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"]
    response = cloud.request(
        "PUT", f"/v2.1/os-aggregates/{agg['id']}", {"aggregate": {"availability_zone": "az2"}}
    )
    assert error(response, 400) == (
        f"Cannot update aggregate {agg['id']}. Reason: One or more hosts contain instances "
        "in this zone."
    )
    response = act(cloud, agg["id"], "remove_host", {"host": host})
    assert error(response, 409).startswith(
        f"Cannot remove host from aggregate {agg['id']}. Reason: The host cannot be removed "
        "from the aggregate as the availability zone of the host would change from 'az1' "
        "to 'None' but the host already has 1 instance(s)."
    )
    idle = "compute1" if host == "compute2" else "compute2"
    assert act(cloud, agg["id"], "remove_host", {"host": idle}).status_int == 200


@pytest.fixture
def extra_specs_cloud(conf, request):
    """The cloud with AggregateInstanceExtraSpecsFilter enabled."""
    filters = conf.filter_scheduler.enabled_filters + ["AggregateInstanceExtraSpecsFilter"]
    conf.set_override("enabled_filters", filters, group="filter_scheduler")
    return request.getfixturevalue("cloud")


def test_flavor_extra_specs_pick_aggregate_hosts(extra_specs_cloud, flavor):
    cloud = extra_specs_cloud
    fast = make(cloud, "fast", hosts=["compute2"])
    act(cloud, fast["id"], "set_metadata", {"metadata": {"disk": "ssd"}})
    specs = {"extra_specs": {"aggregate_instance_extra_specs:disk": "ssd"}}
    response = cloud.post(f"/v2.1/flavors/{flavor['id']}/os-extra_specs", specs)
    assert response.status_int == 200, response.text
    servers = [boot(cloud, name=f"vm{i}")["server"]["id"] for i in range(3)]
    assert {settled(cloud, s, "ACTIVE")["OS-EXT-SRV-ATTR:host"] for s in servers} == {"compute2"}
    cloud.post(f"/v2.1/flavors/{flavor['id']}/os-extra_specs", {"extra_specs": {"disk": "nvme"}})
    server_id = boot(cloud, name="nowhere")["server"]["id"]
    assert wait_status(cloud, server_id, "ERROR")["fault"]["message"].startswith(
        "No valid host was found."
    )
