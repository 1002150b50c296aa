"""The quota engine (nova_lite/quota.py) on a migrated SQLite database."""

from __future__ import annotations

import pytest
from oslo_utils import uuidutils

from nova_lite import exception, quota
from tests.unit.conftest import admin_context


@pytest.fixture
def ctx(db):
    return admin_context()


def _instance(db, ctx, vcpus: int = 1, memory_mb: int = 512, **values) -> None:
    values.setdefault("project_id", "p1")
    values.setdefault("user_id", "u1")
    values.setdefault("vm_state", "active")
    db.instance_create(
        ctx, {"uuid": uuidutils.generate_uuid(), "vcpus": vcpus, "memory_mb": memory_mb, **values}
    )


def test_limits_resolve_user_then_project_then_default_class_then_options(db, ctx, conf):
    conf.set_override("cores", 30, group="quota")
    db.quota_class_set_limits(ctx, "default", {"instances": 40, "ram": 100})
    db.quota_set_limits(ctx, "p1", {"instances": 5, "key_pairs": 7})
    db.quota_set_limits(ctx, "p1", {"instances": 2}, user_id="u1")
    project = quota.get_quotas(ctx, "p1")
    user = quota.get_quotas(ctx, "p1", "u1")
    assert (project["instances"], project["ram"], project["cores"]) == (5, 100, 30)
    assert (user["instances"], user["key_pairs"], user["ram"]) == (2, 7, 100)
    assert quota.get_defaults(ctx)["instances"] == 40
    assert quota.get_quotas(ctx, "p2")["security_groups"] == -1


def test_set_limits_updates_and_destroy_forgets(db, ctx):
    quota.set_limits(ctx, "p1", {"instances": 5})
    quota.set_limits(ctx, "p1", {"instances": 6, "floating_ips": 3}, user_id="u1")
    quota.set_limits(ctx, "p1", {"instances": 7})
    stored = db.quota_get_limits(ctx, "p1", "u1")
    assert stored["project"] == {"instances": 7, "floating_ips": 3}
    assert stored["user"] == {"instances": 6}
    quota.destroy_all(ctx, "p1", "u1")
    assert db.quota_get_limits(ctx, "p1", "u1")["user"] == {}
    quota.destroy_all(ctx, "p1")
    assert db.quota_get_limits(ctx, "p1")["project"] == {}


def test_usage_counts_live_instances_not_soft_deleted(db, ctx):
    _instance(db, ctx, vcpus=2, memory_mb=1024)
    _instance(db, ctx, user_id="u2")
    _instance(db, ctx, vm_state="soft-delete")
    _instance(db, ctx, project_id="p2")
    assert db.quota_count_instances(ctx, "p1", "u2") == {
        "project": {"instances": 2, "cores": 3, "ram": 1536},
        "user": {"instances": 1, "cores": 1, "ram": 512},
    }


def test_check_deltas_reports_the_scope_with_least_room(db, ctx):
    db.quota_set_limits(ctx, "p1", {"instances": 10, "cores": 4})
    db.quota_set_limits(ctx, "p1", {"instances": 2}, user_id="u1")
    _instance(db, ctx, vcpus=2)
    _instance(db, ctx, user_id="u2", vcpus=1)
    quota.check_deltas(ctx, {"instances": 1, "cores": 1}, "p1", "u1")
    with pytest.raises(exception.OverQuota) as raised:
        quota.check_deltas(ctx, {"instances": 2, "cores": 2}, "p1", "u1")
    assert raised.value.kwargs == {
        "overs": ["cores", "instances"],
        "quotas": {"instances": 2, "cores": 4},
        "usages": {"instances": 1, "cores": 3},
    }
    # unlimited everywhere: never over
    db.quota_set_limits(ctx, "p1", {"cores": -1})
    quota.check_deltas(ctx, {"cores": 1000}, "p1", "u1")


def test_check_deltas_counts_only_limited_resources(db, ctx):
    db.quota_set_limits(ctx, "p1", {"instances": -1, "cores": 2})
    _instance(db, ctx, vcpus=2)
    with pytest.raises(exception.OverQuota) as raised:
        quota.check_deltas(ctx, {"instances": 1, "cores": 1}, "p1", "u1")
    assert raised.value.kwargs == {
        "overs": ["cores"],
        "quotas": {"instances": -1, "cores": 2},
        "usages": {"cores": 2},
    }


def test_user_only_resources_take_the_lower_limit(db, ctx):
    db.quota_set_limits(ctx, "p1", {"key_pairs": -1})
    db.quota_set_limits(ctx, "p1", {"key_pairs": 1}, user_id="u1")
    db.key_pair_create(ctx, {"name": "k", "user_id": "u1", "public_key": "x"})
    with pytest.raises(exception.OverQuota) as raised:
        quota.check_deltas(ctx, {"key_pairs": 1}, "p1", "u1")
    assert raised.value.kwargs["quotas"] == {"key_pairs": 1}
    quota.check_deltas(ctx, {"key_pairs": 1}, "p1", "u2")  # unlimited for the project


def test_limit_check(db, ctx):
    db.quota_set_limits(ctx, "p1", {"metadata_items": 3})
    quota.limit_check(ctx, {"metadata_items": 3}, "p1", "u1")
    db.quota_set_limits(ctx, "p1", {"metadata_items": 2}, user_id="u1")
    with pytest.raises(exception.OverQuota) as raised:
        quota.limit_check(ctx, {"metadata_items": 3}, "p1", "u1")
    assert raised.value.kwargs["quotas"] == {"metadata_items": 2}


def test_settable_quotas(db, ctx):
    db.quota_set_limits(ctx, "p1", {"instances": 10, "cores": -1})
    db.quota_set_limits(ctx, "p1", {"instances": 3}, user_id="u1")
    db.quota_set_limits(ctx, "p1", {"instances": 4}, user_id="u2")
    _instance(db, ctx)
    project = quota.get_settable_quotas(ctx, "p1")
    assert project["instances"] == {"minimum": 7, "maximum": -1}
    assert project["cores"] == {"minimum": 1, "maximum": -1}
    user = quota.get_settable_quotas(ctx, "p1", "u1")
    assert user["instances"] == {"minimum": 1, "maximum": 6}
    assert user["cores"] == {"minimum": 1, "maximum": -1}
