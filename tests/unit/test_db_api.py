"""Queries of nova_lite.db.api against a migrated SQLite database."""

from __future__ import annotations

import datetime

import pytest
from oslo_utils import timeutils, uuidutils
from sqlalchemy import select

from nova_lite import exception
from nova_lite.db import models
from tests.unit.conftest import admin_context, user_context


def _instance(db, ctx, **values):
    values.setdefault("uuid", uuidutils.generate_uuid())
    values.setdefault("project_id", "p1")
    values.setdefault("user_id", "u1")
    values.setdefault("vm_state", "active")
    return db.instance_create(ctx, values)


def _node(db, ctx, **values):
    values.setdefault("host", "host1")
    values.setdefault("hypervisor_hostname", values["host"])
    values.setdefault("hypervisor_type", "fake")
    values.setdefault("vcpus", 4)
    values.setdefault("memory_mb", 4096)
    values.setdefault("local_gb", 100)
    return db.compute_node_create(ctx, values)


def _claim(consumer, node, vcpus=1, memory_mb=1024, disk_gb=10):
    return {
        "consumer_uuid": consumer,
        "compute_node_uuid": node,
        "vcpus": vcpus,
        "memory_mb": memory_mb,
        "disk_gb": disk_gb,
    }


def _raw_instance(db, uuid):
    with db.get_engine().connect() as connection:
        return connection.execute(select(models.Instance).where(models.Instance.uuid == uuid)).one()


@pytest.fixture
def ctx():
    return admin_context()


# -- instances: create, get, soft delete ---------------------------------------


def test_instance_create_and_get(db, ctx):
    row = _instance(db, ctx, display_name="web", metadata={"a": "1"}, system_metadata={"s": "x"})
    assert row.id is not None
    assert row.deleted == 0
    assert row.created_at is not None
    got = db.instance_get_by_uuid(ctx, row.uuid)
    assert got.display_name == "web"
    assert {m.key: m.value for m in got.metadata_items} == {"a": "1"}
    assert {m.key: m.value for m in got.system_metadata_items} == {"s": "x"}


def test_instance_get_unknown_raises_not_found(db, ctx):
    with pytest.raises(exception.InstanceNotFound):
        db.instance_get_by_uuid(ctx, uuidutils.generate_uuid())


def test_instance_destroy_soft_deletes(db, ctx):
    row = _instance(db, ctx, metadata={"a": "1"})
    db.instance_destroy(ctx, row.uuid)

    raw = _raw_instance(db, row.uuid)
    assert raw.deleted == raw.id
    assert raw.deleted_at is not None
    with pytest.raises(exception.InstanceNotFound):
        db.instance_get_by_uuid(ctx, row.uuid)
    deleted = db.instance_get_by_uuid(admin_context(read_deleted="yes"), row.uuid)
    assert deleted.deleted == deleted.id
    # Metadata went with the instance.
    with db.get_engine().connect() as connection:
        live_meta = connection.execute(
            select(models.InstanceMetadata).where(
                models.InstanceMetadata.instance_uuid == row.uuid,
                models.InstanceMetadata.deleted == 0,
            )
        ).all()
    assert live_meta == []


def test_instance_read_deleted_only(db, ctx):
    live = _instance(db, ctx)
    gone = _instance(db, ctx)
    db.instance_destroy(ctx, gone.uuid)
    only = admin_context(read_deleted="only")
    assert db.instance_get_by_uuid(only, gone.uuid).uuid == gone.uuid
    with pytest.raises(exception.InstanceNotFound):
        db.instance_get_by_uuid(only, live.uuid)


def test_instance_destroy_writes_values_and_drops_allocation(db, ctx):
    node = _node(db, ctx)
    row = _instance(db, ctx, task_state="deleting")
    assert db.allocation_claim(ctx, [_claim(row.uuid, node.uuid)]) == []
    destroyed = db.instance_destroy(
        ctx, row.uuid, {"vm_state": "deleted", "task_state": None}, expected_task_state=["deleting"]
    )
    assert destroyed.vm_state == "deleted"
    assert destroyed.deleted == destroyed.id
    assert db.allocation_usage_by_node(ctx) == {}


def test_instance_destroy_expected_task_state_mismatch_keeps_row(db, ctx):
    row = _instance(db, ctx, task_state=None)
    with pytest.raises(exception.UnexpectedTaskStateError):
        db.instance_destroy(ctx, row.uuid, expected_task_state=["deleting"])
    assert db.instance_get_by_uuid(ctx, row.uuid).deleted == 0


def test_instance_destroy_twice_raises_not_found(db, ctx):
    row = _instance(db, ctx)
    db.instance_destroy(ctx, row.uuid)
    with pytest.raises(exception.InstanceNotFound):
        db.instance_destroy(ctx, row.uuid)


# -- compare-and-swap ---------------------------------------------------------


def test_update_expected_task_state_matches(db, ctx):
    row = _instance(db, ctx, task_state="scheduling")
    updated = db.instance_update(
        ctx, row.uuid, {"task_state": "spawning", "host": "h1"}, {"task_state": ["scheduling"]}
    )
    assert updated.task_state == "spawning"
    assert updated.host == "h1"
    assert updated.updated_at is not None
    assert _raw_instance(db, row.uuid).task_state == "spawning"


def test_update_expected_task_state_mismatch_writes_nothing(db, ctx):
    row = _instance(db, ctx, task_state="rebooting", metadata={"k": "v"})
    with pytest.raises(exception.UnexpectedTaskStateError) as info:
        db.instance_update(
            ctx,
            row.uuid,
            {"task_state": "spawning", "display_name": "changed", "metadata": {"new": "1"}},
            {"task_state": ["scheduling"]},
        )
    assert not isinstance(info.value, exception.UnexpectedDeletingTaskStateError)
    assert info.value.code == 409
    assert "rebooting" in info.value.format_message()
    raw = _raw_instance(db, row.uuid)
    assert raw.task_state == "rebooting"
    assert raw.display_name == row.display_name
    got = db.instance_get_by_uuid(ctx, row.uuid)
    assert {m.key: m.value for m in got.metadata_items} == {"k": "v"}


def test_update_actual_deleting_raises_deleting_variant(db, ctx):
    row = _instance(db, ctx, task_state="deleting")
    with pytest.raises(exception.UnexpectedDeletingTaskStateError):
        db.instance_update(ctx, row.uuid, {"vm_state": "active"}, {"task_state": ["spawning"]})
    assert _raw_instance(db, row.uuid).vm_state == "active"
    assert _raw_instance(db, row.uuid).task_state == "deleting"


def test_update_expected_none(db, ctx):
    idle = _instance(db, ctx, task_state=None)
    busy = _instance(db, ctx, task_state="rebooting")
    row = db.instance_update(ctx, idle.uuid, {"task_state": "pausing"}, {"task_state": [None]})
    assert row.task_state == "pausing"
    with pytest.raises(exception.UnexpectedTaskStateError):
        db.instance_update(ctx, busy.uuid, {"task_state": "pausing"}, {"task_state": [None]})
    assert _raw_instance(db, busy.uuid).task_state == "rebooting"


def test_update_expected_none_or_value(db, ctx):
    row = _instance(db, ctx, task_state="scheduling")
    updated = db.instance_update(
        ctx, row.uuid, {"vm_state": "error"}, {"task_state": ["scheduling", None]}
    )
    assert updated.vm_state == "error"


def test_update_expected_scalar_and_vm_state(db, ctx):
    row = _instance(db, ctx, vm_state="active", task_state=None)
    with pytest.raises(exception.UnexpectedTaskStateError):
        db.instance_update(ctx, row.uuid, {"task_state": "powering-off"}, {"vm_state": "stopped"})
    updated = db.instance_update(
        ctx, row.uuid, {"task_state": "powering-off"}, {"vm_state": "active"}
    )
    assert updated.task_state == "powering-off"


def test_update_deleted_instance_raises_not_found(db, ctx):
    row = _instance(db, ctx)
    db.instance_destroy(ctx, row.uuid)
    with pytest.raises(exception.InstanceNotFound):
        db.instance_update(ctx, row.uuid, {"display_name": "x"})


def test_metadata_update_replaces_the_whole_dict(db, ctx):
    row = _instance(db, ctx, metadata={"a": "1", "b": "2"})
    updated = db.instance_update(ctx, row.uuid, {"metadata": {"b": "3"}})
    assert {m.key: m.value for m in updated.metadata_items} == {"b": "3"}
    # Without a metadata key the dict is kept.
    updated = db.instance_update(ctx, row.uuid, {"display_name": "n"})
    assert {m.key: m.value for m in updated.metadata_items} == {"b": "3"}
    # An empty dict clears it.
    updated = db.instance_update(ctx, row.uuid, {"metadata": {}})
    assert updated.metadata_items == []


# -- listing: filters, sort, pagination --------------------------------------------


def test_filters_project_host_and_vm_state_list(db, ctx):
    a = _instance(db, ctx, project_id="p1", host="h1", vm_state="active")
    b = _instance(db, ctx, project_id="p1", host="h2", vm_state="error")
    c = _instance(db, ctx, project_id="p1", host="h1", vm_state="stopped")
    _instance(db, ctx, project_id="p2", host="h1", vm_state="active")

    def uuids(filters):
        return {r.uuid for r in db.instance_get_all_by_filters(ctx, filters)}

    assert uuids({"project_id": "p1"}) == {a.uuid, b.uuid, c.uuid}
    assert uuids({"project_id": "p1", "host": "h1"}) == {a.uuid, c.uuid}
    assert uuids({"project_id": "p1", "vm_state": ["active", "error"]}) == {a.uuid, b.uuid}
    assert uuids({"project_id": "p1", "vm_state": "stopped"}) == {c.uuid}


def test_filters_exclude_deleted_unless_asked(db, ctx):
    live = _instance(db, ctx)
    gone = _instance(db, ctx)
    db.instance_destroy(ctx, gone.uuid)
    assert [r.uuid for r in db.instance_get_all_by_filters(ctx, {})] == [live.uuid]
    assert [r.uuid for r in db.instance_get_all_by_filters(ctx, {"deleted": True})] == [gone.uuid]
    assert {
        r.uuid for r in db.instance_get_all_by_filters(admin_context(read_deleted="yes"), {})
    } == {
        live.uuid,
        gone.uuid,
    }


def test_filter_name_is_a_regex(db, ctx):
    web1 = _instance(db, ctx, display_name="web-1")
    web2 = _instance(db, ctx, display_name="web-2")
    _instance(db, ctx, display_name="db-1")
    _instance(db, ctx, display_name=None)
    found = db.instance_get_all_by_filters(ctx, {"name": "^web-"})
    assert {r.uuid for r in found} == {web1.uuid, web2.uuid}
    found = db.instance_get_all_by_filters(ctx, {"name": "b-2"})
    assert {r.uuid for r in found} == {web2.uuid}


def test_filter_changes_since(db, ctx):
    old = _instance(db, ctx)
    new = _instance(db, ctx)
    db.instance_update(ctx, old.uuid, {"updated_at": datetime.datetime(2020, 1, 1)})
    db.instance_update(ctx, new.uuid, {"display_name": "touched"})
    since = timeutils.utcnow() - datetime.timedelta(minutes=5)
    found = db.instance_get_all_by_filters(ctx, {"changes-since": since})
    assert [r.uuid for r in found] == [new.uuid]


def test_filter_changes_since_with_timezone_offset(db, ctx):
    row = _instance(db, ctx)
    row = db.instance_update(ctx, row.uuid, {"display_name": "touched"})
    # One hour before the update, written in UTC+02:00 (what parse_isotime returns
    # for "...+02:00" in ?changes-since=).
    since = (
        (row.updated_at - datetime.timedelta(hours=1))
        .replace(tzinfo=datetime.UTC)
        .astimezone(datetime.timezone(datetime.timedelta(hours=2)))
    )
    found = db.instance_get_all_by_filters(ctx, {"changes-since": since})
    assert [r.uuid for r in found] == [row.uuid]


def test_default_sort_is_newest_first(db, ctx):
    rows = [_instance(db, ctx) for _ in range(3)]
    found = db.instance_get_all_by_filters(ctx, {})
    assert [r.uuid for r in found] == [r.uuid for r in reversed(rows)]


def test_sort_keys_and_dirs(db, ctx):
    b = _instance(db, ctx, display_name="b", host="h1")
    a = _instance(db, ctx, display_name="a", host="h2")
    c = _instance(db, ctx, display_name="c", host="h1")
    found = db.instance_get_all_by_filters(ctx, {}, sort_keys=["display_name"], sort_dirs=["asc"])
    assert [r.uuid for r in found] == [a.uuid, b.uuid, c.uuid]
    found = db.instance_get_all_by_filters(
        ctx, {}, sort_keys=["host", "display_name"], sort_dirs=["asc", "desc"]
    )
    assert [r.uuid for r in found] == [c.uuid, b.uuid, a.uuid]


def test_sort_text_column_with_empty_string(db, ctx):
    empty = _instance(db, ctx, user_data="")
    text = _instance(db, ctx, user_data="abc")
    found = db.instance_get_all_by_filters(ctx, {}, sort_keys=["user_data"], sort_dirs=["asc"])
    assert [r.uuid for r in found] == [empty.uuid, text.uuid]


def test_unknown_sort_key_is_invalid(db, ctx):
    _instance(db, ctx)
    with pytest.raises(exception.Invalid):
        db.instance_get_all_by_filters(ctx, {}, sort_keys=["bogus"], sort_dirs=["asc"])


def test_sort_puts_null_first_ascending_as_mysql_does(db, ctx):
    placed = _instance(db, ctx, host="h1")
    unplaced = _instance(db, ctx, host=None)
    found = db.instance_get_all_by_filters(ctx, {}, sort_keys=["host"], sort_dirs=["asc"])
    assert [r.uuid for r in found] == [unplaced.uuid, placed.uuid]
    found = db.instance_get_all_by_filters(ctx, {}, sort_keys=["host"], sort_dirs=["desc"])
    assert [r.uuid for r in found] == [placed.uuid, unplaced.uuid]


def test_limit_and_marker(db, ctx):
    rows = [_instance(db, ctx, display_name=f"s{i}") for i in range(5)]
    sort = {"sort_keys": ["display_name"], "sort_dirs": ["asc"]}
    page1 = db.instance_get_all_by_filters(ctx, {}, limit=2, **sort)
    assert [r.uuid for r in page1] == [rows[0].uuid, rows[1].uuid]
    page2 = db.instance_get_all_by_filters(ctx, {}, limit=2, marker=page1[-1].uuid, **sort)
    assert [r.uuid for r in page2] == [rows[2].uuid, rows[3].uuid]
    page3 = db.instance_get_all_by_filters(ctx, {}, limit=2, marker=page2[-1].uuid, **sort)
    assert [r.uuid for r in page3] == [rows[4].uuid]
    assert db.instance_get_all_by_filters(ctx, {}, limit=0) == []


def test_bad_marker_is_invalid_request(db, ctx):
    _instance(db, ctx)
    with pytest.raises(exception.InvalidRequest) as info:
        db.instance_get_all_by_filters(ctx, {}, marker=uuidutils.generate_uuid())
    assert info.value.code == 400


def test_marker_outside_the_filter_is_invalid(db, ctx):
    mine = _instance(db, ctx, project_id="p1")
    theirs = _instance(db, ctx, project_id="p2")
    assert db.instance_get_all_by_filters(ctx, {"project_id": "p1"}, marker=mine.uuid) == []
    with pytest.raises(exception.InvalidRequest):
        db.instance_get_all_by_filters(ctx, {"project_id": "p1"}, marker=theirs.uuid)


def test_filters_by_tags(db, ctx):
    ab = _instance(db, ctx, tags=["a", "b"])
    a = _instance(db, ctx, tags=["a"])
    none = _instance(db, ctx)

    def uuids(filters):
        return {r.uuid for r in db.instance_get_all_by_filters(ctx, filters)}

    assert uuids({"tags": ["a", "b"]}) == {ab.uuid}
    assert uuids({"tags-any": ["b", "x"]}) == {ab.uuid}
    assert uuids({"not-tags": ["a", "b"]}) == {a.uuid, none.uuid}
    assert uuids({"not-tags-any": ["a"]}) == {none.uuid}
    row = db.instance_get_all_by_filters(ctx, {"uuid": ab.uuid}, columns_to_join=["tags"])[0]
    assert [t.tag for t in row.tag_rows] == ["a", "b"]


def test_filter_changes_before_and_regex_columns(db, ctx):
    old = _instance(db, ctx, node="node-1", hostname="web")
    new = _instance(db, ctx, node="node-2", hostname="db")
    db.instance_update(ctx, old.uuid, {"updated_at": datetime.datetime(2020, 1, 1)})
    db.instance_update(ctx, new.uuid, {"display_name": "touched"})
    before = datetime.datetime(2021, 1, 1)
    found = db.instance_get_all_by_filters(ctx, {"changes-before": before})
    assert [r.uuid for r in found] == [old.uuid]
    assert [r.uuid for r in db.instance_get_all_by_filters(ctx, {"node": "-2$"})] == [new.uuid]
    assert [r.uuid for r in db.instance_get_all_by_filters(ctx, {"hostname": "^w"})] == [old.uuid]


def test_live_listing_leaves_out_soft_deleted(db, ctx):
    live = _instance(db, ctx)
    soft = _instance(db, ctx, vm_state="soft-delete")
    assert [r.uuid for r in db.instance_get_all_by_filters(ctx, {"deleted": False})] == [live.uuid]
    found = db.instance_get_all_by_filters(ctx, {"deleted": True, "soft_deleted": True})
    assert [r.uuid for r in found] == [soft.uuid]


def test_tags_add_set_delete(db, ctx):
    row = _instance(db, ctx)
    assert db.tag_get_by_resource_id(ctx, row.uuid) == []
    db.tag_add(ctx, row.uuid, "b")
    db.tag_add(ctx, row.uuid, "b")
    assert [t.tag for t in db.tag_set(ctx, row.uuid, ["c", "a", "c"])] == ["a", "c"]
    assert db.tag_exists(ctx, row.uuid, "a") and not db.tag_exists(ctx, row.uuid, "b")
    db.tag_delete(ctx, row.uuid, "a")
    with pytest.raises(exception.InstanceTagNotFound):
        db.tag_delete(ctx, row.uuid, "a")
    db.instance_destroy(ctx, row.uuid)
    with pytest.raises(exception.InstanceNotFound):
        db.tag_get_by_resource_id(ctx, row.uuid)
    with db.get_engine().connect() as connection:
        assert connection.execute(select(models.Tag)).all() == []


# -- services -------------------------------------------------------------------


def test_service_create_duplicate_raises_service_exists(db, ctx):
    db.service_create(ctx, {"host": "h1", "binary": "nova-compute", "topic": "compute"})
    with pytest.raises(exception.ServiceExists):
        db.service_create(ctx, {"host": "h1", "binary": "nova-compute", "topic": "compute"})
    # Another binary on the same host is fine.
    db.service_create(ctx, {"host": "h1", "binary": "nova-scheduler"})
    assert len(db.service_get_all(ctx)) == 2


def test_service_recreate_after_delete(db, ctx):
    row = db.service_create(ctx, {"host": "h1", "binary": "nova-compute"})
    db.service_destroy(ctx, row.id)
    with pytest.raises(exception.ServiceNotFound):
        db.service_get(ctx, row.id)
    with pytest.raises(exception.ComputeHostNotFound):
        db.service_get_by_host_and_binary(ctx, "h1", "nova-compute")
    again = db.service_create(ctx, {"host": "h1", "binary": "nova-compute"})
    assert db.service_get_by_host_and_binary(ctx, "h1", "nova-compute").id == again.id
    assert db.service_get(ctx, again.uuid).id == again.id


def test_service_get_all_filters(db, ctx):
    db.service_create(ctx, {"host": "h1", "binary": "nova-compute"})
    db.service_create(ctx, {"host": "h2", "binary": "nova-compute", "disabled": True})
    db.service_create(ctx, {"host": "h1", "binary": "nova-conductor"})
    assert len(db.service_get_all(ctx, binary="nova-compute")) == 2
    assert [s.host for s in db.service_get_all(ctx, binary="nova-compute", disabled=False)] == [
        "h1"
    ]
    assert {s.binary for s in db.service_get_all(ctx, host="h1")} == {
        "nova-compute",
        "nova-conductor",
    }


# -- flavors -----------------------------------------------------------------------


def _flavor(db, ctx, flavorid, name=None, memory_mb=512, is_public=True, projects=None, **kw):
    values = {
        "flavorid": flavorid,
        "name": name or f"flavor-{flavorid}",
        "memory_mb": memory_mb,
        "vcpus": kw.pop("vcpus", 1),
        "root_gb": kw.pop("root_gb", 1),
        "is_public": is_public,
        **kw,
    }
    return db.flavor_create(ctx, values, projects=projects)


def test_flavor_create_duplicate_id_or_name(db, ctx):
    _flavor(db, ctx, "1", name="tiny")
    with pytest.raises(exception.FlavorExists) as info:
        _flavor(db, ctx, "1", name="other")
    assert "ID 1" in info.value.format_message()
    with pytest.raises(exception.FlavorExists) as info:
        _flavor(db, ctx, "2", name="tiny")
    assert "name tiny" in info.value.format_message()
    assert [f.flavorid for f in db.flavor_get_all(ctx, is_public=None)] == ["1"]


def test_flavor_extra_specs_and_get(db, ctx):
    db.flavor_create(
        ctx,
        {"flavorid": "x", "name": "x", "memory_mb": 64, "vcpus": 1},
        extra_specs={"hw:cpu_policy": "dedicated"},
    )
    row = db.flavor_get_by_flavor_id(ctx, "x")
    assert {s.key: s.value for s in row.extra_specs} == {"hw:cpu_policy": "dedicated"}
    with pytest.raises(exception.FlavorNotFound):
        db.flavor_get_by_flavor_id(ctx, "missing")


def test_private_flavor_visibility(db, ctx):
    _flavor(db, ctx, "pub")
    _flavor(db, ctx, "mine", is_public=False, projects=["p1"])
    _flavor(db, ctx, "theirs", is_public=False, projects=["p2"])
    member = user_context(project_id="p1")

    assert db.flavor_get_by_flavor_id(member, "mine").flavorid == "mine"
    with pytest.raises(exception.FlavorNotFound):
        db.flavor_get_by_flavor_id(member, "theirs")
    assert db.flavor_get_by_flavor_id(ctx, "theirs").flavorid == "theirs"

    def ids(context, **kwargs):
        return [f.flavorid for f in db.flavor_get_all(context, **kwargs)]

    assert ids(member) == ["mine", "pub"]
    assert ids(member, is_public=False) == ["mine"]
    assert ids(member, is_public=None) == ["mine", "pub"]
    assert ids(ctx) == ["pub"]
    assert ids(ctx, is_public=False) == ["mine", "theirs"]
    assert ids(ctx, is_public=None) == ["mine", "pub", "theirs"]


def test_flavor_get_all_min_filters_sort_limit_marker(db, ctx):
    _flavor(db, ctx, "a", memory_mb=2048, root_gb=20)
    _flavor(db, ctx, "b", memory_mb=512, root_gb=5)
    _flavor(db, ctx, "c", memory_mb=1024, root_gb=40)
    _flavor(db, ctx, "d", memory_mb=4096, root_gb=10)

    def ids(**kwargs):
        return [f.flavorid for f in db.flavor_get_all(ctx, **kwargs)]

    assert ids(min_memory_mb=1024) == ["a", "c", "d"]
    assert ids(min_root_gb=20) == ["a", "c"]
    assert ids(sort_key="memory_mb") == ["b", "c", "a", "d"]
    assert ids(sort_key="memory_mb", sort_dir="desc") == ["d", "a", "c", "b"]
    assert ids(sort_key="memory_mb", limit=2) == ["b", "c"]
    assert ids(sort_key="memory_mb", limit=2, marker="c") == ["a", "d"]
    with pytest.raises(exception.MarkerNotFound):
        ids(marker="nope")


def test_flavor_sort_on_nullable_column(db, ctx):
    _flavor(db, ctx, "a", description="second")
    _flavor(db, ctx, "b", description=None)
    _flavor(db, ctx, "c", description="first")
    found = [f.flavorid for f in db.flavor_get_all(ctx, sort_key="description")]
    assert sorted(found) == ["a", "b", "c"]
    assert found.index("c") < found.index("a")


def test_flavor_destroy(db, ctx):
    db.flavor_create(
        ctx,
        {"flavorid": "gone", "name": "flavor-gone", "memory_mb": 64, "vcpus": 1},
        extra_specs={"k": "v"},
        projects=["p1"],
    )
    db.flavor_destroy(ctx, "gone")
    with db.get_engine().connect() as connection:
        assert connection.execute(select(models.FlavorExtraSpec)).all() == []
        assert connection.execute(select(models.FlavorProject)).all() == []
    with pytest.raises(exception.FlavorNotFound):
        db.flavor_get_by_flavor_id(ctx, "gone")
    with pytest.raises(exception.FlavorNotFound):
        db.flavor_destroy(ctx, "gone")
    # The name and id are free again.
    _flavor(db, ctx, "gone")


# -- allocations -------------------------------------------------------------------------


def test_allocation_claim_fits(db, ctx):
    node = _node(db, ctx)
    c1, c2 = uuidutils.generate_uuid(), uuidutils.generate_uuid()
    failed = db.allocation_claim(
        ctx, [_claim(c1, node.uuid, 2, 2048, 50), _claim(c2, node.uuid, 2, 2048, 50)]
    )
    assert failed == []
    assert db.allocation_usage_by_node(ctx) == {
        node.uuid: {"vcpus": 4, "memory_mb": 4096, "disk_gb": 100, "instances": 2}
    }


def test_allocation_claim_over_capacity_fails_that_consumer_only(db, ctx):
    node = _node(db, ctx, vcpus=4, memory_mb=4096)
    ok, too_much = uuidutils.generate_uuid(), uuidutils.generate_uuid()
    failed = db.allocation_claim(
        ctx, [_claim(ok, node.uuid, 1, 3000, 1), _claim(too_much, node.uuid, 1, 1200, 1)]
    )
    assert failed == [too_much]
    usage = db.allocation_usage_by_node(ctx)[node.uuid]
    assert usage["memory_mb"] == 3000
    assert usage["instances"] == 1


def test_allocation_claim_uses_ratios_and_reserved_memory(db, ctx):
    # memory: (4096 - 1024) * 1.5 = 4608 MB; vcpus: 2 * 4.0 = 8; disk: (100 - 10) * 1.0 = 90
    node = _node(
        db,
        ctx,
        vcpus=2,
        memory_mb=4096,
        local_gb=100,
        cpu_allocation_ratio=4.0,
        ram_allocation_ratio=1.5,
        reserved_host_memory_mb=1024,
        reserved_host_disk_mb=10 * 1024,
    )
    u = [uuidutils.generate_uuid() for _ in range(6)]
    assert db.allocation_claim(ctx, [_claim(u[0], node.uuid, 8, 4608, 90)]) == []
    # Any one more unit of any resource is too much.
    assert db.allocation_claim(ctx, [_claim(u[1], node.uuid, 1, 0, 0)]) == [u[1]]
    assert db.allocation_claim(ctx, [_claim(u[2], node.uuid, 0, 1, 0)]) == [u[2]]
    assert db.allocation_claim(ctx, [_claim(u[3], node.uuid, 0, 0, 1)]) == [u[3]]
    usage = db.allocation_usage_by_node(ctx)[node.uuid]
    assert usage == {"vcpus": 8, "memory_mb": 4608, "disk_gb": 90, "instances": 1}


def test_allocation_claim_reserved_memory_without_overcommit(db, ctx):
    node = _node(db, ctx, memory_mb=4096, reserved_host_memory_mb=512)
    big, fits = uuidutils.generate_uuid(), uuidutils.generate_uuid()
    assert db.allocation_claim(ctx, [_claim(big, node.uuid, 1, 4096, 1)]) == [big]
    assert db.allocation_claim(ctx, [_claim(fits, node.uuid, 1, 3584, 1)]) == []


def test_allocation_claim_unknown_node_fails(db, ctx):
    consumer = uuidutils.generate_uuid()
    assert db.allocation_claim(ctx, [_claim(consumer, uuidutils.generate_uuid())]) == [consumer]
    assert db.allocation_usage_by_node(ctx) == {}


def test_allocation_claim_ignores_deleted_node(db, ctx):
    node = _node(db, ctx)
    with db.get_engine().begin() as connection:
        connection.execute(
            models.ComputeNode.__table__.update()
            .where(models.ComputeNode.id == node.id)
            .values(deleted=node.id)
        )
    consumer = uuidutils.generate_uuid()
    assert db.allocation_claim(ctx, [_claim(consumer, node.uuid)]) == [consumer]


def test_allocation_reclaim_moves_consumer(db, ctx):
    node1 = _node(db, ctx, host="h1")
    node2 = _node(db, ctx, host="h2")
    consumer = uuidutils.generate_uuid()
    assert db.allocation_claim(ctx, [_claim(consumer, node1.uuid, 1, 1024, 10)]) == []
    assert db.allocation_claim(ctx, [_claim(consumer, node2.uuid, 2, 2048, 20)]) == []
    usage = db.allocation_usage_by_node(ctx)
    assert node1.uuid not in usage
    assert usage[node2.uuid] == {"vcpus": 2, "memory_mb": 2048, "disk_gb": 20, "instances": 1}


def test_allocation_reclaim_same_node_replaces_not_adds(db, ctx):
    node = _node(db, ctx, vcpus=4, memory_mb=4096)
    consumer = uuidutils.generate_uuid()
    assert db.allocation_claim(ctx, [_claim(consumer, node.uuid, 1, 1024, 10)]) == []
    assert db.allocation_claim(ctx, [_claim(consumer, node.uuid, 2, 2048, 10)]) == []
    assert db.allocation_usage_by_node(ctx)[node.uuid] == {
        "vcpus": 2,
        "memory_mb": 2048,
        "disk_gb": 10,
        "instances": 1,
    }


def test_allocation_reclaim_same_node_near_capacity(db, ctx):
    node = _node(db, ctx, vcpus=4, memory_mb=4096)
    consumer = uuidutils.generate_uuid()
    assert db.allocation_claim(ctx, [_claim(consumer, node.uuid, 1, 3000, 10)]) == []
    # Replacing 3000 MB by 3000 MB on a 4096 MB node fits.
    assert db.allocation_claim(ctx, [_claim(consumer, node.uuid, 1, 3000, 10)]) == []
    assert db.allocation_usage_by_node(ctx)[node.uuid]["memory_mb"] == 3000


def test_allocation_refused_reclaim_keeps_old_allocation(db, ctx):
    node = _node(db, ctx, vcpus=4, memory_mb=4096)
    consumer = uuidutils.generate_uuid()
    assert db.allocation_claim(ctx, [_claim(consumer, node.uuid, 1, 1000, 10)]) == []
    assert db.allocation_claim(ctx, [_claim(consumer, node.uuid, 1, 5000, 10)]) == [consumer]
    assert db.allocation_usage_by_node(ctx).get(node.uuid, {}).get("memory_mb") == 1000


def test_allocation_delete(db, ctx):
    node = _node(db, ctx)
    keep, drop = uuidutils.generate_uuid(), uuidutils.generate_uuid()
    db.allocation_claim(ctx, [_claim(keep, node.uuid), _claim(drop, node.uuid)])
    db.allocation_delete(ctx, drop)
    db.allocation_delete(ctx, uuidutils.generate_uuid())  # unknown: no error
    assert db.allocation_usage_by_node(ctx)[node.uuid]["instances"] == 1


def test_allocation_usage_by_node_groups_per_node(db, ctx):
    node1 = _node(db, ctx, host="h1")
    node2 = _node(db, ctx, host="h2")
    _node(db, ctx, host="h3")
    claims = [
        _claim(uuidutils.generate_uuid(), node1.uuid, 1, 100, 1),
        _claim(uuidutils.generate_uuid(), node1.uuid, 2, 200, 2),
        _claim(uuidutils.generate_uuid(), node2.uuid, 3, 300, 3),
    ]
    assert db.allocation_claim(ctx, claims) == []
    assert db.allocation_usage_by_node(ctx) == {
        node1.uuid: {"vcpus": 3, "memory_mb": 300, "disk_gb": 3, "instances": 2},
        node2.uuid: {"vcpus": 3, "memory_mb": 300, "disk_gb": 3, "instances": 1},
    }


# -- faults, actions, request specs --------------------------------------------------


def test_instance_fault_latest(db, ctx):
    row = _instance(db, ctx)
    assert db.instance_fault_get_latest(ctx, row.uuid) is None
    db.instance_fault_create(ctx, {"instance_uuid": row.uuid, "code": 500, "message": "first"})
    db.instance_fault_create(ctx, {"instance_uuid": row.uuid, "code": 409, "message": "second"})
    assert db.instance_fault_get_latest(ctx, row.uuid).message == "second"


def test_action_events(db):
    ctx = admin_context(request_id="req-1")
    row = _instance(db, ctx)
    action = db.action_start(
        ctx, {"action": "create", "instance_uuid": row.uuid, "request_id": "req-1"}
    )
    db.action_event_start(ctx, {"instance_uuid": row.uuid, "request_id": "req-1", "event": "e1"})
    db.action_event_finish(
        ctx,
        {"instance_uuid": row.uuid, "request_id": "req-1", "event": "e1", "result": "Error"},
    )
    events = db.action_events_get(ctx, action.id)
    assert [(e.event, e.result) for e in events] == [("e1", "Error")]
    assert db.action_get_by_request_id(ctx, row.uuid, "req-1").message == "Error"
    with pytest.raises(exception.NotFound):
        db.action_event_start(
            ctx, {"instance_uuid": row.uuid, "request_id": "other", "event": "e2"}
        )


def test_request_spec_upsert(db, ctx):
    uuid = uuidutils.generate_uuid()
    with pytest.raises(exception.NotFound):
        db.request_spec_get(ctx, uuid)
    db.request_spec_save(ctx, uuid, '{"v": 1}')
    db.request_spec_save(ctx, uuid, '{"v": 2}')
    assert db.request_spec_get(ctx, uuid) == '{"v": 2}'
