"""Quota enforcement: Nova's 403 bodies, and nothing created when refused."""

from __future__ import annotations

import functools
import threading

import pytest
from oslo_utils import uuidutils

from nova_lite import context as nova_context
from nova_lite import exception
from nova_lite.compute import quotas, task_states, vm_states
from nova_lite.db import models
from nova_lite.objects.flavor import Flavor
from nova_lite.objects.instance import Instance
from nova_lite.objects.keypair import KeyPair
from tests.functional.test_keypairs import a_public_key
from tests.functional.test_moves import action, big, migration_rows, settled  # noqa: F401
from tests.functional.test_quotas import forbidden, insert_group, put, set_quotas
from tests.functional.test_servers import IMAGE, boot, count_rows, wait_status

DEMO = "demo:demo"
DEMO2 = "demo2:demo"  # another user of project demo


def create(cloud, token: str = DEMO, flavor_id: str = "1", **extra):
    body = {"server": {"name": "vm", "flavorRef": flavor_id, "imageRef": IMAGE, **extra}}
    return cloud.post("/v2.1/servers", body, token=token)


def instances(db, *criteria) -> int:
    """Instance rows of project demo, deleted ones included."""
    return count_rows(db, models.Instance, models.Instance.project_id == "demo", *criteria)


def live(db) -> int:
    return instances(db, models.Instance.deleted == 0)


def demo_context() -> nova_context.RequestContext:
    return nova_context.RequestContext(user_id="demo", project_id="demo", roles=["member"])


# -- servers: instances, cores, ram ------------------------------------------------------


def test_over_instances_creates_nothing(cloud, flavor, db):
    set_quotas(cloud, instances=2)
    wait_status(cloud, boot(cloud, token=DEMO)["server"]["id"], "ACTIVE")
    response = create(cloud, min_count=2)
    assert response.status_int == 403
    assert response.json == forbidden(
        "Quota exceeded for instances: Requested 2, but already used 1 of 2 instances"
    )
    assert instances(db) == 1
    assert count_rows(db, models.Allocation) == 1
    assert count_rows(db, models.InstanceAction) == 1
    assert count_rows(db, models.RequestSpec) == 1


def test_max_count_is_reduced_to_what_fits(cloud, flavor, db):
    set_quotas(cloud, instances=3)
    boot(cloud, token=DEMO)
    response = create(cloud, min_count=1, max_count=5, return_reservation_id=True)
    assert response.status_int == 202
    listed = cloud.get(
        f"/v2.1/servers?reservation_id={response.json['reservation_id']}", token=DEMO
    ).json["servers"]
    assert sorted(s["name"] for s in listed) == ["vm-1", "vm-2"]
    assert live(db) == 3


def test_min_count_that_does_not_fit(cloud, flavor, db):
    set_quotas(cloud, instances=3)
    boot(cloud, token=DEMO)
    response = create(cloud, min_count=3, max_count=5)
    assert response.json == forbidden(
        "Quota exceeded for instances: Requested 3-5, but already used 1 of 3 instances"
    )
    assert instances(db) == 1


def test_cores_and_ram(cloud, big, db):  # noqa: F811
    set_quotas(cloud, cores=3, ram=4096)
    response = create(cloud, flavor_id="2", min_count=2)
    assert response.json == forbidden(
        "Quota exceeded for cores, ram: Requested 4, 8192, but already used 0, 0 of 3, 4096 "
        "cores, ram"
    )
    set_quotas(cloud, ram=-1)
    response = create(cloud, flavor_id="2", min_count=2)
    assert response.json == forbidden(
        "Quota exceeded for cores: Requested 4, but already used 0 of 3 cores"
    )
    assert instances(db) == 0
    # with instances unlimited, cores still bound how many of max_count are made
    set_quotas(cloud, instances=-1)
    assert create(cloud, flavor_id="2", min_count=1, max_count=3).status_int == 202
    assert live(db) == 1


def test_user_quota_of_instances(cloud, flavor, db):
    set_quotas(cloud, user_id="demo", instances=1)
    boot(cloud, token=DEMO)
    response = create(cloud)
    assert response.json == forbidden(
        "Quota exceeded for instances: Requested 1, but already used 1 of 1 instances"
    )
    assert create(cloud, token=DEMO2).status_int == 202  # the project has room
    assert live(db) == 2


def test_soft_deleted_and_deleted_instances_do_not_count(cloud, flavor, db):
    set_quotas(cloud, instances=1)
    server_id = boot(cloud, token=DEMO)["server"]["id"]
    wait_status(cloud, server_id, "ACTIVE")
    assert cloud.delete(f"/v2.1/servers/{server_id}", token=DEMO).status_int == 204
    cloud.wait_for(f"/v2.1/servers/{server_id}", lambda r: r.status_int == 404)
    assert create(cloud).status_int == 202


# -- rechecks after creation ---------------------------------------------------------------


def new_instance(context, flavor: Flavor) -> Instance:
    """The instance of a new server of project demo, not created yet."""
    return Instance(
        context,
        uuid=uuidutils.generate_uuid(),
        user_id="demo",
        project_id="demo",
        display_name="vm",
        flavor=flavor,
        vm_state=vm_states.BUILDING,
        task_state=task_states.SCHEDULING,
    )


def test_recheck_undoes_instances_created_over_quota(cloud, flavor, db):
    context = demo_context()
    flavor = Flavor.get_by_flavor_id(context, "1")
    wait_status(cloud, boot(cloud, token=DEMO)["server"]["id"], "ACTIVE")
    # a racing request took the last of the quota meanwhile (here: the limit fell)
    set_quotas(cloud, instances=1, force=True)
    created = [new_instance(context, flavor), new_instance(context, flavor)]
    with pytest.raises(exception.TooManyInstances) as raised:
        quotas.create_instances(context, flavor, created)
    assert raised.value.format_message() == (
        "Quota exceeded for instances: Requested 2, but already used 1 of 1 instances"
    )
    assert live(db) == 1
    assert instances(db) == 3  # created, then destroyed


def test_recheck_can_be_turned_off(cloud, flavor, db, conf):
    conf.set_override("recheck_quota", False, group="quota")
    context = demo_context()
    boot(cloud, token=DEMO)
    set_quotas(cloud, instances=0, force=True)
    flavor = Flavor.get_by_flavor_id(context, "1")
    created = quotas.create_instances(context, flavor, [new_instance(context, flavor)])
    assert [i.vm_state for i in created] == [vm_states.BUILDING]
    assert live(db) == 2


def test_racing_creates_never_exceed_the_quota(cloud, flavor, db):
    set_quotas(cloud, instances=3)
    statuses = []
    start = threading.Barrier(8)

    def create_one() -> None:
        start.wait()
        statuses.append(create(cloud).status_int)

    threads = [threading.Thread(target=create_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) <= {202, 403}
    assert statuses.count(202) == live(db) <= 3


# -- resize -----------------------------------------------------------------------------------


def test_resize_up_beyond_cores(cloud, big, db):  # noqa: F811
    set_quotas(cloud, cores=2)
    server_id = boot(cloud, token=DEMO)["server"]["id"]
    settled(cloud, server_id, "ACTIVE")
    boot(cloud, token=DEMO)
    response = action(cloud, server_id, {"resize": {"flavorRef": "2"}}, token=DEMO)
    assert response.status_int == 403
    assert response.json == forbidden(
        "Quota exceeded for cores: Requested 1, but already used 2 of 2 cores"
    )
    server = cloud.get(f"/v2.1/servers/{server_id}", token=DEMO).json["server"]
    assert (server["status"], server["flavor"]["id"]) == ("ACTIVE", "1")
    assert migration_rows(db, server_id) == []


def test_revert_of_a_downsize_beyond_cores(cloud, big, db):  # noqa: F811
    server_id = boot(cloud, token=DEMO, flavorRef="2")["server"]["id"]
    settled(cloud, server_id, "ACTIVE")
    assert action(cloud, server_id, {"resize": {"flavorRef": "1"}}, token=DEMO).status_int == 202
    settled(cloud, server_id, "VERIFY_RESIZE")
    set_quotas(cloud, cores=1)  # usage counts the new flavor: 1 core
    response = action(cloud, server_id, {"revertResize": None}, token=DEMO)
    assert response.json == forbidden(
        "Quota exceeded for cores: Requested 1, but already used 1 of 1 cores"
    )
    assert settled(cloud, server_id, "VERIFY_RESIZE")["flavor"]["id"] == "1"
    set_quotas(cloud, cores=2)
    assert action(cloud, server_id, {"revertResize": None}, token=DEMO).status_int == 202


# -- metadata items ----------------------------------------------------------------------------


def test_metadata_items_on_create(cloud, flavor, db):
    set_quotas(cloud, metadata_items=2)
    response = create(cloud, metadata={"a": "1", "b": "2", "c": "3"})
    assert response.json == forbidden("Maximum number of metadata items exceeds 2")
    assert instances(db) == 0
    assert create(cloud, metadata={"a": "1", "b": "2"}).status_int == 202


def test_metadata_items_on_update(cloud, flavor, db):
    set_quotas(cloud, metadata_items=2)
    server_id = boot(cloud, token=DEMO, metadata={"a": "1"})["server"]["id"]
    wait_status(cloud, server_id, "ACTIVE")
    url = f"/v2.1/servers/{server_id}/metadata"
    refused = forbidden("Maximum number of metadata items exceeds 2")
    assert cloud.post(url, {"metadata": {"b": "2", "c": "3"}}, token=DEMO).json == refused
    assert put(cloud, url, {"metadata": {"x": "", "y": "", "z": ""}}, token=DEMO).json == refused
    assert cloud.post(url, {"metadata": {"b": "2"}}, token=DEMO).status_int == 200
    assert put(cloud, f"{url}/c", {"meta": {"c": "3"}}, token=DEMO).json == refused
    assert put(cloud, f"{url}/b", {"meta": {"b": "22"}}, token=DEMO).status_int == 200
    assert cloud.get(url, token=DEMO).json == {"metadata": {"a": "1", "b": "22"}}
    response = action(
        cloud, server_id, {"rebuild": {"imageRef": IMAGE, "metadata": {"1": "", "2": "", "3": ""}}}
    )
    assert response.json == refused


# -- key pairs -----------------------------------------------------------------------------------


def test_key_pairs_per_user(cloud, db):
    set_quotas(cloud, user_id="demo", key_pairs=2)
    url = "/v2.1/os-keypairs"
    assert cloud.post(url, {"keypair": {"name": "one"}}, token=DEMO).status_int == 200
    imported = {"keypair": {"name": "two", "public_key": a_public_key()}}
    assert cloud.post(url, imported, token=DEMO).status_int == 200
    refused = forbidden("Quota exceeded, too many key pairs.")
    assert cloud.post(url, {"keypair": {"name": "three"}}, token=DEMO).json == refused
    imported["keypair"]["name"] = "four"
    assert cloud.post(url, imported, token=DEMO).json == refused
    K = models.KeyPair
    assert count_rows(db, K, K.user_id == "demo") == 2
    # another user of the project has the project's limit
    assert cloud.post(url, {"keypair": {"name": "three"}}, token=DEMO2).status_int == 200
    # deleting one makes room
    assert cloud.delete(f"{url}/one", token=DEMO).status_int == 202
    assert cloud.post(url, {"keypair": {"name": "three"}}, token=DEMO).status_int == 200


def test_key_pair_recheck_destroys_the_new_key_pair(cloud, db):
    context = demo_context()
    url = "/v2.1/os-keypairs"
    assert cloud.post(url, {"keypair": {"name": "one"}}, token=DEMO).status_int == 200
    keypair = KeyPair.get_by_name(context, "demo", "one")
    # a racing request took the last of the quota meanwhile (here: the limit fell)
    set_quotas(cloud, key_pairs=0, force=True)
    check = functools.partial(quotas.check_key_pairs, context, "demo", 0)
    with pytest.raises(exception.KeypairLimitExceeded):
        quotas.recheck(check, keypair.destroy)
    assert cloud.get(f"{url}/one", token=DEMO).status_int == 404


# -- server groups (the API that creates them calls these checks) ----------------------------


def test_server_groups_check(cloud, db):
    context = demo_context()
    set_quotas(cloud, server_groups=2)
    insert_group(db, "demo", "demo")
    quotas.check_server_groups(context)
    insert_group(db, "demo", "demo2")
    with pytest.raises(exception.ServerGroupLimitExceeded) as raised:
        quotas.check_server_groups(context)
    assert raised.value.code == 403
    assert raised.value.format_message() == "Quota exceeded, too many server groups."
    quotas.check_server_groups(context, 0)  # the recheck after a creation


def test_server_group_members_check(cloud, flavor, db):
    context = demo_context()
    set_quotas(cloud, server_group_members=2)
    mine = [boot(cloud, token=DEMO)["server"]["id"] for _ in range(2)]
    theirs = boot(cloud, token=DEMO2)["server"]["id"]
    group = insert_group(db, "demo", "demo", members=(mine[0], theirs))
    quotas.check_server_group_members(context, group, 1)
    with pytest.raises(exception.GroupMemberLimitExceeded) as raised:
        quotas.check_server_group_members(context, group, 2)
    assert raised.value.format_message() == "Quota exceeded, too many servers in group"
    full = insert_group(db, "demo", "demo", members=tuple(mine))
    quotas.check_server_group_members(context, full, 0)
    with pytest.raises(exception.GroupMemberLimitExceeded):
        quotas.check_server_group_members(context, full, 1)
