"""os-server-groups end to end: the API, members joining at server create and
leaving at delete, and the scheduler applying each policy on compute1 and
compute2 (at boot and when servers move)."""

from __future__ import annotations

import collections

import pytest
from oslo_utils import uuidutils
from sqlalchemy import select

from nova_lite.db import models
from tests.functional.test_evacuate import evacuate, force_down
from tests.functional.test_moves import action, settled
from tests.functional.test_servers import IMAGE, wait_gone, wait_status

DEMO = "demo:demo"
OTHER = "other:other"


def mv(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


def create_group(cloud, policy: str, version: str = "2.64", token=DEMO, **rules) -> dict:
    body: dict = {"name": f"{policy}-group"}
    if tuple(map(int, version.split("."))) >= (2, 64):
        body["policy"] = policy
        if rules:
            body["rules"] = rules
    else:
        body["policies"] = [policy]
    response = cloud.post(
        "/v2.1/os-server-groups", {"server_group": body}, headers=mv(version), token=token
    )
    assert response.status_int == 200, response.text
    return response.json["server_group"]


def boot_in_group(cloud, group_id: str, count: int = 1, token=DEMO, name: str = "member"):
    """POST /servers with the group hint; the created servers' ids."""
    body = {
        "server": {
            "name": name,
            "flavorRef": "1",
            "imageRef": IMAGE,
            "min_count": count,
            "return_reservation_id": True,
        },
        "os:scheduler_hints": {"group": group_id},
    }
    response = cloud.post("/v2.1/servers", body, token=token)
    assert response.status_int == 202, response.text
    reservation = response.json["reservation_id"]
    servers = cloud.get(f"/v2.1/servers?reservation_id={reservation}", token=token).json
    return [s["id"] for s in servers["servers"]]


def host_of(cloud, server_id: str) -> str:
    return settled(cloud, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"]


def members(cloud, group_id: str, token=DEMO) -> list[str]:
    return cloud.get(f"/v2.1/os-server-groups/{group_id}", token=token).json["server_group"][
        "members"
    ]


# -- the API ----------------------------------------------------------------------------------


def test_create_show_list_delete_across_microversions(cloud):
    old = create_group(cloud, "anti-affinity", version="2.1")
    assert set(old) == {"id", "name", "policies", "members", "metadata"}
    assert (old["policies"], old["members"], old["metadata"]) == (["anti-affinity"], [], {})

    shown = cloud.get(f"/v2.1/os-server-groups/{old['id']}", headers=mv("2.13"), token=DEMO)
    assert shown.json["server_group"]["project_id"] == "demo"
    assert shown.json["server_group"]["user_id"] == "demo"

    new = create_group(cloud, "anti-affinity", max_server_per_host=3)
    assert set(new) == {"id", "name", "policy", "rules", "members", "project_id", "user_id"}
    assert (new["policy"], new["rules"]) == ("anti-affinity", {"max_server_per_host": 3})
    shown = cloud.get(f"/v2.1/os-server-groups/{old['id']}", headers=mv("2.64"), token=DEMO)
    assert (shown.json["server_group"]["policy"], shown.json["server_group"]["rules"]) == (
        "anti-affinity",
        {},
    )
    # Before 2.64 the new group shows its policy as a list.
    shown = cloud.get(f"/v2.1/os-server-groups/{new['id']}", token=DEMO).json["server_group"]
    assert shown["policies"] == ["anti-affinity"] and "rules" not in shown

    listed = cloud.get("/v2.1/os-server-groups", token=DEMO).json["server_groups"]
    assert [g["id"] for g in listed] == [old["id"], new["id"]]
    page = cloud.get("/v2.1/os-server-groups?limit=1&offset=1", token=DEMO).json
    assert [g["id"] for g in page["server_groups"]] == [new["id"]]

    assert cloud.delete(f"/v2.1/os-server-groups/{old['id']}", token=DEMO).status_int == 204
    gone = cloud.get(f"/v2.1/os-server-groups/{old['id']}", token=DEMO)
    assert gone.status_int == 404
    assert gone.json["itemNotFound"]["message"] == (
        f"Instance group {old['id']} could not be found."
    )
    assert cloud.delete(f"/v2.1/os-server-groups/{old['id']}", token=DEMO).status_int == 404


@pytest.mark.parametrize(
    ("version", "group", "message"),
    [
        ("2.1", {"name": "g", "policies": ["soft-affinity"]}, "is not one of"),
        ("2.15", {"name": "g", "policies": ["affinity", "anti-affinity"]}, None),
        ("2.15", {"name": "g", "policy": "affinity"}, None),
        ("2.64", {"name": "g", "policies": ["affinity"]}, None),
        (
            "2.64",
            {"name": "g", "policy": "affinity", "rules": {"max_server_per_host": 2}},
            "Only anti-affinity policy supports rules.",
        ),
        (
            "2.64",
            {"name": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": 0}},
            None,
        ),
        ("2.64", {"name": "g", "policy": "anti-affinity", "rules": {"other": 1}}, None),
        ("2.64", {"name": " g", "policy": "affinity"}, None),
    ],
)
def test_create_refuses_bad_bodies(cloud, version, group, message):
    response = cloud.post(
        "/v2.1/os-server-groups", {"server_group": group}, headers=mv(version), token=DEMO
    )
    assert response.status_int == 400, response.text
    if message:
        assert message in response.json["badRequest"]["message"]


def test_soft_policies_need_2_15(cloud):
    group = create_group(cloud, "soft-anti-affinity", version="2.15")
    assert group["policies"] == ["soft-anti-affinity"]


def test_projects_see_their_own_groups(cloud):
    mine = create_group(cloud, "affinity")
    theirs = create_group(cloud, "affinity", token=OTHER)
    assert [
        g["id"] for g in cloud.get("/v2.1/os-server-groups", token=OTHER).json["server_groups"]
    ] == [theirs["id"]]
    # all_projects is for admins; others just get their own.
    listed = cloud.get("/v2.1/os-server-groups?all_projects=True", token=OTHER).json
    assert [g["id"] for g in listed["server_groups"]] == [theirs["id"]]
    listed = cloud.get("/v2.1/os-server-groups?all_projects=True").json
    assert {g["id"] for g in listed["server_groups"]} == {mine["id"], theirs["id"]}
    assert cloud.get("/v2.1/os-server-groups").json["server_groups"] == []
    assert cloud.get(f"/v2.1/os-server-groups/{mine['id']}", token=OTHER).status_int == 403
    assert cloud.delete(f"/v2.1/os-server-groups/{mine['id']}", token=OTHER).status_int == 403
    # The admin may show and delete any project's group.
    assert cloud.get(f"/v2.1/os-server-groups/{mine['id']}").status_int == 200
    assert cloud.delete(f"/v2.1/os-server-groups/{mine['id']}").status_int == 204


def test_list_query_parameters(cloud):
    assert cloud.get("/v2.1/os-server-groups?limit=-1", token=DEMO).status_int == 400
    assert cloud.get("/v2.1/os-server-groups?offset=x", token=DEMO).status_int == 400
    assert cloud.get("/v2.1/os-server-groups?foo=1", token=DEMO).status_int == 200
    response = cloud.get("/v2.1/os-server-groups?foo=1", headers=mv("2.75"), token=DEMO)
    assert response.status_int == 400


def test_server_group_quota(cloud, conf):
    conf.set_override("server_groups", 1, group="quota")
    create_group(cloud, "affinity")
    response = cloud.post(
        "/v2.1/os-server-groups",
        {"server_group": {"name": "g", "policies": ["affinity"]}},
        token=DEMO,
    )
    assert response.status_int == 403
    assert response.json["forbidden"]["message"] == "Quota exceeded, too many server groups."


def test_group_member_quota(cloud, flavor, conf):
    conf.set_override("server_group_members", 1, group="quota")
    group = create_group(cloud, "anti-affinity")
    body = {
        "server": {"name": "vm", "flavorRef": "1", "imageRef": IMAGE, "min_count": 2},
        "os:scheduler_hints": {"group": group["id"]},
    }
    response = cloud.post("/v2.1/servers", body, token=DEMO)
    assert response.status_int == 403
    assert response.json["forbidden"]["message"] == "Quota exceeded, too many servers in group"
    assert members(cloud, group["id"]) == []
    assert cloud.get("/v2.1/servers", token=DEMO).json["servers"] == []


def test_group_hint_must_name_a_group(cloud, flavor):
    missing = uuidutils.generate_uuid()
    body = {
        "server": {"name": "vm", "flavorRef": "1", "imageRef": IMAGE},
        "os:scheduler_hints": {"group": missing},
    }
    response = cloud.post("/v2.1/servers", body, token=DEMO)
    assert response.status_int == 400
    assert response.json["badRequest"]["message"] == (
        f"Instance group {missing} could not be found."
    )
    body["os:scheduler_hints"] = {"group": "not-a-uuid"}
    assert cloud.post("/v2.1/servers", body, token=DEMO).status_int == 400


# -- policies at boot ---------------------------------------------------------------------------


def test_anti_affinity_spreads_then_refuses(cloud, flavor):
    group = create_group(cloud, "anti-affinity")
    first, second = (boot_in_group(cloud, group["id"])[0] for _ in range(2))
    assert {host_of(cloud, first), host_of(cloud, second)} == {"compute1", "compute2"}

    (third,) = boot_in_group(cloud, group["id"])
    server = wait_status(cloud, third, "ERROR")
    assert server["fault"]["message"].startswith("No valid host was found.")
    assert members(cloud, group["id"]) == [first, second, third]

    # Members leave the group when deleted; their host is then free for another.
    for server_id in (third, second):
        assert cloud.delete(f"/v2.1/servers/{server_id}", token=DEMO).status_int == 204
        wait_gone(cloud, server_id)
    assert members(cloud, group["id"]) == [first]
    (fourth,) = boot_in_group(cloud, group["id"])
    assert host_of(cloud, fourth) != host_of(cloud, first)


def test_anti_affinity_multi_create_is_all_or_nothing(cloud, flavor):
    group = create_group(cloud, "anti-affinity")
    servers = boot_in_group(cloud, group["id"], count=3)
    for server_id in servers:
        assert wait_status(cloud, server_id, "ERROR")["fault"]["code"] == 500
    pair = boot_in_group(cloud, create_group(cloud, "anti-affinity")["id"], count=2)
    assert {host_of(cloud, s) for s in pair} == {"compute1", "compute2"}


def test_anti_affinity_with_max_server_per_host(cloud, flavor):
    group = create_group(cloud, "anti-affinity", max_server_per_host=2)
    servers = boot_in_group(cloud, group["id"], count=4)
    assert collections.Counter(host_of(cloud, s) for s in servers) == {
        "compute1": 2,
        "compute2": 2,
    }
    (fifth,) = boot_in_group(cloud, group["id"])
    assert wait_status(cloud, fifth, "ERROR")["fault"]["message"].startswith(
        "No valid host was found."
    )


def test_affinity_keeps_members_together(cloud, flavor):
    group = create_group(cloud, "affinity")
    (first,) = boot_in_group(cloud, group["id"])
    host = host_of(cloud, first)
    # Separate requests: the RAM weigher alone would pick the emptier host.
    later = [boot_in_group(cloud, group["id"])[0] for _ in range(2)]
    assert {host_of(cloud, s) for s in later} == {host}
    together = boot_in_group(cloud, create_group(cloud, "affinity")["id"], count=3)
    assert len({host_of(cloud, s) for s in together}) == 1


@pytest.mark.parametrize(
    ("policy", "option", "ram_multiplier", "hosts_used"),
    [
        # The RAM weigher spreads; the group's weigher keeps them together.
        ("soft-affinity", "soft_affinity_weight_multiplier", 1.0, 1),
        # The RAM weigher stacks; the group's weigher spreads them.
        ("soft-anti-affinity", "soft_anti_affinity_weight_multiplier", -1.0, 2),
    ],
)
def test_soft_policies_weigh_without_refusing(
    cloud, flavor, conf, policy, option, ram_multiplier, hosts_used
):
    conf.set_override(option, 10.0, group="filter_scheduler")
    conf.set_override("ram_weight_multiplier", ram_multiplier, group="filter_scheduler")
    group = create_group(cloud, policy, version="2.15")
    servers = [boot_in_group(cloud, group["id"])[0] for _ in range(3)]
    assert len({host_of(cloud, s) for s in servers}) == hosts_used


def test_server_show_names_its_group_from_2_71(cloud, flavor):
    group = create_group(cloud, "affinity")
    (server_id,) = boot_in_group(cloud, group["id"])
    settled(cloud, server_id, "ACTIVE")
    shown = cloud.get(f"/v2.1/servers/{server_id}", headers=mv("2.71"), token=DEMO)
    assert shown.json["server"]["server_groups"] == [group["id"]]
    assert "server_groups" not in cloud.get(f"/v2.1/servers/{server_id}", token=DEMO).json["server"]
    body = {"server": {"name": "alone", "flavorRef": "1", "imageRef": IMAGE}}
    alone = cloud.post("/v2.1/servers", body, token=DEMO).json["server"]["id"]
    shown = cloud.get(f"/v2.1/servers/{alone}", headers=mv("2.71"), token=DEMO)
    assert shown.json["server"]["server_groups"] == []


# -- policies when servers move ----------------------------------------------------------------


def test_moves_respect_anti_affinity(cloud, flavor, db):
    group = create_group(cloud, "anti-affinity")
    first, second = (boot_in_group(cloud, group["id"])[0] for _ in range(2))
    source = host_of(cloud, first)
    other = host_of(cloud, second)

    # The scheduler has nowhere to put it: the migration fails, the server stays.
    assert action(cloud, first, {"migrate": None}).status_int == 202
    server = settled(cloud, first, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == source
    with db.get_engine().connect() as connection:
        statuses = connection.execute(
            select(models.Migration.status).where(models.Migration.instance_uuid == first)
        ).scalars()
        assert list(statuses) == ["error"]

    # A live migration to a named host (no scheduler at 2.1) is checked as well.
    live = {"os-migrateLive": {"host": other, "block_migration": False, "disk_over_commit": False}}
    assert action(cloud, first, live).status_int == 202
    assert settled(cloud, first, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == source
    with db.get_engine().connect() as connection:
        messages = connection.execute(
            select(models.InstanceFault.message).where(models.InstanceFault.instance_uuid == first)
        ).scalars()
        assert "Anti-affinity instance group policy was violated" in list(messages)

    # Once the other member is gone, the move goes through.
    assert cloud.delete(f"/v2.1/servers/{second}", token=DEMO).status_int == 204
    wait_gone(cloud, second)
    assert action(cloud, first, {"migrate": None}).status_int == 202
    assert settled(cloud, first, "VERIFY_RESIZE")["OS-EXT-SRV-ATTR:host"] == other


def test_scheduled_moves_respect_affinity_and_anti_affinity(cloud, flavor, db):
    # Affinity: the members' host is the only one allowed, and a move must leave it.
    together = boot_in_group(cloud, create_group(cloud, "affinity")["id"], count=2)
    host = host_of(cloud, together[0])
    live = {"os-migrateLive": {"host": None, "block_migration": False, "disk_over_commit": False}}
    assert action(cloud, together[0], live).status_int == 202
    assert settled(cloud, together[0], "ACTIVE")["OS-EXT-SRV-ATTR:host"] == host

    # Anti-affinity: an evacuated member may not land on the other member's host.
    apart = boot_in_group(cloud, create_group(cloud, "anti-affinity")["id"], count=2)
    source = host_of(cloud, apart[0])
    force_down(db, source)
    try:
        assert evacuate(cloud, apart[0]).status_int == 200
        server = settled(cloud, apart[0], "ACTIVE")
        assert server["OS-EXT-SRV-ATTR:host"] == source
    finally:
        force_down(db, source, down=False)
    with db.get_engine().connect() as connection:
        statuses = connection.execute(
            select(models.Migration.migration_type, models.Migration.status).where(
                models.Migration.instance_uuid.in_([together[0], apart[0]])
            )
        ).all()
    assert sorted(tuple(row) for row in statuses) == [
        ("evacuation", "error"),
        ("live-migration", "error"),
    ]
