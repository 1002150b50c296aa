"""The scheduler: host states, filters, weighers and select_destinations."""

from __future__ import annotations

import collections
import datetime
import threading

import oslo_messaging as messaging
import pytest
from oslo_utils import timeutils, uuidutils

from nova_lite import exception
from nova_lite.objects.compute_node import Allocations, ComputeNode
from nova_lite.objects.flavor import Flavor
from nova_lite.objects.request_spec import RequestSpec
from nova_lite.objects.service import Service
from nova_lite.scheduler import filters, weights
from nova_lite.scheduler.filters.compute_filter import ComputeFilter
from nova_lite.scheduler.filters.resource_filters import CoreFilter, DiskFilter, RamFilter
from nova_lite.scheduler.host_manager import HostManager, HostState
from nova_lite.scheduler.manager import SchedulerManager
from nova_lite.scheduler.weights.ram import RAMWeigher


def _node(host="h1", vcpus=4, memory_mb=4096, local_gb=100, **kwargs):
    kwargs.setdefault("cpu_allocation_ratio", 1.0)
    kwargs.setdefault("ram_allocation_ratio", 1.0)
    kwargs.setdefault("disk_allocation_ratio", 1.0)
    kwargs.setdefault("reserved_host_memory_mb", 0)
    kwargs.setdefault("reserved_host_disk_mb", 0)
    return ComputeNode(
        uuid=uuidutils.generate_uuid(),
        host=host,
        hypervisor_hostname=host,
        vcpus=vcpus,
        memory_mb=memory_mb,
        local_gb=local_gb,
        **kwargs,
    )


def _service(**kwargs):
    kwargs.setdefault("forced_down", False)
    kwargs.setdefault("disabled", False)
    kwargs.setdefault("last_seen_up", timeutils.utcnow())
    return Service(host="h1", binary="nova-compute", **kwargs)


def _spec(memory_mb=1024, vcpus=1, root_gb=10, ephemeral_gb=0, swap=0, flavorid="1"):
    flavor = Flavor(
        id=1,
        flavorid=flavorid,
        name=f"flavor-{flavorid}",
        memory_mb=memory_mb,
        vcpus=vcpus,
        root_gb=root_gb,
        ephemeral_gb=ephemeral_gb,
        swap=swap,
    )
    return RequestSpec(instance_uuid=uuidutils.generate_uuid(), flavor=flavor)


def _state(node=None, service=None, usage=None):
    return HostState(node or _node(), service if service is not None else _service(), usage or {})


# -- HostState ----------------------------------------------------------------------


def test_host_state_capacity_uses_ratios_and_reservations():
    node = _node(
        vcpus=4,
        memory_mb=8192,
        local_gb=100,
        cpu_allocation_ratio=16.0,
        ram_allocation_ratio=1.5,
        disk_allocation_ratio=2.0,
        reserved_host_memory_mb=512,
        reserved_host_disk_mb=2048,
    )
    state = HostState(node, None, {})
    assert state.capacity == {"vcpus": 64.0, "memory_mb": 11520.0, "disk_gb": 196.0}
    assert (state.host, state.nodename, state.uuid) == ("h1", "h1", node.uuid)


def test_host_state_free_counts_usage():
    state = _state(usage={"vcpus": 3, "memory_mb": 1000, "disk_gb": 40, "instances": 2})
    assert state.free("vcpus") == 1
    assert state.free("memory_mb") == 3096
    assert state.free("disk_gb") == 60
    assert state.num_instances == 2


def test_host_state_fits_is_inclusive_and_checks_each_resource():
    state = _state(node=_node(vcpus=2, memory_mb=2048, local_gb=20))
    assert state.fits({"vcpus": 2, "memory_mb": 2048, "disk_gb": 20})
    assert not state.fits({"vcpus": 3, "memory_mb": 1, "disk_gb": 1})
    assert not state.fits({"vcpus": 1, "memory_mb": 2049, "disk_gb": 1})
    assert not state.fits({"vcpus": 1, "memory_mb": 1, "disk_gb": 21})


def test_host_state_consume():
    state = _state(node=_node(vcpus=2, memory_mb=2048, local_gb=20))
    one = {"vcpus": 1, "memory_mb": 1024, "disk_gb": 10}
    state.consume(one)
    assert state.num_instances == 1
    assert state.free("memory_mb") == 1024
    assert state.fits(one)
    state.consume(one)
    assert not state.fits(one)
    assert state.used == {"vcpus": 2, "memory_mb": 2048, "disk_gb": 20}


# -- filters ------------------------------------------------------------------------------


def test_compute_filter_passes_an_up_enabled_service(conf):
    assert ComputeFilter().host_passes(_state(), _spec())


@pytest.mark.parametrize(
    "service",
    [
        pytest.param(lambda: None, id="no-service"),
        pytest.param(lambda: _service(disabled=True), id="disabled"),
        pytest.param(lambda: _service(forced_down=True), id="forced-down"),
        pytest.param(
            lambda: _service(last_seen_up=timeutils.utcnow() - datetime.timedelta(seconds=300)),
            id="heartbeat-too-old",
        ),
    ],
)
def test_compute_filter_drops_unusable_services(conf, service):
    state = HostState(_node(), service(), {})
    assert not ComputeFilter().host_passes(state, _spec())


def test_compute_filter_follows_service_down_time(conf):
    state = _state(
        service=_service(last_seen_up=timeutils.utcnow() - datetime.timedelta(seconds=90))
    )
    conf.set_override("service_down_time", 60)
    assert not ComputeFilter().host_passes(state, _spec())
    conf.set_override("service_down_time", 120)
    assert ComputeFilter().host_passes(state, _spec())


@pytest.mark.parametrize(
    ("host_filter", "spec_kwargs", "usage_key"),
    [
        (RamFilter, {"memory_mb": 1024}, "memory_mb"),
        (CoreFilter, {"vcpus": 2}, "vcpus"),
        (DiskFilter, {"root_gb": 10}, "disk_gb"),
    ],
)
def test_resource_filters(host_filter, spec_kwargs, usage_key):
    node = _node(vcpus=4, memory_mb=4096, local_gb=40)
    capacity = {"vcpus": 4, "memory_mb": 4096, "disk_gb": 40}[usage_key]
    need = next(iter(spec_kwargs.values()))
    spec = _spec(**{"memory_mb": 1, "vcpus": 1, "root_gb": 1, **spec_kwargs})
    exact = HostState(node, None, {usage_key: capacity - need})
    short = HostState(node, None, {usage_key: capacity - need + 1})
    assert host_filter().host_passes(exact, spec)
    assert not host_filter().host_passes(short, spec)
    assert host_filter().filter_all([short, exact, short], spec) == [exact]


def test_disk_filter_counts_ephemeral_and_swap():
    node = _node(local_gb=12)
    state = HostState(node, None, {})
    assert DiskFilter().host_passes(state, _spec(root_gb=10, ephemeral_gb=1, swap=1024))
    assert not DiskFilter().host_passes(state, _spec(root_gb=10, ephemeral_gb=1, swap=1025))


def test_ram_filter_respects_allocation_ratio():
    node = _node(memory_mb=2048, ram_allocation_ratio=1.5)
    state = HostState(node, None, {"memory_mb": 2048})
    assert RamFilter().host_passes(state, _spec(memory_mb=1024))
    assert not RamFilter().host_passes(state, _spec(memory_mb=1025))


def test_filters_load_by_entry_point_in_order():
    loaded = filters.load(["DiskFilter", "ComputeFilter", "RamFilter"])
    assert [type(f) for f in loaded] == [DiskFilter, ComputeFilter, RamFilter]
    with pytest.raises(ValueError, match="NoSuchFilter"):
        filters.load(["RamFilter", "NoSuchFilter"])


def test_weighers_load_by_entry_point():
    assert [type(w) for w in weights.load(["RAMWeigher"])] == [RAMWeigher]
    with pytest.raises(ValueError, match="Nope"):
        weights.load(["Nope"])


# -- weighers -------------------------------------------------------------------------------


def _ram_states(*free_mb):
    return [HostState(_node(host=f"h{i}", memory_mb=mb), None, {}) for i, mb in enumerate(free_mb)]


def test_ram_weigher_spreads_by_default(conf):
    states = _ram_states(1000, 3000, 2000)
    ranked = weights.weigh_hosts([RAMWeigher()], states, _spec(), conf)
    assert [s.free("memory_mb") for s in ranked] == [3000, 2000, 1000]


def test_negative_ram_multiplier_stacks(conf):
    conf.set_override("ram_weight_multiplier", -1.0, group="filter_scheduler")
    states = _ram_states(1000, 3000, 2000)
    ranked = weights.weigh_hosts([RAMWeigher()], states, _spec(), conf)
    assert [s.free("memory_mb") for s in ranked] == [1000, 2000, 3000]


def test_weigh_hosts_equal_weights_keep_order_and_handle_empty(conf):
    states = _ram_states(2000, 2000, 2000)
    assert weights.weigh_hosts([RAMWeigher()], states, _spec(), conf) == states
    assert weights.weigh_hosts([RAMWeigher()], [], _spec(), conf) == []


class _VcpuWeigher(weights.BaseHostWeigher):
    def __init__(self, multiplier):
        self.multiplier = multiplier

    def weight_multiplier(self, conf):
        return self.multiplier

    def weigh(self, host_state, spec):
        return host_state.free("vcpus")


def test_weights_are_normalised_before_the_multiplier(conf):
    # RAM differs by thousands of MB, vCPUs by 1: unnormalised, RAM would always win.
    a = HostState(_node(host="a", memory_mb=10000, vcpus=4), None, {})
    b = HostState(_node(host="b", memory_mb=2000, vcpus=5), None, {})
    c = HostState(_node(host="c", memory_mb=6000, vcpus=4), None, {})
    spec = _spec()
    # Equal multipliers: a = 1 + 0, b = 0 + 1, c = 0.5 + 0.
    ranked = weights.weigh_hosts([RAMWeigher(), _VcpuWeigher(1.0)], [a, b, c], spec, conf)
    assert [h.host for h in ranked][2] == "c"
    # vCPUs twice as important: b = 2 beats a = 1 beats c = 0.5.
    ranked = weights.weigh_hosts([RAMWeigher(), _VcpuWeigher(2.0)], [a, b, c], spec, conf)
    assert [h.host for h in ranked] == ["b", "a", "c"]
    # RAM twice as important.
    conf.set_override("ram_weight_multiplier", 2.0, group="filter_scheduler")
    ranked = weights.weigh_hosts([RAMWeigher(), _VcpuWeigher(1.0)], [a, b, c], spec, conf)
    assert [h.host for h in ranked] == ["a", "b", "c"]


# -- HostManager and SchedulerManager against the database --------------------------------------


def test_host_manager_builds_states_from_db(db, ctx, make_host):
    node = make_host("h1", vcpus=4, memory_mb=4096)
    make_host("h2")
    Allocations.claim(
        ctx,
        [
            dict(
                consumer_uuid=uuidutils.generate_uuid(),
                compute_node_uuid=node.uuid,
                vcpus=1,
                memory_mb=1000,
                disk_gb=5,
            )
        ],
    )
    states = {s.host: s for s in HostManager().get_host_states(ctx)}
    assert set(states) == {"h1", "h2"}
    assert states["h1"].free("memory_mb") == 3096
    assert states["h1"].num_instances == 1
    assert states["h1"].service.host == "h1"
    assert states["h2"].used == {"vcpus": 0, "memory_mb": 0, "disk_gb": 0}


def _usage(ctx):
    return Allocations.usage_by_node(ctx)


def _select(scheduler, ctx, spec, count=1):
    """select_destinations as an RPC server runs it: expected exceptions are
    wrapped by @expected_exceptions and unwrapped by the dispatcher."""
    uuids = [uuidutils.generate_uuid() for _ in range(count)]
    try:
        return uuids, scheduler.select_destinations(ctx, spec, uuids)
    except messaging.ExpectedException as wrapped:
        raise wrapped.exc_info[1] from None


def test_select_picks_host_with_most_free_ram(db, ctx, conf, make_host):
    make_host("small", memory_mb=4096)
    big = make_host("big", memory_mb=8192)
    uuids, selections = _select(SchedulerManager(), ctx, _spec(memory_mb=1024))
    assert [(s.service_host, s.nodename, s.compute_node_uuid) for s in selections] == [
        ("big", "big", big.uuid)
    ]
    assert selections[0].instance_uuid == uuids[0]
    assert _usage(ctx) == {big.uuid: {"vcpus": 1, "memory_mb": 1024, "disk_gb": 10, "instances": 1}}


def test_select_skips_disabled_and_down_hosts(db, ctx, conf, make_host):
    make_host("off", memory_mb=16384, disabled=True)
    make_host("down", memory_mb=16384, forced_down=True)
    make_host(
        "stale", memory_mb=16384, last_seen_up=timeutils.utcnow() - datetime.timedelta(hours=1)
    )
    make_host("ok", memory_mb=2048)
    _, selections = _select(SchedulerManager(), ctx, _spec(memory_mb=1024))
    assert selections[0].service_host == "ok"


def test_select_spreads_a_multi_instance_request(db, ctx, conf, make_host):
    h1 = make_host("h1", memory_mb=8192)
    h2 = make_host("h2", memory_mb=8192)
    uuids, selections = _select(SchedulerManager(), ctx, _spec(memory_mb=1024), count=4)
    assert [s.instance_uuid for s in selections] == uuids
    assert collections.Counter(s.service_host for s in selections) == {"h1": 2, "h2": 2}
    usage = _usage(ctx)
    assert usage[h1.uuid]["instances"] == usage[h2.uuid]["instances"] == 2


def test_select_stacks_with_negative_multiplier(db, ctx, conf, make_host):
    conf.set_override("ram_weight_multiplier", -1.0, group="filter_scheduler")
    make_host("h1", memory_mb=8192)
    make_host("h2", memory_mb=6144)
    _, selections = _select(SchedulerManager(), ctx, _spec(memory_mb=1024), count=3)
    assert {s.service_host for s in selections} == {"h2"}


def test_select_no_valid_host_when_nothing_fits(db, ctx, conf, make_host):
    make_host("h1", memory_mb=2048)
    make_host("h2", memory_mb=2048)
    with pytest.raises(exception.NoValidHost) as info:
        _select(SchedulerManager(), ctx, _spec(memory_mb=4096, flavorid="big"))
    assert "flavor big" in info.value.format_message()
    assert _usage(ctx) == {}


def test_no_valid_host_is_an_expected_rpc_exception(db, ctx, conf):
    """Marked expected, so the RPC server returns it without logging a traceback."""
    with pytest.raises(messaging.ExpectedException) as info:
        SchedulerManager().select_destinations(ctx, _spec(), [uuidutils.generate_uuid()])
    assert isinstance(info.value.exc_info[1], exception.NoValidHost)


def test_select_no_valid_host_without_any_host(db, ctx, conf):
    with pytest.raises(exception.NoValidHost):
        _select(SchedulerManager(), ctx, _spec())


def test_select_all_or_nothing_for_a_multi_instance_request(db, ctx, conf, make_host):
    make_host("h1", memory_mb=3072)
    make_host("h2", memory_mb=3072)
    scheduler = SchedulerManager()
    with pytest.raises(exception.NoValidHost):
        _select(scheduler, ctx, _spec(memory_mb=1024), count=7)
    assert _usage(ctx) == {}
    _, selections = _select(scheduler, ctx, _spec(memory_mb=1024), count=6)
    assert collections.Counter(s.service_host for s in selections) == {"h1": 3, "h2": 3}
    with pytest.raises(exception.NoValidHost):
        _select(scheduler, ctx, _spec(memory_mb=1024))
    assert sum(u["instances"] for u in _usage(ctx).values()) == 6


def test_select_one_at_a_time_never_overcommits(db, ctx, conf, make_host):
    nodes = [make_host("h1", memory_mb=3072), make_host("h2", memory_mb=3072)]
    scheduler = SchedulerManager()
    for _ in range(6):
        _select(scheduler, ctx, _spec(memory_mb=1024))
    with pytest.raises(exception.NoValidHost):
        _select(scheduler, ctx, _spec(memory_mb=1024))
    usage = _usage(ctx)
    assert [usage[n.uuid]["memory_mb"] for n in nodes] == [3072, 3072]


def test_select_releases_claims_already_made_when_a_retry_fails(
    db, ctx, conf, make_host, monkeypatch
):
    """Another scheduler takes a host between our decision and our claim."""
    h1 = make_host("h1", memory_mb=2048)
    h2 = make_host("h2", memory_mb=1536)
    scheduler = SchedulerManager()
    real_claim = Allocations.claim
    thief = uuidutils.generate_uuid()
    claimed = []

    def racing_claim(context, claims):
        claimed.append(sorted(c["compute_node_uuid"] for c in claims))
        if not Allocations.usage_by_node(context).get(h1.uuid):
            real_claim(
                context,
                [
                    dict(
                        consumer_uuid=thief,
                        compute_node_uuid=h1.uuid,
                        vcpus=1,
                        memory_mb=2048,
                        disk_gb=1,
                    )
                ],
            )
        return real_claim(context, claims)

    monkeypatch.setattr(Allocations, "claim", racing_claim)
    # Two instances: the first pass picks h1 and h2 and wins only h2; the retry
    # finds no room for the second, so the claim on h2 is given back.
    with pytest.raises(exception.NoValidHost):
        _select(scheduler, ctx, _spec(memory_mb=1024, root_gb=1), count=2)
    assert claimed == [sorted([h1.uuid, h2.uuid])]
    usage = _usage(ctx)
    assert usage == {h1.uuid: {"vcpus": 1, "memory_mb": 2048, "disk_gb": 1, "instances": 1}}


def test_select_retries_lost_claims_elsewhere(db, ctx, conf, make_host, monkeypatch):
    h1 = make_host("h1", memory_mb=4096)
    h2 = make_host("h2", memory_mb=2048)
    scheduler = SchedulerManager()
    real_claim = Allocations.claim
    thief = uuidutils.generate_uuid()
    calls = []

    def racing_claim(context, claims):
        calls.append([c["compute_node_uuid"] for c in claims])
        if len(calls) == 1:
            real_claim(
                context,
                [
                    dict(
                        consumer_uuid=thief,
                        compute_node_uuid=h1.uuid,
                        vcpus=1,
                        memory_mb=4096,
                        disk_gb=1,
                    )
                ],
            )
        return real_claim(context, claims)

    monkeypatch.setattr(Allocations, "claim", racing_claim)
    _, selections = _select(scheduler, ctx, _spec(memory_mb=1024, root_gb=1))
    assert calls == [[h1.uuid], [h2.uuid]]
    assert selections[0].service_host == "h2"


def test_two_schedulers_racing_never_overcommit(db, ctx, conf, make_host):
    nodes = [make_host("h1", memory_mb=3072), make_host("h2", memory_mb=3072)]
    schedulers = [SchedulerManager(), SchedulerManager()]
    results = []
    lock = threading.Lock()

    def worker(scheduler):
        try:
            _select(scheduler, ctx, _spec(memory_mb=1024, root_gb=1))
            outcome = "ok"
        except exception.NoValidHost:
            outcome = "no-host"
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(schedulers[i % 2],)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 10
    usage = _usage(ctx)
    assert sum(u["instances"] for u in usage.values()) == results.count("ok")
    for node in nodes:
        assert usage.get(node.uuid, {}).get("memory_mb", 0) <= 3072
    assert results.count("ok") <= 6
