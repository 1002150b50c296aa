"""ResourceTracker with the fake driver and the real database."""

from __future__ import annotations

import pytest

from nova_lite import exception
from nova_lite.compute import vm_states
from nova_lite.compute.resource_tracker import ResourceTracker, instance_usage
from nova_lite.objects.compute_node import ComputeNode, ComputeNodeList
from nova_lite.virt.fake import FakeDriver


@pytest.fixture
def small_host(conf):
    """A fake hypervisor of 8 vCPUs, 4096 MB and 100 GB; no overcommit but CPU x2."""
    conf.set_override("vcpus", 8, group="fake")
    conf.set_override("memory_mb", 4096, group="fake")
    conf.set_override("local_gb", 100, group="fake")
    conf.set_override("cpu_allocation_ratio", 2.0)
    conf.set_override("ram_allocation_ratio", 1.0)
    conf.set_override("disk_allocation_ratio", 1.0)
    conf.set_override("reserved_host_memory_mb", 512)
    conf.set_override("reserved_host_disk_mb", 0)
    return conf


@pytest.fixture
def rt(db, ctx, small_host):
    tracker = ResourceTracker("host1", FakeDriver("host1"))
    tracker.update_available_resource(ctx)
    return tracker


def _db_node(ctx, host="host1"):
    (node,) = ComputeNodeList.get_all(ctx, host=host)
    return node


def test_instance_usage_of_a_flavor(make_flavor):
    flavor = make_flavor(memory_mb=2048, vcpus=2, root_gb=20, ephemeral_gb=5, swap=1024)
    assert instance_usage(flavor) == {"vcpus": 2, "memory_mb": 2048, "local_gb": 25}


def test_update_available_resource_creates_node(db, ctx, small_host):
    small_host.set_override("ram_allocation_ratio", 1.5)
    tracker = ResourceTracker("host1", FakeDriver("host1"))
    tracker.update_available_resource(ctx)

    node = _db_node(ctx)
    assert (node.host, node.hypervisor_hostname, node.hypervisor_type) == ("host1", "host1", "fake")
    assert (node.vcpus, node.memory_mb, node.local_gb) == (8, 4096, 100)
    assert node.cpu_allocation_ratio == 2.0
    assert node.ram_allocation_ratio == 1.5
    assert node.disk_allocation_ratio == 1.0
    assert node.reserved_host_memory_mb == 512
    assert node.vcpus_used == 0
    assert node.memory_mb_used == 512
    assert node.free_ram_mb == 3584
    assert node.free_disk_gb == 100
    assert node.running_vms == 0
    assert tracker.compute_nodes["host1"].uuid == node.uuid


def test_update_available_resource_reuses_node_and_applies_new_config(db, ctx, small_host):
    ResourceTracker("host1", FakeDriver("host1")).update_available_resource(ctx)
    first = _db_node(ctx)
    # A restarted service with new settings keeps the record.
    small_host.set_override("vcpus", 16, group="fake")
    small_host.set_override("cpu_allocation_ratio", 4.0)
    tracker = ResourceTracker("host1", FakeDriver("host1"))
    tracker.update_available_resource(ctx)
    tracker.update_available_resource(ctx)
    node = _db_node(ctx)
    assert node.uuid == first.uuid
    assert (node.vcpus, node.cpu_allocation_ratio) == (16, 4.0)


def test_each_host_has_its_own_node(db, ctx, small_host):
    ResourceTracker("host1", FakeDriver("host1")).update_available_resource(ctx)
    ResourceTracker("host2", FakeDriver("host2")).update_available_resource(ctx)
    assert {n.host for n in ComputeNodeList.get_all(ctx)} == {"host1", "host2"}


def test_instance_claim_counts_usage(ctx, rt, make_instance, make_flavor):
    instance = make_instance(flavor=make_flavor(memory_mb=1024, vcpus=2, root_gb=10))
    with rt.instance_claim(ctx, instance, "host1"):
        assert instance.uuid in rt.tracked
    assert rt.tracked[instance.uuid] == {"vcpus": 2, "memory_mb": 1024, "local_gb": 10}
    assert _db_node(ctx).vcpus_used == 0  # written by save_usage, after the build
    rt.save_usage("host1")
    node = _db_node(ctx)
    assert node.vcpus_used == 2
    assert node.memory_mb_used == 512 + 1024
    assert node.local_gb_used == 10
    assert node.free_ram_mb == 4096 - 512 - 1024
    assert node.running_vms == 1


def test_instance_claim_over_the_limit_raises(ctx, rt, make_instance, make_flavor):
    flavor = make_flavor(memory_mb=2048, vcpus=1, root_gb=1)
    first, second = make_instance(flavor=flavor), make_instance(flavor=flavor)
    with rt.instance_claim(ctx, first, "host1"):
        pass
    rt.save_usage("host1")
    # 3584 MB usable after the 512 MB reserved: a second 2048 MB guest does not fit.
    with pytest.raises(exception.ComputeResourcesUnavailable) as info:
        with rt.instance_claim(ctx, second, "host1"):
            pytest.fail("the block must not run")
    assert "memory_mb" in info.value.format_message()
    assert set(rt.tracked) == {first.uuid}
    assert _db_node(ctx).memory_mb_used == 512 + 2048


def test_instance_claim_cpu_uses_allocation_ratio(ctx, rt, make_instance, make_flavor):
    flavor = make_flavor(memory_mb=64, vcpus=8, root_gb=1)
    with rt.instance_claim(ctx, make_instance(flavor=flavor), "host1"):
        pass
    with rt.instance_claim(ctx, make_instance(flavor=flavor), "host1"):
        pass
    with pytest.raises(exception.ComputeResourcesUnavailable, match="vcpus"):
        with rt.instance_claim(ctx, make_instance(flavor=make_flavor(vcpus=1)), "host1"):
            pass


def test_instance_claim_disk(ctx, rt, make_instance, make_flavor):
    with pytest.raises(exception.ComputeResourcesUnavailable, match="local_gb"):
        with rt.instance_claim(
            ctx, make_instance(flavor=make_flavor(root_gb=90, ephemeral_gb=11)), "host1"
        ):
            pass


def test_instance_claim_unknown_node(ctx, rt, make_instance):
    with pytest.raises(exception.ComputeResourcesUnavailable, match="not managed"):
        with rt.instance_claim(ctx, make_instance(), "other-node"):
            pass
    assert rt.tracked == {}


def test_instance_claim_undone_when_the_block_raises(ctx, rt, make_instance, make_flavor):
    instance = make_instance(flavor=make_flavor(memory_mb=1024, vcpus=2))
    with pytest.raises(RuntimeError):
        with rt.instance_claim(ctx, instance, "host1"):
            raise RuntimeError("spawn failed")
    assert rt.tracked == {}
    node = _db_node(ctx)
    assert (node.vcpus_used, node.memory_mb_used, node.running_vms) == (0, 512, 0)
    # The room is free again.
    with rt.instance_claim(ctx, make_instance(flavor=make_flavor(memory_mb=3584)), "host1"):
        pass


def test_claiming_the_same_instance_again_does_not_double_count(
    ctx, rt, make_instance, make_flavor
):
    instance = make_instance(flavor=make_flavor(memory_mb=3000))
    with rt.instance_claim(ctx, instance, "host1"):
        pass
    with rt.instance_claim(ctx, instance, "host1"):
        pass
    rt.save_usage("host1")
    assert _db_node(ctx).memory_mb_used == 512 + 3000


def test_release(ctx, rt, make_instance, make_flavor):
    a = make_instance(flavor=make_flavor(memory_mb=1000, vcpus=1))
    b = make_instance(flavor=make_flavor(memory_mb=500, vcpus=2))
    for instance in (a, b):
        with rt.instance_claim(ctx, instance, "host1"):
            pass
    rt.release(ctx, a.uuid, "host1")
    node = _db_node(ctx)
    assert (node.vcpus_used, node.memory_mb_used, node.running_vms) == (2, 1012, 1)
    rt.release(ctx, a.uuid)  # twice: nothing happens
    rt.release(ctx, b.uuid)  # without a node name
    node = _db_node(ctx)
    assert (node.vcpus_used, node.memory_mb_used, node.running_vms) == (0, 512, 0)


def test_audit_recomputes_usage_from_instances_on_the_host(ctx, rt, make_instance, make_flavor):
    flavor = make_flavor(memory_mb=1024, vcpus=2, root_gb=10)
    active = make_instance(flavor=flavor, host="host1", vm_state=vm_states.ACTIVE, task_state=None)
    errored = make_instance(flavor=flavor, host="host1", vm_state=vm_states.ERROR, task_state=None)
    make_instance(flavor=flavor, host="host2", vm_state=vm_states.ACTIVE, task_state=None)
    make_instance(flavor=flavor, host=None)
    offloaded = make_instance(flavor=flavor, host="host1", vm_state=vm_states.SHELVED_OFFLOADED)
    gone = make_instance(flavor=flavor, host="host1", vm_state=vm_states.ACTIVE)
    gone.destroy()
    # Something the tracker believes but the database does not know.
    rt.tracked["stale-uuid"] = {"vcpus": 4, "memory_mb": 100, "local_gb": 1}

    rt.update_available_resource(ctx)

    assert set(rt.tracked) == {active.uuid, errored.uuid}
    assert offloaded.uuid not in rt.tracked
    node = _db_node(ctx)
    assert node.vcpus_used == 4
    assert node.memory_mb_used == 512 + 2048
    assert node.local_gb_used == 20
    assert node.running_vms == 2


def test_audit_keeps_claims_in_progress(ctx, rt, make_instance, make_flavor):
    instance = make_instance(flavor=make_flavor(memory_mb=1024))  # host not saved yet
    with rt.instance_claim(ctx, instance, "host1"):
        rt.update_available_resource(ctx)
        assert instance.uuid in rt.tracked
    assert _db_node(ctx).memory_mb_used == 512 + 1024
    # Once the claim is over, an audit trusts the database only.
    rt.update_available_resource(ctx)
    assert rt.tracked == {}


def test_node_object_matches_database(ctx, rt, make_instance):
    with rt.instance_claim(ctx, make_instance(), "host1"):
        pass
    rt.save_usage("host1")
    cached = rt.compute_nodes["host1"]
    stored = ComputeNode.get_by_id(ctx, cached.id)
    assert cached.obj_what_changed() == set()
    for field in ("vcpus_used", "memory_mb_used", "local_gb_used", "free_ram_mb", "running_vms"):
        assert getattr(cached, field) == getattr(stored, field), field


def test_concurrent_claims_and_saves_leave_the_record_right(ctx, rt, make_instance, make_flavor):
    import threading

    flavor = make_flavor(memory_mb=64, vcpus=1, root_gb=0)
    instances = [make_instance(flavor=flavor) for _ in range(16)]
    start = threading.Barrier(len(instances))

    def build(instance):
        start.wait()
        with rt.instance_claim(ctx, instance, "host1"):
            pass
        rt.save_usage("host1")

    threads = [threading.Thread(target=build, args=(i,)) for i in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    node = _db_node(ctx)
    assert (node.vcpus_used, node.memory_mb_used, node.running_vms) == (16, 512 + 16 * 64, 16)
