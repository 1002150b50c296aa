"""Server group, availability zone and aggregate filters and weighers, and the
scheduler applying them (tests/unit/test_scheduler.py covers the rest)."""

from __future__ import annotations

import collections

import oslo_messaging as messaging
import pytest
from oslo_utils import uuidutils

from nova_lite import exception
from nova_lite.objects.aggregate import Aggregate
from nova_lite.objects.compute_node import Allocations, ComputeNode
from nova_lite.objects.flavor import Flavor
from nova_lite.objects.instance_group import InstanceGroup
from nova_lite.objects.migration import Migration
from nova_lite.objects.request_spec import RequestSpec
from nova_lite.scheduler import filters, weights
from nova_lite.scheduler.filters import extra_specs_ops
from nova_lite.scheduler.filters.affinity_filter import (
    ServerGroupAffinityFilter,
    ServerGroupAntiAffinityFilter,
)
from nova_lite.scheduler.filters.aggregate_instance_extra_specs import (
    AggregateInstanceExtraSpecsFilter,
)
from nova_lite.scheduler.filters.availability_zone_filter import AvailabilityZoneFilter
from nova_lite.scheduler.host_manager import HostManager, HostState
from nova_lite.scheduler.manager import SchedulerManager
from nova_lite.scheduler.weights.affinity import (
    ServerGroupSoftAffinityWeigher,
    ServerGroupSoftAntiAffinityWeigher,
)


def _node(host: str) -> ComputeNode:
    return ComputeNode(
        uuid=uuidutils.generate_uuid(),
        host=host,
        hypervisor_hostname=host,
        vcpus=8,
        memory_mb=8192,
        local_gb=100,
        cpu_allocation_ratio=1.0,
        ram_allocation_ratio=1.0,
        disk_allocation_ratio=1.0,
        reserved_host_memory_mb=0,
        reserved_host_disk_mb=0,
    )


def _aggregate(name: str, hosts: list[str], **metadata) -> Aggregate:
    return Aggregate(id=1, name=name, hosts=hosts, metadata=metadata)


def _state(host: str = "h1", aggregates=(), instances=()) -> HostState:
    return HostState(_node(host), None, {}, list(aggregates), set(instances))


def _group(policy: str, members=(), hosts=(), **rules) -> InstanceGroup:
    return InstanceGroup(
        uuid=uuidutils.generate_uuid(),
        policy=policy,
        rules=rules,
        members=list(members),
        hosts=list(hosts),
    )


def _spec(group=None, zone=None, extra_specs=None, memory_mb=1024) -> RequestSpec:
    flavor = Flavor(
        id=1,
        flavorid="1",
        name="small",
        memory_mb=memory_mb,
        vcpus=1,
        root_gb=1,
        ephemeral_gb=0,
        swap=0,
        extra_specs=extra_specs or {},
    )
    return RequestSpec(
        instance_uuid=uuidutils.generate_uuid(),
        flavor=flavor,
        availability_zone=zone,
        instance_group=group,
    )


# -- extra spec operators ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "requirement", "matches"),
    [
        ("ssd", "ssd", True),
        ("hdd", "ssd", False),
        ("8", ">= 4", True),
        ("2", ">= 4", False),
        ("4", "= 4", True),  # "=" means at least
        ("5", "= 4", True),
        ("4", "== 4.0", True),
        ("4", "!= 4", False),
        ("3", "<= 4", True),
        ("fast ssd", "<in> ssd", True),
        ("hdd", "<in> ssd", False),
        ("a b c", "<all-in> a c", True),
        ("a b", "<all-in> a c", False),
        ("gold", "s== gold", True),
        ("gold", "s!= gold", False),
        ("b", "s> a", True),
        ("b", "s<= a", False),
        ("v2", "<or> v1 <or> v2 <or> v3", True),
        ("v4", "<or> v1 <or> v2", False),
        ("not-a-number", ">= 4", False),
        (None, ">= 4", False),
        ("4", ">=", False),
    ],
)
def test_extra_specs_ops_match(value, requirement, matches):
    assert extra_specs_ops.match(value, requirement) is matches


# -- AvailabilityZoneFilter -------------------------------------------------------------


def test_availability_zone_filter(conf):
    zoned = _state("h1", [_aggregate("a", ["h1"], availability_zone="az1")])
    plain = _state("h2", [_aggregate("b", ["h2"], ssd="true")])
    az_filter = AvailabilityZoneFilter()
    assert az_filter.filter_all([zoned, plain], _spec(zone="az1")) == [zoned]
    assert az_filter.filter_all([zoned, plain], _spec(zone="nova")) == [plain]
    assert az_filter.filter_all([zoned, plain], _spec()) == [zoned, plain]
    conf.set_override("default_availability_zone", "elsewhere")
    assert az_filter.filter_all([zoned, plain], _spec(zone="nova")) == []
    assert plain.availability_zone == "elsewhere" and zoned.availability_zone == "az1"


# -- AggregateInstanceExtraSpecsFilter ------------------------------------------------------


def test_aggregate_instance_extra_specs_filter():
    fast = _state("h1", [_aggregate("a", ["h1"], disk="ssd, nvme", cores="16")])
    slow = _state("h2", [_aggregate("b", ["h2"], disk="hdd")])
    bare = _state("h3")
    spec_filter = AggregateInstanceExtraSpecsFilter()
    hosts = [fast, slow, bare]
    assert spec_filter.filter_all(hosts, _spec()) == hosts
    scoped = {"aggregate_instance_extra_specs:disk": "nvme"}
    assert spec_filter.filter_all(hosts, _spec(extra_specs=scoped)) == [fast]
    # Unscoped keys are this filter's too; other scopes are not.
    assert spec_filter.filter_all(hosts, _spec(extra_specs={"disk": "hdd"})) == [slow]
    other = {"hw:cpu_policy": "dedicated", "quota:cpu_shares": "10"}
    assert spec_filter.filter_all(hosts, _spec(extra_specs=other)) == hosts
    both = {"aggregate_instance_extra_specs:disk": "<or> ssd <or> hdd", "cores": ">= 8"}
    assert spec_filter.filter_all(hosts, _spec(extra_specs=both)) == [fast]
    # The key after the scope may contain colons itself.
    nested = {"aggregate_instance_extra_specs:x:y": "1"}
    tagged = _state("h4", [_aggregate("c", ["h4"], **{"x:y": "1"})])
    assert spec_filter.filter_all([tagged, fast], _spec(extra_specs=nested)) == [tagged]


# -- server group filters -----------------------------------------------------------------


def test_affinity_filter():
    h1, h2 = _state("h1"), _state("h2")
    affinity = ServerGroupAffinityFilter()
    assert affinity.filter_all([h1, h2], _spec()) == [h1, h2]
    assert affinity.filter_all([h1, h2], _spec(_group("affinity"))) == [h1, h2]
    assert affinity.filter_all([h1, h2], _spec(_group("affinity", hosts=["h2"]))) == [h2]
    assert affinity.filter_all([h1, h2], _spec(_group("affinity", hosts=["h3"]))) == []
    other_policy = _group("anti-affinity", hosts=["h2"])
    assert affinity.filter_all([h1, h2], _spec(other_policy)) == [h1, h2]


def test_anti_affinity_filter_counts_members_per_host():
    m1, m2, stranger = (uuidutils.generate_uuid() for _ in range(3))
    h1 = _state("h1", instances=[m1, m2])
    h2 = _state("h2", instances=[stranger])
    h3 = _state("h3")
    anti = ServerGroupAntiAffinityFilter()
    hosts = [h1, h2, h3]
    assert anti.filter_all(hosts, _spec()) == hosts
    assert anti.filter_all(hosts, _spec(_group("anti-affinity", [m1, m2]))) == [h2, h3]
    two = _group("anti-affinity", [m1, m2], max_server_per_host=2)
    assert anti.filter_all(hosts, _spec(two)) == [h2, h3]
    three = _group("anti-affinity", [m1, m2], max_server_per_host=3)
    assert anti.filter_all(hosts, _spec(three)) == hosts
    assert anti.filter_all(hosts, _spec(_group("affinity", [m1, m2]))) == hosts


def test_anti_affinity_filter_lets_a_move_stay_on_its_own_host():
    member, other = uuidutils.generate_uuid(), uuidutils.generate_uuid()
    source = _state("h1", instances=[member])
    spec = _spec(_group("anti-affinity", [member, other]))
    assert not ServerGroupAntiAffinityFilter().host_passes(source, spec)
    spec.instance_uuid = member
    assert ServerGroupAntiAffinityFilter().host_passes(source, spec)


def test_group_filters_load_by_entry_point():
    names = [
        "AvailabilityZoneFilter",
        "ServerGroupAffinityFilter",
        "ServerGroupAntiAffinityFilter",
        "AggregateInstanceExtraSpecsFilter",
    ]
    assert [type(f).__name__ for f in filters.load(names)] == names
    weigher_names = ["ServerGroupSoftAffinityWeigher", "ServerGroupSoftAntiAffinityWeigher"]
    assert [type(w).__name__ for w in weights.load(weigher_names)] == weigher_names


# -- server group weighers ------------------------------------------------------------------


def test_soft_affinity_weigher_prefers_hosts_with_more_members(conf):
    m1, m2, m3 = (uuidutils.generate_uuid() for _ in range(3))
    h1, h2, h3 = _state("h1", instances=[m1]), _state("h2", instances=[m2, m3]), _state("h3")
    group = _group("soft-affinity", [m1, m2, m3])
    weigher = ServerGroupSoftAffinityWeigher()
    ranked = weights.weigh_hosts([weigher], [h1, h3, h2], _spec(group), conf)
    assert [h.host for h in ranked] == ["h2", "h1", "h3"]
    # Another policy (or none) gives every host the same weight.
    assert weights.weigh_hosts([weigher], [h1, h3, h2], _spec(), conf) == [h1, h3, h2]
    conf.set_override("soft_affinity_weight_multiplier", 2.5, group="filter_scheduler")
    assert weigher.weight_multiplier(conf) == 2.5


def test_soft_anti_affinity_weigher_prefers_hosts_with_fewer_members(conf):
    m1, m2, m3 = (uuidutils.generate_uuid() for _ in range(3))
    h1, h2, h3 = _state("h1", instances=[m1]), _state("h2", instances=[m2, m3]), _state("h3")
    group = _group("soft-anti-affinity", [m1, m2, m3])
    weigher = ServerGroupSoftAntiAffinityWeigher()
    ranked = weights.weigh_hosts([weigher], [h2, h1, h3], _spec(group), conf)
    assert [h.host for h in ranked] == ["h3", "h1", "h2"]
    conf.set_override("soft_anti_affinity_weight_multiplier", 3.0, group="filter_scheduler")
    assert weigher.weight_multiplier(conf) == 3.0


def test_soft_weigher_outweighs_ram_with_a_larger_multiplier(conf):
    from nova_lite.scheduler.weights.ram import RAMWeigher

    member = uuidutils.generate_uuid()
    busy = HostState(_node("busy"), None, {"memory_mb": 4096}, [], {member})
    idle = _state("idle")
    spec = _spec(_group("soft-affinity", [member]))
    stack = [RAMWeigher(), ServerGroupSoftAffinityWeigher()]
    conf.set_override("soft_affinity_weight_multiplier", 2.0, group="filter_scheduler")
    assert weights.weigh_hosts(stack, [idle, busy], spec, conf)[0] is busy


# -- HostState and HostManager ----------------------------------------------------------------


def test_host_state_consume_records_the_instance():
    state = _state()
    one = {"vcpus": 1, "memory_mb": 1, "disk_gb": 1}
    state.consume(one, "i1")
    assert state.instances == {"i1"}
    state.unconsume(one, "i1")
    assert state.instances == set()


def test_host_manager_sees_aggregates_and_claims(db, ctx, make_host):
    n1 = make_host("h1")
    make_host("h2")
    aggregate = Aggregate(ctx, name="fast", metadata={"availability_zone": "az1"})
    aggregate.create()
    aggregate.add_host("h1")
    consumer = uuidutils.generate_uuid()
    Allocations.claim(
        ctx,
        [dict(consumer_uuid=consumer, compute_node_uuid=n1.uuid, vcpus=1, memory_mb=1, disk_gb=1)],
    )
    # A claim a migration holds counts for its instance.
    moving = uuidutils.generate_uuid()
    migration = Migration(ctx, instance_uuid=moving, status="migrating", source_compute="h1")
    migration.create()
    Allocations.claim(
        ctx,
        [
            dict(
                consumer_uuid=migration.uuid,
                compute_node_uuid=n1.uuid,
                vcpus=1,
                memory_mb=1,
                disk_gb=1,
            )
        ],
    )
    manager = HostManager()
    states = {s.host: s for s in manager.get_host_states(ctx)}
    assert [a.name for a in states["h1"].aggregates] == ["fast"]
    assert states["h1"].availability_zone == "az1"
    assert states["h1"].instances == {consumer, moving}
    assert states["h2"].aggregates == [] and states["h2"].availability_zone == "nova"
    # The cached view is dropped when aggregates change (the API's fanout).
    aggregate.delete_host("h1")
    scheduler = SchedulerManager()
    scheduler.host_manager = manager
    assert manager.get_host_states(ctx)[0].aggregates
    scheduler.update_aggregates(ctx, [aggregate])
    assert all(not s.aggregates for s in manager.get_host_states(ctx))


# -- SchedulerManager with groups and zones ---------------------------------------------------


def _select(scheduler, ctx, spec, count=1):
    uuids = [uuidutils.generate_uuid() for _ in range(count)]
    try:
        return uuids, scheduler.select_destinations(ctx, spec, uuids)
    except messaging.ExpectedException as wrapped:
        raise wrapped.exc_info[1] from None


def _stored_group(ctx, policy: str, members: list[str], **rules) -> InstanceGroup:
    group = InstanceGroup(ctx, name="g", policy=policy, rules=rules, project_id="p", user_id="u")
    group.create()
    InstanceGroup.add_members(ctx, group.uuid, members)
    return InstanceGroup.get_by_uuid(ctx, group.uuid)


def _boot(scheduler, ctx, policy, count, **rules):
    """Schedule ``count`` new members of a new group in one request."""
    uuids = [uuidutils.generate_uuid() for _ in range(count)]
    group = _stored_group(ctx, policy, uuids, **rules)
    try:
        return scheduler.select_destinations(ctx, _spec(group), uuids)
    except messaging.ExpectedException as wrapped:
        raise wrapped.exc_info[1] from None


def test_select_anti_affinity_spreads_and_is_all_or_nothing(db, ctx, conf, make_host):
    make_host("h1")
    make_host("h2")
    scheduler = SchedulerManager()
    selections = _boot(scheduler, ctx, "anti-affinity", 2)
    assert sorted(s.service_host for s in selections) == ["h1", "h2"]
    with pytest.raises(exception.NoValidHost):
        _boot(scheduler, ctx, "anti-affinity", 3)
    selections = _boot(scheduler, ctx, "anti-affinity", 4, max_server_per_host=2)
    assert collections.Counter(s.service_host for s in selections) == {"h1": 2, "h2": 2}


def test_select_affinity_stacks_a_multi_instance_request(db, ctx, conf, make_host):
    make_host("h1")
    make_host("h2")
    # The RAM weigher alone would spread them.
    selections = _boot(SchedulerManager(), ctx, "affinity", 3)
    assert len({s.service_host for s in selections}) == 1


def test_select_affinity_follows_members_placed_earlier(db, ctx, conf, make_host):
    make_host("h1", memory_mb=4096)
    make_host("h2", memory_mb=8192)
    scheduler = SchedulerManager()
    first = uuidutils.generate_uuid()
    group = _stored_group(ctx, "affinity", [first])
    forced = _spec(group)
    forced.force_hosts = ["h1"]
    scheduler.select_destinations(ctx, forced, [first])
    second = uuidutils.generate_uuid()
    InstanceGroup.add_members(ctx, group.uuid, [second])
    # The spec's copy of the group is stale (no hosts): the scheduler reads it
    # again and follows the first member to the smaller host.
    selection = scheduler.select_destinations(ctx, _spec(group), [second])[0]
    assert selection.service_host == "h1"


def test_select_soft_policies(db, ctx, conf, make_host):
    conf.set_override("soft_affinity_weight_multiplier", 10.0, group="filter_scheduler")
    conf.set_override("soft_anti_affinity_weight_multiplier", 10.0, group="filter_scheduler")
    make_host("h1")
    make_host("h2")
    scheduler = SchedulerManager()
    together = _boot(scheduler, ctx, "soft-affinity", 3)
    assert len({s.service_host for s in together}) == 1
    apart = _boot(scheduler, ctx, "soft-anti-affinity", 4)
    assert collections.Counter(s.service_host for s in apart) == {"h1": 2, "h2": 2}
    # Soft policies never refuse: more members than hosts still fit.
    assert len(_boot(scheduler, ctx, "soft-anti-affinity", 3)) == 3


def test_select_refuses_a_policy_whose_filter_is_off(db, ctx, conf, make_host):
    make_host("h1")
    conf.set_override("enabled_filters", ["ComputeFilter"], group="filter_scheduler")
    with pytest.raises(exception.UnsupportedPolicyException) as info:
        _boot(SchedulerManager(), ctx, "anti-affinity", 1)
    assert info.value.format_message() == (
        "ServerGroup policy is not supported: ServerGroupAntiAffinityFilter not configured"
    )
    assert Allocations.usage_by_node(ctx) == {}


def test_select_in_a_zone_reports_it(db, ctx, conf, make_host):
    make_host("h1", memory_mb=16384)
    make_host("h2")
    aggregate = Aggregate(ctx, name="az", metadata={"availability_zone": "az2"})
    aggregate.create()
    aggregate.add_host("h2")
    scheduler = SchedulerManager()
    _, selections = _select(scheduler, ctx, _spec(zone="az2"), count=2)
    assert [(s.service_host, s.availability_zone) for s in selections] == [("h2", "az2")] * 2
    _, (selection,) = _select(scheduler, ctx, _spec())
    assert (selection.service_host, selection.availability_zone) == ("h1", "nova")
    with pytest.raises(exception.NoValidHost):
        _select(scheduler, ctx, _spec(zone="nowhere"))


def test_select_forced_host_skips_the_filters_but_not_the_claim(db, ctx, conf, make_host):
    make_host("h1", memory_mb=16384)
    make_host("h2", memory_mb=2048, disabled=True)
    scheduler = SchedulerManager()
    spec = _spec(memory_mb=2048)
    spec.force_hosts = ["h2"]
    assert _select(scheduler, ctx, spec)[1][0].service_host == "h2"
    with pytest.raises(exception.NoValidHost):
        _select(scheduler, ctx, spec)
    spec.force_hosts, spec.force_nodes = None, ["h1"]
    assert _select(scheduler, ctx, spec)[1][0].service_host == "h1"
