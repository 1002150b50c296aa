"""Aggregate and InstanceGroup objects over a migrated SQLite database."""

from __future__ import annotations

import pytest
from oslo_utils import uuidutils

from nova_lite import availability_zones, exception
from nova_lite.objects.aggregate import Aggregate, AggregateList
from nova_lite.objects.compute_node import Allocations
from nova_lite.objects.instance_group import InstanceGroup, InstanceGroupList
from nova_lite.objects.service import ServiceList


def _aggregate(ctx, name, zone=None, hosts=(), **metadata) -> Aggregate:
    aggregate = Aggregate(ctx, name=name)
    if zone:
        metadata["availability_zone"] = zone
    if metadata:
        aggregate.metadata = metadata
    aggregate.create()
    for host in hosts:
        aggregate.add_host(host)
    return aggregate


def test_aggregate_lifecycle(db, ctx):
    aggregate = _aggregate(ctx, "rack1", zone="az1", ssd="true")
    assert uuidutils.is_uuid_like(aggregate.uuid)
    assert (aggregate.availability_zone, aggregate.hosts) == ("az1", [])
    assert Aggregate.get_by_id(ctx, aggregate.uuid).id == aggregate.id
    aggregate.add_host("h1")
    aggregate.add_host("h2")
    assert Aggregate.get_by_id(ctx, aggregate.id).hosts == ["h1", "h2"]
    with pytest.raises(exception.AggregateHostExists):
        aggregate.add_host("h1")
    aggregate.delete_host("h1")
    with pytest.raises(exception.AggregateHostNotFound):
        aggregate.delete_host("h1")
    aggregate.update_metadata({"ssd": None, "gpu": "2", "absent": None})
    assert aggregate.metadata == {"availability_zone": "az1", "gpu": "2"}
    aggregate.name = "rack-one"
    aggregate.save()
    assert Aggregate.get_by_id(ctx, aggregate.id).name == "rack-one"
    aggregate.destroy()
    with pytest.raises(exception.AggregateNotFound):
        Aggregate.get_by_id(ctx, aggregate.id)


def test_aggregate_names_are_unique(db, ctx):
    first = _aggregate(ctx, "a")
    _aggregate(ctx, "b")
    with pytest.raises(exception.AggregateNameExists):
        _aggregate(ctx, "a")
    first.name = "b"
    with pytest.raises(exception.AggregateNameExists):
        first.save()
    first.destroy()
    assert _aggregate(ctx, "a").name == "a"  # a deleted one frees its name


def test_aggregate_lists(db, ctx):
    zoned = _aggregate(ctx, "zoned", zone="az1", hosts=["h1", "h2"])
    tagged = _aggregate(ctx, "tagged", hosts=["h2"], ssd="true")
    assert [a.name for a in AggregateList.get_all(ctx)] == ["zoned", "tagged"]
    assert [a.id for a in AggregateList.get_by_host(ctx, "h2")] == [zoned.id, tagged.id]
    assert [a.id for a in AggregateList.get_by_host(ctx, "h2", key="ssd")] == [tagged.id]
    by_key = AggregateList.get_by_metadata_key(ctx, "availability_zone", hosts=["h1", "h9"])
    assert [a.id for a in by_key] == [zoned.id]
    assert not AggregateList.get_by_metadata_key(ctx, "availability_zone", hosts=["h9"])


def test_zones_of_hosts_and_services(db, ctx, make_host, conf):
    make_host("h1")
    make_host("h2")
    make_host("h3", disabled=True)
    _aggregate(ctx, "one", zone="az1", hosts=["h1"])
    _aggregate(ctx, "three", zone="az3", hosts=["h3"])
    assert availability_zones.get_host_availability_zone(ctx, "h1") == "az1"
    assert availability_zones.get_host_availability_zone(ctx, "h2") == "nova"
    services = ServiceList.get_all(ctx)
    zones = availability_zones.service_zones(ctx, services)
    assert {s.host: zones[s.id] for s in services} == {"h1": "az1", "h2": "nova", "h3": "az3"}
    assert availability_zones.get_availability_zones(ctx) == (["az1", "nova"], ["az3"])


@pytest.mark.parametrize(
    ("requested", "parsed"),
    [
        (None, (None, None, None)),
        ("az1", ("az1", None, None)),
        ("az1:h1", ("az1", "h1", None)),
        ("az1:h1:n1", ("az1", "h1", "n1")),
        ("az1::n1", ("az1", None, "n1")),
        (":h1", (None, "h1", None)),
    ],
)
def test_parse_availability_zone(requested, parsed):
    assert availability_zones.parse_availability_zone(requested) == parsed


def test_parse_availability_zone_refuses_more_parts():
    with pytest.raises(exception.InvalidRequest, match="Unable to parse availability_zone"):
        availability_zones.parse_availability_zone("a:b:c:d")


def _group(ctx, policy="anti-affinity", project_id="p1", **rules) -> InstanceGroup:
    group = InstanceGroup(
        ctx, name="g", policy=policy, rules=rules, project_id=project_id, user_id="u1"
    )
    group.create()
    return group


def test_instance_group_members_and_hosts(db, ctx, make_host, make_instance):
    node = make_host("h2")
    placed = make_instance(host="h1")
    building = make_instance()
    unplaced = make_instance()
    group = _group(ctx, max_server_per_host=2)
    assert group.rules == {"max_server_per_host": 2} and group.policies == ["anti-affinity"]
    members = [placed.uuid, building.uuid, unplaced.uuid]
    assert InstanceGroup.add_members(ctx, group.uuid, members) == members
    assert InstanceGroup.add_members(ctx, group.uuid, [placed.uuid]) == []
    Allocations.claim(
        ctx,
        [
            dict(
                consumer_uuid=building.uuid,
                compute_node_uuid=node.uuid,
                vcpus=1,
                memory_mb=1,
                disk_gb=1,
            )
        ],
    )
    loaded = InstanceGroup.get_by_uuid(ctx, group.uuid)
    assert loaded.members == members
    # Where members run, and where they hold a claim before they have a host.
    assert loaded.hosts == ["h1", "h2"]
    assert InstanceGroup.get_by_instance_uuid(ctx, building.uuid).uuid == group.uuid
    # A deleted instance leaves its group.
    placed.destroy()
    assert InstanceGroup.get_by_uuid(ctx, group.uuid).members == members[1:]
    with pytest.raises(exception.InstanceGroupNotFound):
        InstanceGroup.get_by_instance_uuid(ctx, placed.uuid)


def test_instance_group_lists_and_destroy(db, ctx, make_instance):
    mine = _group(ctx, project_id="p1")
    theirs = _group(ctx, policy="affinity", project_id="p2")
    assert [g.uuid for g in InstanceGroupList.get_all(ctx)] == [mine.uuid, theirs.uuid]
    assert [g.uuid for g in InstanceGroupList.get_by_project_id(ctx, "p2")] == [theirs.uuid]
    member = make_instance()
    InstanceGroup.add_members(ctx, mine.uuid, [member.uuid])
    mine.destroy()
    with pytest.raises(exception.InstanceGroupNotFound):
        InstanceGroup.get_by_uuid(ctx, mine.uuid)
    with pytest.raises(exception.InstanceGroupNotFound):
        InstanceGroup.get_by_instance_uuid(ctx, member.uuid)
