"""Versioned objects: persistence, faults, services, request specs, serialisation
and the indirection API (the conductor proxy)."""

from __future__ import annotations

import datetime

import oslo_messaging as messaging
import pytest
from oslo_serialization import jsonutils
from oslo_utils import timeutils, uuidutils
from sqlalchemy import select

from nova_lite import context as nova_context
from nova_lite import exception
from nova_lite.compute import task_states, vm_states
from nova_lite.conductor.manager import ConductorManager
from nova_lite.db import api as db_api
from nova_lite.db import models
from nova_lite.objects import base as objects_base
from nova_lite.objects.compute_node import Allocations, ComputeNode, ComputeNodeList
from nova_lite.objects.flavor import Flavor, FlavorList
from nova_lite.objects.instance import Instance, InstanceList
from nova_lite.objects.instance_action import (
    InstanceAction,
    InstanceActionEvent,
    InstanceActionEventList,
)
from nova_lite.objects.instance_fault import InstanceFault
from nova_lite.objects.request_spec import RequestSpec
from nova_lite.objects.selection import Selection
from nova_lite.objects.service import Service
from tests.unit.conftest import admin_context


def _raw_instance(db, uuid):
    with db.get_engine().connect() as connection:
        return connection.execute(select(models.Instance).where(models.Instance.uuid == uuid)).one()


# -- Instance persistence ---------------------------------------------------------


def test_instance_create_stores_flavor_as_json_and_copies_sizes(db, ctx, make_flavor):
    flavor = make_flavor(memory_mb=2048, vcpus=2, root_gb=20, ephemeral_gb=5, swap=512)
    instance = Instance(
        ctx,
        uuid=uuidutils.generate_uuid(),
        project_id="p1",
        display_name="vm",
        vm_state=vm_states.BUILDING,
        flavor=flavor,
        metadata={"role": "web"},
    )
    instance.create()

    assert instance.id is not None
    assert instance.obj_what_changed() == set()
    raw = _raw_instance(db, instance.uuid)
    assert (raw.memory_mb, raw.vcpus, raw.root_gb, raw.ephemeral_gb) == (2048, 2, 20, 5)
    assert raw.instance_type_id == flavor.id
    stored = Flavor.obj_from_primitive(jsonutils.loads(raw.flavor))
    assert stored.flavorid == flavor.flavorid
    assert stored.swap == 512

    got = Instance.get_by_uuid(ctx, instance.uuid)
    assert got.flavor.name == flavor.name
    assert got.flavor.memory_mb == 2048
    assert got.memory_mb == 2048
    assert got.metadata == {"role": "web"}
    assert got.deleted is False
    assert got.obj_what_changed() == set()


def test_instance_save_writes_changes_only(db, ctx, make_instance):
    instance = make_instance(metadata={"a": "1"})
    other = Instance.get_by_uuid(ctx, instance.uuid)

    instance.display_name = "renamed"
    instance.metadata = {"b": "2"}
    instance.save()
    assert instance.obj_what_changed() == set()
    assert instance.updated_at is not None

    # A stale copy saving another field does not undo the rename.
    other.access_ip_v4 = "10.0.0.1"
    other.save()
    got = Instance.get_by_uuid(ctx, instance.uuid)
    assert got.display_name == "renamed"
    assert got.metadata == {"b": "2"}
    assert got.access_ip_v4 == "10.0.0.1"


def test_instance_save_new_flavor_updates_sizes(db, ctx, make_instance, make_flavor):
    instance = make_instance(flavor=make_flavor(memory_mb=512, vcpus=1))
    bigger = make_flavor(memory_mb=4096, vcpus=4, root_gb=40)
    instance.flavor = bigger
    instance.save()
    raw = _raw_instance(db, instance.uuid)
    assert (raw.memory_mb, raw.vcpus, raw.root_gb, raw.instance_type_id) == (4096, 4, 40, bigger.id)
    assert Instance.get_by_uuid(ctx, instance.uuid).flavor.flavorid == bigger.flavorid


def test_instance_save_nested_flavor_change(db, ctx, make_instance):
    instance = make_instance()
    instance.flavor.memory_mb = 3072
    instance.save()
    assert _raw_instance(db, instance.uuid).memory_mb == 3072
    assert Instance.get_by_uuid(ctx, instance.uuid).flavor.memory_mb == 3072


def test_instance_save_expected_task_state_race(db, ctx, make_instance):
    instance = make_instance(task_state=task_states.SCHEDULING)
    racer = Instance.get_by_uuid(ctx, instance.uuid)
    racer.task_state = task_states.DELETING
    racer.save(expected_task_state=[task_states.SCHEDULING])

    instance.task_state = task_states.SPAWNING
    instance.host = "h1"
    with pytest.raises(exception.UnexpectedDeletingTaskStateError):
        instance.save(expected_task_state=[task_states.SCHEDULING])
    got = Instance.get_by_uuid(ctx, instance.uuid)
    assert got.task_state == task_states.DELETING
    assert got.host is None


def test_instance_save_expected_vm_state(db, ctx, make_instance):
    instance = make_instance(vm_state=vm_states.ACTIVE, task_state=None)
    instance.task_state = task_states.POWERING_OFF
    with pytest.raises(exception.UnexpectedTaskStateError):
        instance.save(expected_vm_state=[vm_states.STOPPED])
    instance.save(expected_vm_state=[vm_states.ACTIVE], expected_task_state=[None])
    assert Instance.get_by_uuid(ctx, instance.uuid).task_state == task_states.POWERING_OFF


def test_instance_destroy_and_refresh(db, ctx, make_instance):
    instance = make_instance(task_state=task_states.DELETING)
    copy = Instance.get_by_uuid(ctx, instance.uuid)
    instance.vm_state = vm_states.DELETED
    instance.task_state = None
    instance.destroy(expected_task_state=[task_states.DELETING])
    assert instance.deleted is True
    assert instance.deleted_at is not None
    assert instance.vm_state == vm_states.DELETED
    with pytest.raises(exception.InstanceNotFound):
        Instance.get_by_uuid(ctx, instance.uuid)
    with pytest.raises(exception.InstanceNotFound):
        copy.refresh()
    gone = Instance.get_by_uuid(admin_context(read_deleted="yes"), instance.uuid)
    assert gone.deleted is True
    assert gone.vm_state == vm_states.DELETED


def test_instance_refresh_sees_other_writers(db, ctx, make_instance):
    instance = make_instance()
    other = Instance.get_by_uuid(ctx, instance.uuid)
    other.vm_state = vm_states.ACTIVE
    other.task_state = None
    other.metadata = {"k": "v"}
    other.save()
    instance.refresh()
    assert instance.vm_state == vm_states.ACTIVE
    assert instance.task_state is None
    assert instance.metadata == {"k": "v"}
    assert instance.obj_what_changed() == set()


def test_instance_list_by_filters_and_host(db, ctx, make_instance):
    a = make_instance(host="h1")
    make_instance(host="h2")
    b = make_instance(host="h1")
    assert {i.uuid for i in InstanceList.get_by_host(ctx, "h1")} == {a.uuid, b.uuid}
    found = InstanceList.get_by_filters(ctx, {"host": "h1"}, sort_keys=["id"], sort_dirs=["asc"])
    assert [i.uuid for i in found] == [a.uuid, b.uuid]
    assert all(i._context is ctx for i in found)


def _new_instances(ctx, flavor, count: int) -> list[Instance]:
    return [
        Instance(
            ctx,
            uuid=uuidutils.generate_uuid(),
            project_id=ctx.project_id,
            user_id=ctx.user_id,
            display_name=f"vm-{index}",
            vm_state=vm_states.BUILDING,
            flavor=flavor,
            tags=["b", "a", "b"],
            system_metadata={"image_min_ram": "0"},
        )
        for index in range(count)
    ]


def test_instance_list_create_inserts_all_in_order_with_their_action(db, ctx, make_flavor):
    given = _new_instances(ctx, make_flavor(), 3)
    created = InstanceList.create(ctx, given, action="create")
    assert [i.uuid for i in created] == [i.uuid for i in given]
    assert [i.tags for i in created] == [["a", "b"]] * 3
    assert all(i.id and i.system_metadata == {"image_min_ram": "0"} for i in created)
    assert all(i.obj_what_changed() == set() for i in created)
    assert all(InstanceAction.get_by_request_id(ctx, i.uuid, ctx.request_id) for i in created)


def test_instance_list_create_recheck_destroys_them_over_quota(db, ctx, make_flavor, conf):
    conf.set_override("instances", 2, group="quota")
    flavor = make_flavor()
    InstanceList.create(ctx, _new_instances(ctx, flavor, 2), recheck_quota=True)
    over = _new_instances(ctx, flavor, 1)
    InstanceList.create(ctx, over)  # without the recheck: created, even over quota
    with pytest.raises(exception.OverQuota) as raised:
        InstanceList.create(ctx, _new_instances(ctx, flavor, 1), recheck_quota=True)
    assert raised.value.kwargs["overs"] == ["instances"]
    live = InstanceList.get_by_filters(ctx, {"project_id": ctx.project_id})
    assert len(live) == 3


# -- faults and set_error -------------------------------------------------------------


def test_set_error_writes_fault_before_error_state(db, ctx, make_instance, monkeypatch):
    instance = make_instance()
    order = []
    real_fault, real_update = db_api.instance_fault_create, db_api.instance_update

    def fault_create(context, values):
        order.append(("fault", Instance.get_by_uuid(ctx, instance.uuid).vm_state))
        return real_fault(context, values)

    def update(context, uuid, values, expected=None, action=None, start_event=None):
        order.append(("update", values.get("vm_state")))
        return real_update(context, uuid, values, expected, action, start_event)

    monkeypatch.setattr(db_api, "instance_fault_create", fault_create)
    monkeypatch.setattr(db_api, "instance_update", update)

    instance.set_error(exception.NoValidHost(reason="none left"), host="h1")

    assert order == [("fault", vm_states.BUILDING), ("update", vm_states.ERROR)]
    got = Instance.get_by_uuid(ctx, instance.uuid, expected_attrs=["fault"])
    assert got.vm_state == vm_states.ERROR
    assert got.task_state is None
    assert got.fault.code == 500
    assert got.fault.host == "h1"
    assert "No valid host was found" in got.fault.message
    assert instance.fault.message == got.fault.message


def test_set_error_lost_race_keeps_state_and_fault(db, ctx, make_instance):
    instance = make_instance(task_state=task_states.DELETING)
    with pytest.raises(exception.UnexpectedDeletingTaskStateError):
        instance.set_error(ValueError("x"), expected_task_state=[task_states.SCHEDULING, None])
    got = Instance.get_by_uuid(ctx, instance.uuid, expected_attrs=["fault"])
    assert got.vm_state == vm_states.BUILDING
    assert got.task_state == task_states.DELETING
    assert got.fault is None  # only ERROR and DELETED instances show their fault
    # ... but it was written first, whatever followed
    assert InstanceFault.get_latest_for_instance(ctx, instance.uuid) is not None


def test_instance_without_fault(db, ctx, make_instance):
    instance = make_instance()
    got = Instance.get_by_uuid(ctx, instance.uuid, expected_attrs=["fault"])
    assert got.fault is None
    assert "fault" not in Instance.get_by_uuid(ctx, instance.uuid)


def test_fault_from_nova_exception_below_500_has_message_no_details(ctx):
    uuid = uuidutils.generate_uuid()
    error = exception.InstanceInvalidState(
        method="reboot", instance_uuid=uuid, attr="vm_state", state="error"
    )
    fault = InstanceFault.from_exception(ctx, uuid, error, host="h1")
    assert fault.code == 409
    assert fault.message == error.format_message()
    assert fault.details == ""
    assert fault.host == "h1"
    assert fault.instance_uuid == uuid


def test_fault_from_nova_exception_500_has_details(ctx):
    uuid = uuidutils.generate_uuid()
    try:
        raise exception.ComputeResourcesUnavailable(reason="memory_mb")
    except exception.ComputeResourcesUnavailable as error:
        fault = InstanceFault.from_exception(ctx, uuid, error)
    assert fault.code == 500
    assert fault.message == "Insufficient compute resources: memory_mb"
    assert "Traceback" in fault.details
    assert "ComputeResourcesUnavailable" in fault.details


def test_fault_from_other_exception_hides_its_message(ctx):
    try:
        raise RuntimeError("password=hunter2 in a driver message")
    except RuntimeError as error:
        fault = InstanceFault.from_exception(ctx, uuidutils.generate_uuid(), error)
    assert fault.code == 500
    assert fault.message == "RuntimeError"
    assert "RuntimeError" in fault.details


def test_fault_message_is_truncated(ctx):
    fault = InstanceFault.from_exception(
        ctx, uuidutils.generate_uuid(), exception.InvalidRequest(reason="x" * 400)
    )
    assert len(fault.message) == 255


def test_fault_create_and_latest(db, ctx, make_instance):
    instance = make_instance()
    assert InstanceFault.get_latest_for_instance(ctx, instance.uuid) is None
    InstanceFault.from_exception(ctx, instance.uuid, ValueError()).create()
    second = InstanceFault.from_exception(ctx, instance.uuid, exception.Forbidden(action="x"))
    second.create()
    assert second.id is not None
    latest = InstanceFault.get_latest_for_instance(ctx, instance.uuid)
    assert (latest.id, latest.code) == (second.id, 403)


# -- actions ---------------------------------------------------------------------------


def test_action_and_events(db, make_instance):
    ctx = admin_context(request_id="req-abc")
    instance = make_instance(context=ctx)
    action = InstanceAction.action_start(ctx, instance.uuid, "create")
    assert action.request_id == "req-abc"
    InstanceActionEvent.event_start(ctx, instance.uuid, "compute_build", host="h1")
    InstanceActionEvent.event_finish(ctx, instance.uuid, "compute_build")
    InstanceActionEvent.event_start(ctx, instance.uuid, "compute_other")
    try:
        raise ValueError("boom")
    except ValueError as error:
        InstanceActionEvent.event_finish_with_failure(ctx, instance.uuid, "compute_other", error)
    events = {e.event: e for e in InstanceActionEventList.get_by_action(ctx, action.id)}
    assert events["compute_build"].result == "Success"
    assert events["compute_build"].host == "h1"
    assert events["compute_build"].finish_time is not None
    assert events["compute_other"].result == "Error"
    assert "ValueError: boom" in events["compute_other"].traceback
    assert InstanceAction.get_by_request_id(ctx, instance.uuid, "req-abc").message == "Error"


# -- Service.is_up -----------------------------------------------------------------------


def _service(**kwargs):
    kwargs.setdefault("host", "h1")
    kwargs.setdefault("binary", "nova-compute")
    return Service(admin_context(), **kwargs)


def test_service_up_with_recent_heartbeat(conf):
    assert _service(last_seen_up=timeutils.utcnow(), forced_down=False).is_up()


def test_service_forced_down_is_down(conf):
    assert not _service(last_seen_up=timeutils.utcnow(), forced_down=True).is_up()


def test_service_old_heartbeat_is_down_per_service_down_time(conf):
    seen = timeutils.utcnow() - datetime.timedelta(seconds=90)
    conf.set_override("service_down_time", 60)
    assert not _service(last_seen_up=seen, forced_down=False).is_up()
    conf.set_override("service_down_time", 120)
    assert _service(last_seen_up=seen, forced_down=False).is_up()


def test_service_without_heartbeat_falls_back_to_timestamps(conf):
    now = timeutils.utcnow()
    old = now - datetime.timedelta(hours=1)
    assert _service(last_seen_up=None, updated_at=now, created_at=old, forced_down=False).is_up()
    assert not _service(
        last_seen_up=None, updated_at=None, created_at=old, forced_down=False
    ).is_up()
    assert not _service(
        last_seen_up=None, updated_at=None, created_at=None, forced_down=False
    ).is_up()


def test_service_heartbeat_round_trip(db, ctx, conf):
    service = Service(ctx, host="h1", binary="nova-compute", topic="compute")
    service.create()
    service.last_seen_up = timeutils.utcnow() - datetime.timedelta(hours=1)
    service.save()
    assert not Service.get_by_id(ctx, service.id).is_up()
    service.heartbeat()
    got = Service.get_by_host_and_binary(ctx, "h1", "nova-compute")
    assert got.report_count == 1
    assert got.is_up()
    service.destroy()
    with pytest.raises(exception.ServiceNotFound):
        Service.get_by_id(ctx, service.id)


# -- RequestSpec -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("swap", "disk_gb"),
    [(0, 15), (1, 16), (512, 16), (1024, 16), (1025, 17), (2048, 17)],
)
def test_request_spec_resources_rounds_swap_up_to_gib(swap, disk_gb):
    flavor = Flavor(
        id=1, flavorid="1", name="f", memory_mb=2048, vcpus=3, root_gb=10, ephemeral_gb=5, swap=swap
    )
    spec = RequestSpec(instance_uuid=uuidutils.generate_uuid(), flavor=flavor)
    assert spec.resources == {"vcpus": 3, "memory_mb": 2048, "disk_gb": disk_gb}


def test_request_spec_save_get_round_trip(db, ctx, make_instance):
    instance = make_instance(availability_zone="az1")
    spec = RequestSpec.from_instance(
        ctx,
        instance,
        num_instances=3,
        image={"id": "img", "min_ram": 0},
        scheduler_hints={"group": ["g1"]},
    )
    spec.save()
    assert spec.obj_what_changed() == set()
    got = RequestSpec.get_by_instance_uuid(ctx, instance.uuid)
    assert got.instance_uuid == instance.uuid
    assert got.project_id == instance.project_id
    assert got.flavor.flavorid == instance.flavor.flavorid
    assert got.image == {"id": "img", "min_ram": "0"}
    assert got.num_instances == 3
    assert got.availability_zone == "az1"
    assert got.scheduler_hints == {"group": ["g1"]}
    assert got.obj_what_changed() == set()
    assert got.resources == spec.resources

    got.num_instances = 1
    got.save()
    assert RequestSpec.get_by_instance_uuid(ctx, instance.uuid).num_instances == 1


def test_request_spec_from_instance_keeps_null_image_values(db, ctx, make_instance):
    spec = RequestSpec.from_instance(ctx, make_instance(), image={"id": "img", "checksum": None})
    assert spec.image == {"id": "img", "checksum": None}


# -- flavors, compute nodes and allocations through objects ------------------------------


def test_flavor_object_round_trip(db, ctx):
    flavor = Flavor(
        ctx,
        flavorid="p1",
        name="private",
        memory_mb=256,
        vcpus=1,
        is_public=False,
        extra_specs={"k": "v"},
        projects=["proj"],
    )
    flavor.create()
    got = Flavor.get_by_flavor_id(ctx, "p1")
    assert (got.id, got.extra_specs, got.projects, got.is_public) == (
        flavor.id,
        {"k": "v"},
        ["proj"],
        False,
    )
    assert [f.flavorid for f in FlavorList.get_all(ctx, is_public=None)] == ["p1"]
    got.destroy()
    with pytest.raises(exception.FlavorNotFound):
        Flavor.get_by_flavor_id(ctx, "p1")


def test_compute_node_and_allocations_objects(db, ctx, make_host):
    node = make_host("h1", vcpus=2, memory_mb=2048)
    node.vcpus_used = 1
    node.save()
    assert ComputeNode.get_by_id(ctx, node.uuid).vcpus_used == 1
    assert [n.uuid for n in ComputeNodeList.get_all(ctx, host="h1")] == [node.uuid]
    assert ComputeNodeList.get_all(ctx, host="other").objects == []

    consumer = uuidutils.generate_uuid()
    claim = dict(
        consumer_uuid=consumer, compute_node_uuid=node.uuid, vcpus=1, memory_mb=1024, disk_gb=1
    )
    assert Allocations.claim(ctx, [claim]) == []
    assert Allocations.usage_by_node(ctx)[node.uuid]["memory_mb"] == 1024
    Allocations.release(ctx, consumer)
    assert Allocations.usage_by_node(ctx) == {}


# -- serialisation -----------------------------------------------------------------------


def _through_json(value, context):
    serializer = objects_base.NovaLiteObjectSerializer()
    primitive = jsonutils.loads(jsonutils.dumps(serializer.serialize_entity(context, value)))
    return primitive, serializer.deserialize_entity(context, primitive)


def test_serializer_round_trip_instance(db, ctx, make_instance):
    instance = make_instance(metadata={"a": "b"}, host="h1", launched_at=timeutils.utcnow())
    instance = Instance.get_by_uuid(ctx, instance.uuid)
    primitive, back = _through_json(instance, ctx)

    assert primitive["nova_object.name"] == "Instance"
    assert primitive["nova_object.namespace"] == "nova_lite"
    assert isinstance(back, Instance)
    assert back is not instance
    assert back._context is ctx
    for name in ("uuid", "id", "host", "metadata", "vm_state", "task_state", "deleted"):
        assert getattr(back, name) == getattr(instance, name), name
    # oslo.versionedobjects sends datetimes as ISO 8601 to the second.
    assert back.created_at == instance.created_at.replace(microsecond=0)
    assert back.launched_at == instance.launched_at.replace(microsecond=0)
    assert back.launched_at.tzinfo is not None
    assert back.flavor.flavorid == instance.flavor.flavorid
    assert back.flavor.memory_mb == instance.flavor.memory_mb
    assert back.obj_what_changed() == set()


def test_serializer_keeps_pending_changes(ctx):
    flavor = Flavor(id=1, flavorid="1", name="f", memory_mb=1, vcpus=1)
    flavor.obj_reset_changes()
    flavor.memory_mb = 64
    _, back = _through_json(flavor, ctx)
    assert back.obj_what_changed() == {"memory_mb"}
    assert back.memory_mb == 64


def test_serializer_round_trip_lists_and_containers(db, ctx, make_instance):
    make_instance()
    make_instance()
    instances = InstanceList.get_by_filters(ctx, {})
    selection = Selection(
        service_host="h1",
        nodename="h1",
        compute_node_uuid=uuidutils.generate_uuid(),
        instance_uuid=uuidutils.generate_uuid(),
        availability_zone="nova",
    )
    _, back = _through_json({"list": instances, "picks": [selection], "n": 3}, ctx)
    assert isinstance(back["list"], InstanceList)
    assert [i.uuid for i in back["list"]] == [i.uuid for i in instances]
    # Compare values: the primitive's list of changed fields has no fixed order.
    picked = back["picks"][0]
    assert {f: getattr(picked, f) for f in Selection.fields} == {
        f: getattr(selection, f) for f in Selection.fields
    }
    assert back["n"] == 3


# -- indirection: objects proxied to the conductor ------------------------------------------


class LocalConductor:
    """An indirection API that does what an RPC call to the conductor does:
    arguments and results cross a JSON boundary through the serializer, and the
    conductor side runs ConductorManager with objects local (no indirection)."""

    def __init__(self):
        self.manager = ConductorManager()
        self.serializer = objects_base.NovaLiteObjectSerializer()
        self.calls: list[tuple] = []

    def _wire(self, context, value):
        primitive = jsonutils.loads(
            jsonutils.dumps(self.serializer.serialize_entity(context, value))
        )
        return self.serializer.deserialize_entity(context, primitive)

    def _remote(self, context, method, **kwargs):
        remote_ctx = nova_context.RequestContext.from_dict(context.to_dict())
        kwargs = {k: self._wire(remote_ctx, v) for k, v in kwargs.items()}
        saved = objects_base.NovaLiteObject.indirection_api
        objects_base.NovaLiteObject.indirection_api = None
        try:
            result = getattr(self.manager, method)(remote_ctx, **kwargs)
        except messaging.ExpectedException as wrapped:  # as the RPC dispatcher unwraps it
            raise wrapped.exc_info[1] from None
        finally:
            objects_base.NovaLiteObject.indirection_api = saved
        return self._wire(context, result)

    def object_class_action_versions(
        self, context, objname, objmethod, object_versions, args, kwargs
    ):
        self.calls.append(("object_class_action_versions", objname, objmethod))
        return self._remote(
            context,
            "object_class_action_versions",
            objname=objname,
            objmethod=objmethod,
            object_versions=object_versions,
            args=args,
            kwargs=kwargs,
        )

    def object_action(self, context, objinst, objmethod, args, kwargs):
        self.calls.append(("object_action", objinst.obj_name(), objmethod))
        return self._remote(
            context, "object_action", objinst=objinst, objmethod=objmethod, args=args, kwargs=kwargs
        )


@pytest.fixture
def conductor():
    fake = LocalConductor()
    objects_base.NovaLiteObject.indirection_api = fake
    try:
        yield fake
    finally:
        objects_base.NovaLiteObject.indirection_api = None


def test_indirection_get_by_uuid_goes_through_conductor(db, ctx, make_instance, conductor):
    objects_base.NovaLiteObject.indirection_api = None
    created = make_instance(metadata={"a": "1"})
    objects_base.NovaLiteObject.indirection_api = conductor

    instance = Instance.get_by_uuid(ctx, created.uuid)

    assert conductor.calls == [("object_class_action_versions", "Instance", "get_by_uuid")]
    assert isinstance(instance, Instance)
    assert instance.uuid == created.uuid
    assert instance.metadata == {"a": "1"}
    assert instance.flavor.flavorid == created.flavor.flavorid
    assert instance._context is ctx


def test_indirection_save_updates_object_from_conductor(db, ctx, make_instance, conductor):
    objects_base.NovaLiteObject.indirection_api = None
    instance = make_instance()
    assert instance.updated_at is None
    objects_base.NovaLiteObject.indirection_api = conductor

    instance.task_state = task_states.SPAWNING
    instance.host = "h1"
    instance.save(expected_task_state=[task_states.SCHEDULING])

    assert conductor.calls == [("object_action", "Instance", "save")]
    # Written by the conductor...
    raw = _raw_instance(db, instance.uuid)
    assert (raw.task_state, raw.host) == (task_states.SPAWNING, "h1")
    # ...and the conductor's view (updated_at set by the database) came back.
    assert instance.updated_at is not None
    assert instance.updated_at.replace(tzinfo=None) == raw.updated_at.replace(microsecond=0)
    assert instance.obj_what_changed() == set()


def test_indirection_save_race_raises_through_conductor(db, ctx, make_instance, conductor):
    objects_base.NovaLiteObject.indirection_api = None
    instance = make_instance(task_state=task_states.DELETING)
    objects_base.NovaLiteObject.indirection_api = conductor
    instance.task_state = task_states.SPAWNING
    with pytest.raises(exception.UnexpectedDeletingTaskStateError):
        instance.save(expected_task_state=[task_states.SCHEDULING])
    assert _raw_instance(db, instance.uuid).task_state == task_states.DELETING


def test_indirection_destroy_brings_back_deleted_fields(db, ctx, make_instance, conductor):
    objects_base.NovaLiteObject.indirection_api = None
    instance = make_instance(task_state=task_states.DELETING)
    objects_base.NovaLiteObject.indirection_api = conductor
    instance.vm_state = vm_states.DELETED
    instance.destroy(expected_task_state=[task_states.DELETING])
    assert conductor.calls == [("object_action", "Instance", "destroy")]
    assert instance.deleted is True
    assert instance.deleted_at is not None
    assert _raw_instance(db, instance.uuid).deleted != 0


def test_indirection_class_action_returning_plain_values(db, ctx, make_host, conductor):
    objects_base.NovaLiteObject.indirection_api = None
    node = make_host("h1")
    objects_base.NovaLiteObject.indirection_api = conductor
    consumer = uuidutils.generate_uuid()
    claim = dict(
        consumer_uuid=consumer, compute_node_uuid=node.uuid, vcpus=1, memory_mb=1, disk_gb=1
    )
    assert Allocations.claim(ctx, [claim]) == []
    usage = Allocations.usage_by_node(ctx)
    assert usage[node.uuid]["instances"] == 1
    assert [c[2] for c in conductor.calls] == ["claim", "usage_by_node"]
