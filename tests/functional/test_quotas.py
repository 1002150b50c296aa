"""os-quota-sets, os-quota-class-sets and /limits, as Nova answers them."""

from __future__ import annotations

import pytest
from oslo_utils import uuidutils

from nova_lite.db import models
from tests.functional.test_servers import boot, wait_status

DEMO = "demo:demo"
OTHER = "other:other"
URL = "/v2.1/os-quota-sets"

DEFAULTS_2_1 = {
    "cores": 20,
    "fixed_ips": -1,
    "floating_ips": -1,
    "injected_file_content_bytes": 10240,
    "injected_file_path_bytes": 255,
    "injected_files": 5,
    "instances": 10,
    "key_pairs": 100,
    "metadata_items": 128,
    "ram": 51200,
    "security_group_rules": -1,
    "security_groups": -1,
    "server_group_members": 10,
    "server_groups": 10,
}
NETWORK = {"fixed_ips", "floating_ips", "security_group_rules", "security_groups"}
INJECTED = {"injected_files", "injected_file_content_bytes", "injected_file_path_bytes"}


def version(number: str) -> dict:
    return {"OpenStack-API-Version": f"compute {number}"}


def put(cloud, path: str, body, token: str | None = None, headers: dict | None = None):
    return cloud.request("PUT", path, body, token=token, headers=headers)


def set_quotas(cloud, project_id: str = "demo", user_id: str | None = None, **limits):
    query = f"?user_id={user_id}" if user_id else ""
    response = put(cloud, f"{URL}/{project_id}{query}", {"quota_set": limits})
    assert response.status_int == 200, response.text
    return response.json["quota_set"]


def insert_group(db, project_id: str, user_id: str, members: tuple[str, ...] = ()) -> str:
    """A server group row (and its members), as the server groups API stores them."""
    group_uuid = uuidutils.generate_uuid()
    with db.get_engine().begin() as connection:
        group_id = connection.execute(
            models.InstanceGroup.__table__.insert().values(
                uuid=group_uuid,
                name="group",
                project_id=project_id,
                user_id=user_id,
                policy="anti-affinity",
                deleted=0,
            )
        ).inserted_primary_key[0]
        for member in members:
            connection.execute(
                models.InstanceGroupMember.__table__.insert().values(
                    group_id=group_id, instance_uuid=member, deleted=0
                )
            )
    return group_uuid


def forbidden(message: str) -> dict:
    return {"forbidden": {"code": 403, "message": message}}


def bad_request(message: str) -> dict:
    return {"badRequest": {"code": 400, "message": message}}


# -- os-quota-sets ---------------------------------------------------------------------


def test_show_defaults_at_2_1(cloud):
    response = cloud.get(f"{URL}/demo", token=DEMO)
    assert response.status_int == 200
    assert response.json == {"quota_set": {"id": "demo", **DEFAULTS_2_1}}


@pytest.mark.parametrize(
    "number, hidden",
    [("2.35", set()), ("2.36", NETWORK), ("2.56", NETWORK), ("2.57", NETWORK | INJECTED)],
)
def test_show_shape_per_microversion(cloud, number, hidden):
    response = cloud.get(f"{URL}/demo", token=DEMO, headers=version(number))
    assert response.status_int == 200
    expected = {k: v for k, v in DEFAULTS_2_1.items() if k not in hidden}
    assert response.json == {"quota_set": {"id": "demo", **expected}}


def test_show_needs_the_project_or_admin(cloud):
    response = cloud.get(f"{URL}/demo", token=OTHER)
    assert response.status_int == 403
    assert response.json == forbidden(
        "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed."
    )
    assert cloud.get(f"{URL}/demo").status_int == 200  # admin


def test_defaults_for_anyone_and_from_the_default_class(cloud):
    response = cloud.get(f"{URL}/demo/defaults", token=OTHER)
    assert response.status_int == 200
    assert response.json == {"quota_set": {"id": "demo", **DEFAULTS_2_1}}
    put(cloud, "/v2.1/os-quota-class-sets/default", {"quota_class_set": {"instances": 7}})
    set_quotas(cloud, cores=3)  # the project's own limits are not defaults
    defaults = cloud.get(f"{URL}/demo/defaults", token=DEMO).json["quota_set"]
    assert defaults["instances"] == 7 and defaults["cores"] == 20
    shown = cloud.get(f"{URL}/demo", token=DEMO).json["quota_set"]
    assert shown["instances"] == 7 and shown["cores"] == 3


def test_update_by_admin_only(cloud):
    response = put(cloud, f"{URL}/demo", {"quota_set": {"instances": 4}}, token=DEMO)
    assert response.status_int == 403
    assert response.json == forbidden(
        "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed."
    )
    response = put(cloud, f"{URL}/demo", {"quota_set": {"instances": "4", "cores": -1}})
    assert response.status_int == 200
    assert response.json == {"quota_set": {**DEFAULTS_2_1, "instances": 4, "cores": -1}}
    shown = cloud.get(f"{URL}/demo", token=DEMO).json["quota_set"]
    assert shown["instances"] == 4 and shown["cores"] == -1
    assert cloud.get(f"{URL}/other", token=OTHER).json["quota_set"]["instances"] == 10


@pytest.mark.parametrize(
    "number, body, message",
    [
        ("2.1", {"instances": -2}, "-2 is less than the minimum of -1"),
        ("2.1", {"instances": "ten"}, "'ten' does not match"),
        ("2.1", {"instances": 2**31}, "is greater than the maximum of 2147483647"),
        ("2.1", {"bogus": 1}, "Additional properties are not allowed ('bogus' was unexpected)"),
        ("2.36", {"floating_ips": 1}, "('floating_ips' was unexpected)"),
        ("2.36", {"networks": 1}, "('networks' was unexpected)"),
        ("2.57", {"injected_files": 1}, "('injected_files' was unexpected)"),
    ],
)
def test_update_schema_per_microversion(cloud, number, body, message):
    response = put(cloud, f"{URL}/demo", {"quota_set": body}, headers=version(number))
    assert response.status_int == 400, response.text
    assert message in response.json["badRequest"]["message"]


def test_update_networks_is_refused_at_2_1(cloud):
    response = put(cloud, f"{URL}/demo", {"quota_set": {"networks": 1}})
    assert response.status_int == 400
    assert response.json == bad_request("The networks quota has been removed")
    response = put(cloud, f"{URL}/demo", {"quota_set": {"floating_ips": 3}})
    assert response.json["quota_set"]["floating_ips"] == 3


def test_update_below_usage_needs_force(cloud, flavor):
    boot(cloud, token=DEMO, min_count=2)
    response = put(cloud, f"{URL}/demo", {"quota_set": {"instances": 1, "cores": 5}})
    assert response.status_int == 400
    assert response.json == bad_request(
        "Quota limit 1 for instances must be greater than or equal to already used and reserved 2."
    )
    assert cloud.get(f"{URL}/demo").json["quota_set"]["cores"] == 20  # nothing set
    response = put(cloud, f"{URL}/demo", {"quota_set": {"instances": 1, "force": "True"}})
    assert response.status_int == 200
    assert response.json["quota_set"]["instances"] == 1
    assert "force" not in response.json["quota_set"]


def test_user_quotas(cloud):
    set_quotas(cloud, instances=5)
    limits = set_quotas(cloud, user_id="demo", instances=2, key_pairs=3, fixed_ips=7)
    assert limits["instances"] == 2 and limits["key_pairs"] == 3 and "id" not in limits
    user = cloud.get(f"{URL}/demo?user_id=demo", token=DEMO).json["quota_set"]
    project = cloud.get(f"{URL}/demo", token=DEMO).json["quota_set"]
    assert (user["instances"], user["key_pairs"], user["cores"]) == (2, 3, 20)
    assert (project["instances"], project["key_pairs"]) == (5, 100)
    # fixed_ips is a per-project quota, set for the project even with user_id
    assert user["fixed_ips"] == project["fixed_ips"] == 7
    # a user may get what the project's limit leaves beside its other users'
    response = put(cloud, f"{URL}/demo?user_id=demo2", {"quota_set": {"instances": 4}})
    assert response.status_int == 400
    assert response.json == bad_request(
        "Quota limit 4 for instances must be less than or equal to 3."
    )
    assert set_quotas(cloud, user_id="demo2", instances=3)["instances"] == 3
    # and the project's limit may not go below what its users' add up to
    response = put(cloud, f"{URL}/demo", {"quota_set": {"instances": 4}})
    assert response.json == bad_request(
        "Quota limit 4 for instances must be greater than or equal to already used and reserved 5."
    )


def test_detail(cloud, flavor, db):
    server_id = boot(cloud, token=DEMO, min_count=2)["server"]["id"]
    wait_status(cloud, server_id, "ACTIVE")
    insert_group(db, "demo", "demo")
    response = cloud.get(f"{URL}/demo/detail", token=DEMO)
    assert response.status_int == 200
    detail = response.json["quota_set"]
    assert detail.pop("id") == "demo"
    used = {"instances": 2, "cores": 2, "ram": 4096, "server_groups": 1}
    assert detail == {
        name: {"limit": limit, "in_use": used.get(name, 0), "reserved": 0}
        for name, limit in DEFAULTS_2_1.items()
    }
    # per user: another user of the project uses nothing
    other = cloud.get(f"{URL}/demo/detail?user_id=demo2", token=DEMO).json["quota_set"]
    assert other["instances"] == {"limit": 10, "in_use": 0, "reserved": 0}
    at_257 = cloud.get(f"{URL}/demo/detail", token=DEMO, headers=version("2.57")).json
    assert set(at_257["quota_set"]) == {"id", *DEFAULTS_2_1} - NETWORK - INJECTED
    assert cloud.get(f"{URL}/demo/detail", token=OTHER).status_int == 403


def test_delete_reverts_to_defaults(cloud):
    set_quotas(cloud, instances=3, cores=4)
    set_quotas(cloud, user_id="demo", instances=1)
    response = cloud.delete(f"{URL}/demo?user_id=demo", token=DEMO)
    assert response.status_int == 403
    assert response.json == forbidden(
        "Policy doesn't allow os_compute_api:os-quota-sets:delete to be performed."
    )
    response = cloud.delete(f"{URL}/demo?user_id=demo")
    assert response.status_int == 202 and response.body == b""
    assert cloud.get(f"{URL}/demo?user_id=demo").json["quota_set"]["instances"] == 3
    assert cloud.delete(f"{URL}/demo").status_int == 202
    assert cloud.get(f"{URL}/demo").json == {"quota_set": {"id": "demo", **DEFAULTS_2_1}}
    assert cloud.delete(f"{URL}/never-set").status_int == 202


def test_query_parameters_are_strict_from_2_75(cloud):
    assert cloud.get(f"{URL}/demo?foo=1", token=DEMO).status_int == 200
    response = cloud.get(f"{URL}/demo?foo=1", token=DEMO, headers=version("2.75"))
    assert response.status_int == 400
    assert response.json == bad_request(
        "Additional properties are not allowed ('foo' was unexpected)"
    )
    response = cloud.get(f"{URL}/demo/defaults?foo=1", token=DEMO, headers=version("2.75"))
    assert response.status_int == 200


# -- os-quota-class-sets -----------------------------------------------------------------

CLASS_URL = "/v2.1/os-quota-class-sets"
SERVER_GROUPS = {"server_groups", "server_group_members"}


@pytest.mark.parametrize(
    "number, hidden",
    [
        ("2.1", SERVER_GROUPS),
        ("2.49", SERVER_GROUPS),
        ("2.50", NETWORK),
        ("2.56", NETWORK),
        ("2.57", NETWORK | INJECTED),
    ],
)
def test_class_show_per_microversion(cloud, number, hidden):
    response = cloud.get(f"{CLASS_URL}/default", headers=version(number))
    assert response.status_int == 200
    expected = {k: v for k, v in DEFAULTS_2_1.items() if k not in hidden}
    assert response.json == {"quota_class_set": {"id": "default", **expected}}


def test_class_update(cloud):
    body = {"quota_class_set": {"instances": 50, "ram": "1000", "server_groups": 2}}
    response = put(cloud, f"{CLASS_URL}/default", body, headers=version("2.50"))
    assert response.status_int == 200
    expected = {k: v for k, v in DEFAULTS_2_1.items() if k not in NETWORK}
    assert response.json == {
        "quota_class_set": {**expected, "instances": 50, "ram": 1000, "server_groups": 2}
    }
    shown = cloud.get(f"{URL}/demo", token=DEMO).json["quota_set"]
    assert (shown["instances"], shown["ram"], shown["server_groups"]) == (50, 1000, 2)
    # again: the class's rows are updated
    put(cloud, f"{CLASS_URL}/default", {"quota_class_set": {"instances": 51}})
    assert cloud.get(f"{URL}/demo/defaults", token=DEMO).json["quota_set"]["instances"] == 51
    # a class other than default changes no project's limits
    put(cloud, f"{CLASS_URL}/gold", {"quota_class_set": {"cores": 99}})
    assert cloud.get(f"{CLASS_URL}/gold").json["quota_class_set"]["cores"] == 99
    assert cloud.get(f"{URL}/demo", token=DEMO).json["quota_set"]["cores"] == 20


@pytest.mark.parametrize(
    "number, body",
    [
        ("2.1", {"server_groups": -5}),
        ("2.50", {"fixed_ips": 1}),
        ("2.57", {"injected_file_path_bytes": 1}),
    ],
)
def test_class_update_schema_per_microversion(cloud, number, body):
    response = put(
        cloud, f"{CLASS_URL}/default", {"quota_class_set": body}, headers=version(number)
    )
    assert response.status_int == 400, response.text


def test_class_sets_are_for_admins(cloud):
    response = cloud.get(f"{CLASS_URL}/default", token=DEMO)
    assert response.json == forbidden(
        "Policy doesn't allow os_compute_api:os-quota-class-sets:show to be performed."
    )
    response = put(cloud, f"{CLASS_URL}/default", {"quota_class_set": {"cores": 1}}, token=DEMO)
    assert response.status_int == 403
    response = put(cloud, f"{CLASS_URL}/{'x' * 256}", {"quota_class_set": {"cores": 1}})
    assert response.json == bad_request("quota_class_name has 256 characters, more than 255.")


# -- /limits --------------------------------------------------------------------------------

ABSOLUTE_2_1 = {
    "maxImageMeta": 128,
    "maxPersonality": 5,
    "maxPersonalitySize": 10240,
    "maxSecurityGroupRules": -1,
    "maxSecurityGroups": -1,
    "maxServerGroupMembers": 10,
    "maxServerGroups": 10,
    "maxServerMeta": 128,
    "maxTotalCores": 20,
    "maxTotalFloatingIps": -1,
    "maxTotalInstances": 10,
    "maxTotalKeypairs": 100,
    "maxTotalRAMSize": 51200,
    "totalCoresUsed": 0,
    "totalFloatingIpsUsed": 0,
    "totalInstancesUsed": 0,
    "totalRAMUsed": 0,
    "totalSecurityGroupsUsed": 0,
    "totalServerGroupsUsed": 0,
}
NETWORK_LIMITS = {
    "maxSecurityGroupRules",
    "maxSecurityGroups",
    "maxTotalFloatingIps",
    "totalFloatingIpsUsed",
    "totalSecurityGroupsUsed",
}


@pytest.mark.parametrize(
    "number, hidden",
    [
        ("2.1", set()),
        ("2.36", NETWORK_LIMITS),
        ("2.39", NETWORK_LIMITS | {"maxImageMeta"}),
        ("2.57", NETWORK_LIMITS | {"maxImageMeta", "maxPersonality", "maxPersonalitySize"}),
    ],
)
def test_limits_per_microversion(cloud, number, hidden):
    response = cloud.get("/v2.1/limits", token=DEMO, headers=version(number))
    assert response.status_int == 200
    absolute = {k: v for k, v in ABSOLUTE_2_1.items() if k not in hidden}
    assert response.json == {"limits": {"rate": [], "absolute": absolute}}


def test_limits_show_usage_and_the_projects_limits(cloud, flavor, db):
    set_quotas(cloud, cores=7)
    boot(cloud, token=DEMO, min_count=3)
    insert_group(db, "demo", "demo")
    absolute = cloud.get("/v2.1/limits", token=DEMO).json["limits"]["absolute"]
    assert absolute["maxTotalCores"] == 7
    assert (absolute["totalInstancesUsed"], absolute["totalCoresUsed"]) == (3, 3)
    assert (absolute["totalRAMUsed"], absolute["totalServerGroupsUsed"]) == (6144, 1)
    # an admin may look at another project's
    absolute = cloud.get("/v2.1/limits?tenant_id=demo").json["limits"]["absolute"]
    assert (absolute["maxTotalCores"], absolute["totalInstancesUsed"]) == (7, 3)
    assert cloud.get("/v2.1/limits").json["limits"]["absolute"]["totalInstancesUsed"] == 0
    response = cloud.get("/v2.1/limits?tenant_id=demo", token=OTHER)
    assert response.json == forbidden(
        "Policy doesn't allow os_compute_api:limits:other_project to be performed."
    )


def test_limits_query_is_strict_from_2_75(cloud):
    assert cloud.get("/v2.1/limits?foo=1", token=DEMO).status_int == 200
    response = cloud.get("/v2.1/limits?foo=1", token=DEMO, headers=version("2.75"))
    assert response.json == bad_request(
        "Additional properties are not allowed ('foo' was unexpected)"
    )
    response = cloud.get("/v2.1/limits?tenant_id=demo", headers=version("2.75"))
    assert response.status_int == 200
