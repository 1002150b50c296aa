"""Cold migration and resize in pieces: the usage rule, the database queries,
the scheduler's ignore_hosts, the conductor task, and two compute managers
driven directly (casts queued and delivered in order, no RPC)."""

from __future__ import annotations

import oslo_messaging as messaging
import pytest
from oslo_utils import uuidutils

from nova_lite import exception
from nova_lite.compute import power_state, task_states, vm_states
from nova_lite.compute.manager import ComputeManager
from nova_lite.compute.move_claims import held_by_move, move_key
from nova_lite.conductor import migrate
from nova_lite.objects.compute_node import Allocations, ComputeNodeList
from nova_lite.objects.flavor import Flavor
from nova_lite.objects.instance import Instance
from nova_lite.objects.instance_action import InstanceAction
from nova_lite.objects.migration import Migration, MigrationList
from nova_lite.objects.request_spec import RequestSpec
from nova_lite.objects.selection import Selection
from nova_lite.scheduler.manager import SchedulerManager
from nova_lite.virt.fake import FakeDriver
from tests.unit.conftest import admin_context

RESERVED = 512

# -- the rule: who keeps room for a move ----------------------------------------------------


def _flavor(flavor_id: int, memory_mb: int) -> Flavor:
    return Flavor(
        id=flavor_id, flavorid=str(flavor_id), name=f"f{flavor_id}", memory_mb=memory_mb, vcpus=1
    )


OLD, NEW = _flavor(1, 1024), _flavor(2, 2048)


def _move(status: str, source="a", dest="b", host="a", flavor=OLD):
    instance = Instance(host=host, flavor=flavor, old_flavor=OLD, new_flavor=NEW)
    migration = Migration(
        source_compute=source, source_node=source, dest_compute=dest, dest_node=dest, status=status
    )
    return instance, migration


@pytest.mark.parametrize(
    "status,host,flavor,held",
    [
        ("pre-migrating", "a", OLD, ("b", "b", NEW)),
        ("migrating", "a", OLD, ("b", "b", NEW)),
        # The source has handed the instance over: it keeps room for a revert.
        ("post-migrating", "b", NEW, ("a", "a", OLD)),
        ("finished", "b", NEW, ("a", "a", OLD)),
        ("confirming", "b", NEW, ("a", "a", OLD)),
        ("reverting", "b", NEW, ("a", "a", OLD)),
        ("confirmed", "b", NEW, None),
        ("reverted", "a", OLD, None),
        ("error", "a", OLD, None),
    ],
)
def test_a_move_keeps_room_where_the_instance_is_not(status, host, flavor, held):
    instance, migration = _move(status, host=host, flavor=flavor)
    assert held_by_move(instance, migration) == held


@pytest.mark.parametrize(
    "flavor,held",
    [(OLD, ("a", "a", NEW)), (NEW, ("a", "a", OLD))],
)
def test_on_one_host_the_flavor_tells_where_the_instance_is(flavor, held):
    instance, migration = _move("post-migrating", dest="a", host="a", flavor=flavor)
    assert held_by_move(instance, migration) == held


def test_a_move_without_destination_keeps_no_room():
    instance, migration = _move("pre-migrating", dest=None)
    assert held_by_move(instance, migration) is None


# -- database and objects ------------------------------------------------------------------


def test_allocation_move_replaces_the_target(db, ctx, make_host):
    node1, node2 = make_host("h1"), make_host("h2")
    claims = [
        dict(consumer_uuid="a", compute_node_uuid=node1.uuid, vcpus=1, memory_mb=100, disk_gb=1),
        dict(consumer_uuid="b", compute_node_uuid=node2.uuid, vcpus=2, memory_mb=200, disk_gb=2),
    ]
    assert Allocations.claim(ctx, claims) == []
    assert Allocations.move(ctx, "a", "b") is True
    usage = Allocations.usage_by_node(ctx)
    assert usage == {node1.uuid: {"vcpus": 1, "memory_mb": 100, "disk_gb": 1, "instances": 1}}
    # Moving nothing leaves the target with nothing.
    assert Allocations.move(ctx, "a", "b") is False
    assert Allocations.usage_by_node(ctx) == {}


def test_allocation_move_if_held_keeps_the_target_when_the_source_has_none(db, ctx, make_host):
    node = make_host("h1")
    claim = dict(consumer_uuid="b", compute_node_uuid=node.uuid, vcpus=1, memory_mb=100, disk_gb=1)
    assert Allocations.claim(ctx, [claim]) == []
    assert Allocations.move(ctx, "a", "b", if_held=True) is False  # a repair run twice
    usage = Allocations.usage_by_node(ctx)
    assert usage == {node.uuid: {"vcpus": 1, "memory_mb": 100, "disk_gb": 1, "instances": 1}}
    assert Allocations.move(ctx, "b", "a", if_held=True) is True
    assert Allocations.move(ctx, "b", "a", if_held=True) is False
    assert Allocations.usage_by_node(ctx)[node.uuid]["memory_mb"] == 100


def test_migration_records_and_queries(db, ctx):
    def make(status, source="h1", dest="h2", instance_uuid=None, **kwargs):
        migration = Migration(
            ctx,
            instance_uuid=instance_uuid or uuidutils.generate_uuid(),
            source_compute=source,
            dest_compute=dest,
            status=status,
            migration_type="migration",
            **kwargs,
        )
        migration.create()
        return migration

    finished = make("finished")
    make("confirmed")
    make("migrating", source="h3", dest="h1")
    make("finished", source="h3", dest="h4", hidden=True)
    assert finished.uuid and finished.created_at and not finished.hidden
    on_h1 = MigrationList.get_in_progress_by_host(ctx, "h1")
    assert sorted(m.status for m in on_h1) == ["finished", "migrating"]
    assert [m.status for m in MigrationList.get_by_filters(ctx, {"hidden": False})] == [
        "migrating",
        "confirmed",
        "finished",
    ]
    assert MigrationList.get_unconfirmed_by_dest_compute(ctx, 60, "h2").objects == []
    assert [m.id for m in MigrationList.get_unconfirmed_by_dest_compute(ctx, 0, "h2")] == [
        finished.id
    ]
    got = Migration.get_by_instance_and_status(ctx, finished.instance_uuid, "finished")
    assert got.uuid == finished.uuid
    with pytest.raises(exception.MigrationNotFoundByStatus):
        Migration.get_by_instance_and_status(ctx, finished.instance_uuid, "reverting")
    got.status = "confirming"
    got.save()
    assert Migration.get_by_id(ctx, got.uuid).status == "confirming"
    assert Migration.get_by_id(ctx, got.id).updated_at is not None


def test_instance_keeps_both_flavors_of_a_move(db, ctx, make_instance, make_flavor):
    old, new = make_flavor(memory_mb=1024), make_flavor(memory_mb=2048)
    instance = make_instance(flavor=old)
    assert (instance.old_flavor, instance.new_flavor) == (None, None)
    instance.old_flavor, instance.new_flavor = old, new
    instance.save()
    got = Instance.get_by_uuid(ctx, instance.uuid)
    assert (got.old_flavor.flavorid, got.new_flavor.flavorid) == (old.flavorid, new.flavorid)
    manifest = {"Instance": "1.0", "Flavor": "1.0", "InstanceFault": "1.0"}
    primitive = got.obj_to_primitive(target_version="1.0", version_manifest=manifest)[
        "nova_object.data"
    ]
    assert "old_flavor" not in primitive and "new_flavor" not in primitive
    got.old_flavor = got.new_flavor = None
    got.save()
    assert Instance.get_by_uuid(ctx, instance.uuid).new_flavor is None


# -- scheduler ----------------------------------------------------------------------------------


def _spec(memory_mb=1024, ignore_hosts=None) -> RequestSpec:
    return RequestSpec(
        instance_uuid=uuidutils.generate_uuid(),
        flavor=Flavor(
            id=1,
            flavorid="1",
            name="f",
            memory_mb=memory_mb,
            vcpus=1,
            root_gb=1,
            ephemeral_gb=0,
            swap=0,
        ),
        ignore_hosts=ignore_hosts,
    )


def _select(ctx, spec):
    try:
        return SchedulerManager().select_destinations(ctx, spec, [spec.instance_uuid])
    except messaging.ExpectedException as wrapped:
        raise wrapped.exc_info[1] from None


def test_scheduler_honours_ignore_hosts(db, ctx, make_host):
    make_host("small", memory_mb=4096)
    make_host("big", memory_mb=8192)
    assert _select(ctx, _spec())[0].service_host == "big"
    assert _select(ctx, _spec(ignore_hosts=["big"]))[0].service_host == "small"
    with pytest.raises(exception.NoValidHost):
        _select(ctx, _spec(ignore_hosts=["big", "small"]))


# -- conductor -----------------------------------------------------------------------------------


class _Scheduler:
    def __init__(self, result):
        self.result = result
        self.specs = []

    def select_destinations(self, context, spec, uuids):
        self.specs.append(spec.obj_clone())
        if isinstance(self.result, Exception):
            raise self.result
        return [self.result]


class _Compute:
    def __init__(self):
        self.calls = []

    def prep_resize(self, context, instance, flavor, migration, node, clean_shutdown=True):
        self.calls.append((instance.uuid, flavor.id, migration.dest_compute, node))


def _resizing(ctx, make_instance, make_host, old, new):
    """An ACTIVE instance on h1 as the compute API leaves it: RESIZE_PREP, flavors stashed."""
    node = make_host("h1")
    instance = make_instance(
        flavor=old, host="h1", node="h1", vm_state=vm_states.ACTIVE, task_state=None
    )
    assert (
        Allocations.claim(
            ctx,
            [
                dict(
                    consumer_uuid=instance.uuid,
                    compute_node_uuid=node.uuid,
                    vcpus=old.vcpus,
                    memory_mb=old.memory_mb,
                    disk_gb=old.root_gb,
                )
            ],
        )
        == []
    )
    instance.task_state = task_states.RESIZE_PREP
    instance.old_flavor, instance.new_flavor = old, new
    instance.system_metadata = {"old_vm_state": vm_states.ACTIVE}
    instance.save(expected_task_state=[None], action="resize")
    spec = RequestSpec.from_instance(ctx, instance)
    spec.save()
    return instance, spec, node


def test_conductor_parks_the_allocation_and_starts_the_move(
    db, ctx, make_instance, make_flavor, make_host
):
    old, new = make_flavor(memory_mb=1024), make_flavor(memory_mb=2048)
    instance, spec, node = _resizing(ctx, make_instance, make_host, old, new)
    spec.ignore_hosts = ["h1"]
    selection = Selection(
        service_host="h2",
        nodename="h2",
        compute_node_uuid=uuidutils.generate_uuid(),
        instance_uuid=instance.uuid,
    )
    scheduler, compute = _Scheduler(selection), _Compute()
    migrate.migrate_server(ctx, instance, new, spec, True, scheduler, compute)

    (migration,) = MigrationList.get_by_filters(ctx, {"instance_uuid": instance.uuid})
    assert (migration.status, migration.migration_type) == ("pre-migrating", "resize")
    assert (migration.source_compute, migration.dest_compute) == ("h1", "h2")
    assert (migration.old_instance_type_id, migration.new_instance_type_id) == (old.id, new.id)
    assert compute.calls == [(instance.uuid, new.id, "h2", "h2")]
    (asked,) = scheduler.specs
    assert (asked.flavor.id, asked.ignore_hosts) == (new.id, ["h1"])
    # The migration holds the source's allocation now; the spec has the new flavor.
    assert Allocations.usage_by_node(ctx)[node.uuid]["memory_mb"] == 1024
    assert Allocations.move(ctx, migration.uuid, "probe") is True
    saved = RequestSpec.get_by_instance_uuid(ctx, instance.uuid)
    assert (saved.flavor.id, saved.ignore_hosts) == (new.id, None)


def test_conductor_rolls_back_when_no_host_fits(db, ctx, make_instance, make_flavor, make_host):
    old, new = make_flavor(memory_mb=1024), make_flavor(memory_mb=2048)
    instance, spec, node = _resizing(ctx, make_instance, make_host, old, new)
    scheduler = _Scheduler(exception.NoValidHost(reason="none"))
    migrate.migrate_server(ctx, instance, new, spec, True, scheduler, _Compute())

    got = Instance.get_by_uuid(ctx, instance.uuid, expected_attrs=["fault"])
    assert (got.vm_state, got.task_state, got.flavor.id) == (vm_states.ACTIVE, None, old.id)
    assert (got.old_flavor, got.new_flavor) == (None, None)
    assert "old_vm_state" not in got.system_metadata
    (migration,) = MigrationList.get_by_filters(ctx, {"instance_uuid": instance.uuid})
    assert migration.status == "error"
    assert Allocations.move(ctx, instance.uuid, "probe") is True  # back on the instance
    assert RequestSpec.get_by_instance_uuid(ctx, instance.uuid).flavor.id == old.id
    assert InstanceAction.get_by_request_id(ctx, instance.uuid, ctx.request_id).message == "Error"


# -- two compute hosts ----------------------------------------------------------------------------


class Casts:
    """Stands in for the compute RPC API of both hosts: queues the casts (with
    copies of their objects, as serialisation would) and delivers them in order."""

    def __init__(self, managers: dict):
        self.managers = managers
        self.queue: list = []
        self.sent: list[tuple[str, str]] = []

    def _cast(self, host, method, context, **kwargs):
        kwargs = {k: v.obj_clone() if hasattr(v, "obj_clone") else v for k, v in kwargs.items()}
        self.queue.append((host, method, context, kwargs))

    def prep_resize(self, context, instance, flavor, migration, node, clean_shutdown=True):
        self._cast(
            migration.dest_compute,
            "prep_resize",
            context,
            instance=instance,
            migration=migration,
            flavor=flavor,
            node=node,
            clean_shutdown=clean_shutdown,
        )

    def resize_instance(self, context, instance, migration, flavor, clean_shutdown=True):
        self._cast(
            migration.source_compute,
            "resize_instance",
            context,
            instance=instance,
            migration=migration,
            flavor=flavor,
            clean_shutdown=clean_shutdown,
        )

    def finish_resize(self, context, instance, migration, disk_info):
        self._cast(
            migration.dest_compute,
            "finish_resize",
            context,
            instance=instance,
            migration=migration,
            disk_info=disk_info,
        )

    def _simple(host_attr, method):
        def cast(self, context, instance, migration):
            host = getattr(migration, host_attr)
            self._cast(host, method, context, instance=instance, migration=migration)

        return cast

    confirm_resize = _simple("source_compute", "confirm_resize")
    revert_resize = _simple("dest_compute", "revert_resize")
    finish_revert_resize = _simple("source_compute", "finish_revert_resize")
    drop_move_claim_at_dest = _simple("dest_compute", "drop_move_claim_at_dest")

    def drain(self, stop_before: str | None = None) -> None:
        while self.queue:
            host, method, context, kwargs = self.queue[0]
            if method == stop_before:
                return
            self.queue.pop(0)
            self.sent.append((method, host))
            getattr(self.managers[host], method)(context, **kwargs)


@pytest.fixture
def hosts(db, ctx, conf):
    conf.set_override("vcpus", 8, group="fake")
    conf.set_override("memory_mb", 8192, group="fake")
    conf.set_override("local_gb", 100, group="fake")
    conf.set_override("reserved_host_memory_mb", RESERVED)
    managers = {h: ComputeManager(h, driver=FakeDriver(h)) for h in ("host1", "host2")}
    casts = Casts(managers)
    for manager in managers.values():
        manager.init_host(ctx)
        manager.compute_rpcapi = casts
    return managers, casts


def _nodes(ctx) -> dict:
    return {n.host: n for n in ComputeNodeList.get_all(ctx)}


def _used(ctx) -> dict:
    """host -> (memory_mb used by guests and moves, running guests)."""
    return {h: (n.memory_mb_used - RESERVED, n.running_vms) for h, n in _nodes(ctx).items()}


def _allocated(ctx) -> dict:
    """host -> memory_mb allocated there."""
    hosts = {n.uuid: n.host for n in ComputeNodeList.get_all(ctx)}
    return {hosts[node]: u["memory_mb"] for node, u in Allocations.usage_by_node(ctx).items()}


def _boot(ctx, manager, make_instance, flavor):
    instance = make_instance(flavor=flavor)
    InstanceAction.action_start(ctx, instance.uuid, "create")
    node = _nodes(ctx)[manager.host]
    claim = dict(
        consumer_uuid=instance.uuid,
        compute_node_uuid=node.uuid,
        vcpus=flavor.vcpus,
        memory_mb=flavor.memory_mb,
        disk_gb=flavor.root_gb,
    )
    assert Allocations.claim(ctx, [claim]) == []
    manager.build_and_run_instance(ctx, instance, manager.host, {}, None)
    return Instance.get_by_uuid(ctx, instance.uuid)


def _start_move(ctx, casts, instance, new_flavor, dest: str) -> Migration:
    """What the compute API and the conductor do before prep_resize."""
    context = admin_context()
    instance.task_state = task_states.RESIZE_PREP
    instance.old_flavor, instance.new_flavor = instance.flavor, new_flavor
    instance.system_metadata = {**instance.system_metadata, "old_vm_state": instance.vm_state}
    instance.save(expected_task_state=[None], action="resize")
    migration = Migration(
        context,
        instance_uuid=instance.uuid,
        source_compute=instance.host,
        source_node=instance.node,
        dest_compute=dest,
        dest_node=dest,
        old_instance_type_id=instance.flavor.id,
        new_instance_type_id=new_flavor.id,
        status="pre-migrating",
        migration_type="resize" if new_flavor.id != instance.flavor.id else "migration",
    )
    migration.create()
    Allocations.move(context, instance.uuid, migration.uuid)
    node = _nodes(context)[dest]
    claim = dict(
        consumer_uuid=instance.uuid,
        compute_node_uuid=node.uuid,
        vcpus=new_flavor.vcpus,
        memory_mb=new_flavor.memory_mb,
        disk_gb=new_flavor.root_gb,
    )
    assert Allocations.claim(context, [claim]) == []
    casts.prep_resize(context, instance, new_flavor, migration, dest)
    return migration


def _decide(ctx, casts, instance_uuid: str, confirm: bool) -> None:
    """confirmResize or revertResize as the compute API starts them."""
    context = admin_context()
    instance = Instance.get_by_uuid(ctx, instance_uuid)
    migration = Migration.get_by_instance_and_status(ctx, instance_uuid, "finished")
    task = task_states.RESIZE_CONFIRMING if confirm else task_states.RESIZE_REVERTING
    instance.task_state = task
    instance.save(expected_task_state=[None], action="confirmResize" if confirm else "revertResize")
    migration.status = "confirming" if confirm else "reverting"
    migration.save()
    (casts.confirm_resize if confirm else casts.revert_resize)(context, instance, migration)
    casts.drain()


def _audit_agrees(ctx, managers) -> None:
    """The periodic audit derives the usage the steps left."""
    before = _used(ctx)
    for manager in managers.values():
        manager.update_available_resource(ctx)
    assert _used(ctx) == before


def test_resize_and_confirm_on_two_hosts(ctx, hosts, make_instance, make_flavor):
    managers, casts = hosts
    old, new = make_flavor(memory_mb=1024), make_flavor(memory_mb=2048)
    instance = _boot(ctx, managers["host1"], make_instance, old)
    migration = _start_move(ctx, casts, instance, new, "host2")

    casts.drain(stop_before="resize_instance")
    # The destination has claimed room for the new flavor, not a guest.
    assert _used(ctx) == {"host1": (1024, 1), "host2": (2048, 0)}
    _audit_agrees(ctx, managers)

    casts.drain()
    assert [m for m, _h in casts.sent] == ["prep_resize", "resize_instance", "finish_resize"]
    got = Instance.get_by_uuid(ctx, instance.uuid)
    assert (got.vm_state, got.task_state, got.host, got.node) == (
        vm_states.RESIZED,
        None,
        "host2",
        "host2",
    )
    assert (got.flavor.id, got.old_flavor.id, got.new_flavor.id) == (new.id, old.id, new.id)
    assert got.power_state == power_state.RUNNING
    assert Migration.get_by_id(ctx, migration.id).status == "finished"
    assert _used(ctx) == {"host1": (1024, 0), "host2": (2048, 1)}
    assert _allocated(ctx) == {"host1": 1024, "host2": 2048}
    assert managers["host1"].rt.tracked == {
        move_key(migration.uuid): {"vcpus": 1, "memory_mb": 1024, "local_gb": 10}
    }
    _audit_agrees(ctx, managers)

    _decide(ctx, casts, instance.uuid, confirm=True)
    got = Instance.get_by_uuid(ctx, instance.uuid)
    assert (got.vm_state, got.task_state, got.host) == (vm_states.ACTIVE, None, "host2")
    assert (got.old_flavor, got.new_flavor) == (None, None)
    assert Migration.get_by_id(ctx, migration.id).status == "confirmed"
    assert _used(ctx) == {"host1": (0, 0), "host2": (2048, 1)}
    assert _allocated(ctx) == {"host2": 2048}
    assert managers["host1"].driver._moved == {}
    _audit_agrees(ctx, managers)


def test_resize_on_one_host_then_revert(ctx, hosts, make_instance, make_flavor):
    managers, casts = hosts
    old, new = make_flavor(memory_mb=1024), make_flavor(memory_mb=2048)
    instance = _boot(ctx, managers["host1"], make_instance, old)
    _start_move(ctx, casts, instance, new, "host1")
    casts.drain()
    assert Instance.get_by_uuid(ctx, instance.uuid).vm_state == vm_states.RESIZED
    assert _used(ctx)["host1"] == (1024 + 2048, 1)
    assert _allocated(ctx) == {"host1": 3072}
    _audit_agrees(ctx, managers)

    _decide(ctx, casts, instance.uuid, confirm=False)
    got = Instance.get_by_uuid(ctx, instance.uuid)
    assert (got.vm_state, got.task_state, got.host, got.flavor.id) == (
        vm_states.ACTIVE,
        None,
        "host1",
        old.id,
    )
    assert got.power_state == power_state.RUNNING
    assert _used(ctx)["host1"] == (1024, 1)
    assert _allocated(ctx) == {"host1": 1024}
    assert managers["host1"].driver.list_instance_uuids() == [instance.uuid]
    _audit_agrees(ctx, managers)


def test_cold_migration_to_its_own_host_is_refused(ctx, hosts, make_instance, make_flavor):
    managers, casts = hosts
    flavor = make_flavor(memory_mb=1024)
    instance = _boot(ctx, managers["host1"], make_instance, flavor)
    migration = _start_move(ctx, casts, instance, flavor, "host1")
    casts.drain()
    got = Instance.get_by_uuid(ctx, instance.uuid, expected_attrs=["fault"])
    assert (got.vm_state, got.task_state, got.host) == (vm_states.ACTIVE, None, "host1")
    assert Migration.get_by_id(ctx, migration.id).status == "error"
    assert _used(ctx)["host1"] == (1024, 1)
    assert _allocated(ctx) == {"host1": 1024}


def test_instance_deleted_mid_move_leaves_nothing(ctx, hosts, make_instance, make_flavor):
    managers, casts = hosts
    old, new = make_flavor(memory_mb=1024), make_flavor(memory_mb=2048)
    instance = _boot(ctx, managers["host1"], make_instance, old)
    migration = _start_move(ctx, casts, instance, new, "host2")
    casts.drain(stop_before="resize_instance")
    # Deleted now, as the API and the source host do it.
    delete_ctx = admin_context()
    instance = Instance.get_by_uuid(ctx, instance.uuid)
    instance.task_state = task_states.DELETING
    instance.save(action="delete")
    managers["host1"].terminate_instance(delete_ctx, instance)
    casts.drain()
    assert ("drop_move_claim_at_dest", "host2") in casts.sent
    assert Migration.get_by_id(ctx, migration.id).status == "error"
    assert _used(ctx) == {"host1": (0, 0), "host2": (0, 0)}
    assert _allocated(ctx) == {}


def test_move_periodic_task_is_registered_once():
    assert dict(ComputeManager._periodic_tasks)["_poll_unconfirmed_resizes"]

    class Sub(ComputeManager):
        pass

    names = [name for name, _task in Sub._periodic_tasks]
    assert names.count("_poll_unconfirmed_resizes") == 1
