"""ComputeManager called directly (no RPC) with the fake driver and the real database."""

from __future__ import annotations

import threading

import pytest

from nova_lite import exception
from nova_lite.compute import power_state, task_states, vm_states
from nova_lite.compute.manager import ComputeManager
from nova_lite.objects.compute_node import Allocations, ComputeNodeList
from nova_lite.objects.instance import Instance
from nova_lite.objects.instance_action import InstanceAction, InstanceActionEventList
from nova_lite.virt.fake import FakeDriver
from tests.unit.conftest import admin_context

BUILD_EVENT = "compute_build_and_run_instance"


@pytest.fixture
def host_conf(conf):
    conf.set_override("vcpus", 8, group="fake")
    conf.set_override("memory_mb", 8192, group="fake")
    conf.set_override("local_gb", 100, group="fake")
    conf.set_override("reserved_host_memory_mb", 512)
    conf.set_override("spawn_delay", 0.0, group="fake")
    return conf


@pytest.fixture
def compute(db, ctx, host_conf):
    manager = ComputeManager("host1", driver=FakeDriver("host1"))
    manager.init_host(ctx)
    return manager


def _node(ctx):
    (node,) = ComputeNodeList.get_all(ctx, host="host1")
    return node


def _events(ctx, instance_uuid, request_id):
    action = InstanceAction.get_by_request_id(ctx, instance_uuid, request_id)
    assert action is not None
    return {e.event: e for e in InstanceActionEventList.get_by_action(ctx, action.id)}


def _scheduled(ctx, compute, make_instance, make_flavor, **flavor_kwargs):
    """An instance as the conductor hands it over: action started, resources claimed."""
    flavor = make_flavor(**{"memory_mb": 1024, "vcpus": 2, "root_gb": 10, **flavor_kwargs})
    instance = make_instance(flavor=flavor)
    InstanceAction.action_start(ctx, instance.uuid, "create")
    node = _node(ctx)
    failed = Allocations.claim(
        ctx,
        [
            dict(
                consumer_uuid=instance.uuid,
                compute_node_uuid=node.uuid,
                vcpus=flavor.vcpus,
                memory_mb=flavor.memory_mb,
                disk_gb=flavor.root_gb,
            )
        ],
    )
    assert failed == []
    return instance


def _terminate(compute, instance):
    """Delete as the API does it: task_state deleting, a delete action, then the cast."""
    delete_ctx = admin_context()
    instance.task_state = task_states.DELETING
    instance.save()
    InstanceAction.action_start(delete_ctx, instance.uuid, "delete")
    compute.terminate_instance(delete_ctx, instance)
    return delete_ctx


def test_init_host_creates_the_compute_node(ctx, compute):
    node = _node(ctx)
    assert (node.vcpus, node.memory_mb, node.memory_mb_used) == (8, 8192, 512)


def test_build_and_run_instance_goes_active(ctx, compute, make_instance, make_flavor):
    instance = _scheduled(ctx, compute, make_instance, make_flavor)
    compute.build_and_run_instance(ctx, instance, "host1", {}, None)

    got = Instance.get_by_uuid(ctx, instance.uuid)
    assert got.vm_state == vm_states.ACTIVE
    assert got.task_state is None
    assert got.power_state == power_state.RUNNING
    assert (got.host, got.node, got.launched_on) == ("host1", "host1", "host1")
    assert got.launched_at is not None
    assert compute.driver.list_instance_uuids() == [instance.uuid]
    node = _node(ctx)
    assert (node.vcpus_used, node.memory_mb_used, node.running_vms) == (2, 512 + 1024, 1)
    # The scheduler's allocation stays with the running instance.
    assert Allocations.usage_by_node(ctx)[node.uuid]["instances"] == 1
    event = _events(ctx, instance.uuid, ctx.request_id)[BUILD_EVENT]
    assert event.result == "Success"
    assert event.host == "host1"
    assert event.finish_time is not None


def test_spawn_failure_puts_instance_in_error(
    ctx, compute, make_instance, make_flavor, monkeypatch
):
    instance = _scheduled(ctx, compute, make_instance, make_flavor)

    def broken_spawn(*args, **kwargs):
        raise RuntimeError("hypervisor on fire")

    monkeypatch.setattr(compute.driver, "spawn", broken_spawn)
    compute.build_and_run_instance(ctx, instance, "host1", {}, None)

    got = Instance.get_by_uuid(ctx, instance.uuid, expected_attrs=["fault"])
    assert got.vm_state == vm_states.ERROR
    assert got.task_state is None
    assert got.power_state == power_state.NOSTATE
    assert got.fault.code == 500
    assert got.fault.message == "RuntimeError"
    assert "hypervisor on fire" in got.fault.details
    assert got.fault.host == "host1"
    # Claim released on the host, allocation released for the scheduler.
    assert compute.rt.tracked == {}
    node = _node(ctx)
    assert (node.vcpus_used, node.memory_mb_used, node.running_vms) == (0, 512, 0)
    assert Allocations.usage_by_node(ctx) == {}
    assert compute.driver.list_instance_uuids() == []
    event = _events(ctx, instance.uuid, ctx.request_id)[BUILD_EVENT]
    assert event.result == "Error"
    assert "hypervisor on fire" in event.traceback


def test_failed_build_is_not_counted_again_by_the_audit(
    ctx, compute, make_instance, make_flavor, monkeypatch
):
    instance = _scheduled(ctx, compute, make_instance, make_flavor, memory_mb=4096)
    monkeypatch.setattr(compute.driver, "spawn", _raise_runtime_error)
    compute.build_and_run_instance(ctx, instance, "host1", {}, None)
    assert Allocations.usage_by_node(ctx) == {}

    compute.update_available_resource(ctx)

    node = _node(ctx)
    assert (node.vcpus_used, node.memory_mb_used) == (0, 512)


def _raise_runtime_error(*args, **kwargs):
    raise RuntimeError("spawn failed")


def test_build_over_host_capacity_fails_without_spawning(
    ctx, compute, make_instance, make_flavor, monkeypatch
):
    spawned = []
    monkeypatch.setattr(compute.driver, "spawn", lambda ctx, inst, image: spawned.append(inst))
    flavor = make_flavor(memory_mb=9000, vcpus=1)
    instance = make_instance(flavor=flavor)
    InstanceAction.action_start(ctx, instance.uuid, "create")
    compute.build_and_run_instance(ctx, instance, "host1", {}, None)
    got = Instance.get_by_uuid(ctx, instance.uuid, expected_attrs=["fault"])
    assert got.vm_state == vm_states.ERROR
    assert "Insufficient compute resources" in got.fault.message
    assert spawned == []
    assert compute.rt.tracked == {}


def test_build_of_instance_deleted_meanwhile_cleans_up(
    ctx, compute, make_instance, make_flavor, monkeypatch
):
    instance = _scheduled(ctx, compute, make_instance, make_flavor)
    # The user deletes the server while it is scheduled.
    racer = Instance.get_by_uuid(ctx, instance.uuid)
    racer.task_state = task_states.DELETING
    racer.save()
    compute.build_and_run_instance(ctx, instance, "host1", {}, None)

    got = Instance.get_by_uuid(ctx, instance.uuid)
    assert got.vm_state == vm_states.BUILDING
    assert got.task_state == task_states.DELETING
    assert compute.driver.list_instance_uuids() == []
    assert compute.rt.tracked == {}
    assert Allocations.usage_by_node(ctx) == {}


def test_terminate_instance_soft_deletes(ctx, compute, make_instance, make_flavor):
    instance = _scheduled(ctx, compute, make_instance, make_flavor)
    compute.build_and_run_instance(ctx, instance, "host1", {}, None)
    instance = Instance.get_by_uuid(ctx, instance.uuid)

    delete_ctx = _terminate(compute, instance)

    with pytest.raises(exception.InstanceNotFound):
        Instance.get_by_uuid(ctx, instance.uuid)
    gone = Instance.get_by_uuid(admin_context(read_deleted="yes"), instance.uuid)
    assert gone.deleted is True
    assert gone.vm_state == vm_states.DELETED
    assert gone.task_state is None
    assert gone.power_state == power_state.NOSTATE
    assert gone.terminated_at is not None
    assert compute.driver.list_instance_uuids() == []
    assert compute.rt.tracked == {}
    assert Allocations.usage_by_node(ctx) == {}
    node = _node(ctx)
    assert (node.vcpus_used, node.running_vms) == (0, 0)
    assert _events(ctx, instance.uuid, delete_ctx.request_id)[
        "compute_terminate_instance"
    ].result == ("Success")


def test_terminate_without_deleting_task_state_sets_error(ctx, compute, make_instance, make_flavor):
    instance = _scheduled(ctx, compute, make_instance, make_flavor)
    compute.build_and_run_instance(ctx, instance, "host1", {}, None)
    instance = Instance.get_by_uuid(ctx, instance.uuid)
    delete_ctx = admin_context()
    InstanceAction.action_start(delete_ctx, instance.uuid, "delete")
    # task_state is None, not deleting: the compare-and-swap refuses the destroy.
    compute.terminate_instance(delete_ctx, instance)
    got = Instance.get_by_uuid(ctx, instance.uuid, expected_attrs=["fault"])
    assert got.vm_state == vm_states.ERROR
    assert got.fault.code == 409


def test_terminate_already_deleted_is_quiet(ctx, compute, make_instance, make_flavor):
    instance = _scheduled(ctx, compute, make_instance, make_flavor)
    compute.build_and_run_instance(ctx, instance, "host1", {}, None)
    instance = Instance.get_by_uuid(ctx, instance.uuid)
    stale = Instance.get_by_uuid(ctx, instance.uuid)
    _terminate(compute, instance)
    # A second delete of the same instance (e.g. a retried cast) changes nothing.
    delete_ctx = admin_context()
    InstanceAction.action_start(delete_ctx, instance.uuid, "delete")
    stale.task_state = task_states.DELETING
    compute.terminate_instance(delete_ctx, stale)
    gone = Instance.get_by_uuid(admin_context(read_deleted="yes"), instance.uuid)
    assert gone.vm_state == vm_states.DELETED


def test_init_host_fails_an_interrupted_build(db, ctx, host_conf, make_instance):
    stuck = make_instance(host="host1", node="host1", task_state=task_states.SPAWNING)
    elsewhere = make_instance(host="host2", task_state=task_states.SPAWNING)

    ComputeManager("host1", driver=FakeDriver("host1")).init_host(ctx)

    got = Instance.get_by_uuid(ctx, stuck.uuid, expected_attrs=["fault"])
    assert got.vm_state == vm_states.ERROR
    assert got.task_state is None
    assert "restarted during the build" in got.fault.message
    assert got.fault.host == "host1"
    assert Instance.get_by_uuid(ctx, elsewhere.uuid).vm_state == vm_states.BUILDING


def test_init_host_finishes_an_interrupted_delete(db, ctx, host_conf, make_instance):
    deleting = make_instance(
        host="host1", vm_state=vm_states.ACTIVE, task_state=task_states.DELETING
    )
    running = make_instance(host="host1", vm_state=vm_states.ACTIVE, task_state=None)

    manager = ComputeManager("host1", driver=FakeDriver("host1"))
    manager.init_host(ctx)

    with pytest.raises(exception.InstanceNotFound):
        Instance.get_by_uuid(ctx, deleting.uuid)
    gone = Instance.get_by_uuid(admin_context(read_deleted="yes"), deleting.uuid)
    assert gone.vm_state == vm_states.DELETED
    still = Instance.get_by_uuid(ctx, running.uuid)
    assert still.vm_state == vm_states.ACTIVE
    assert set(manager.rt.tracked) == {running.uuid}


def test_operations_on_one_instance_are_serialised(ctx, compute, make_instance, make_flavor):
    instance = _scheduled(ctx, compute, make_instance, make_flavor)
    entered = threading.Event()
    release = threading.Event()
    order = []

    def slow_spawn(context, inst, image, admin_password=None):
        order.append("spawn-start")
        entered.set()
        release.wait(5)
        order.append("spawn-end")

    compute.driver.spawn = slow_spawn
    builder = threading.Thread(
        target=compute.build_and_run_instance, args=(ctx, instance, "host1", {}, None)
    )
    builder.start()
    assert entered.wait(5)
    deleter_instance = Instance.get_by_uuid(ctx, instance.uuid)

    def delete():
        order.append("delete-called")
        _terminate(compute, deleter_instance)
        order.append("delete-done")

    deleter = threading.Thread(target=delete)
    deleter.start()
    deleter.join(0.2)
    assert "delete-done" not in order  # waits for the build's lock
    release.set()
    builder.join(5)
    deleter.join(5)
    assert order.index("spawn-end") < order.index("delete-done")
    assert compute.driver.list_instance_uuids() == []
    with pytest.raises(exception.InstanceNotFound):
        Instance.get_by_uuid(ctx, instance.uuid)
