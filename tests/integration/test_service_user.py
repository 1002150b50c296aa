"""The service user ([service_user], Keystone user ``nova``) behind real Keystone and
Glance: repairs that run without a caller's token still reach Glance, and the
callers' calls carry nova's service token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration import deployment as dep_mod
from tests.integration.test_crash import _settled, _task, _wait
from tests.integration.test_keystone import FLAVOR, KeystoneCloud, keystone_cloud

MICROVERSION_2_45 = {"OpenStack-API-Version": "compute 2.45"}


@pytest.fixture(scope="module")
def cloud(infrastructure) -> Iterator[KeystoneCloud]:
    """Keystone, Glance and api + conductor + scheduler + compute1, whose fake guests
    outlive a kill -9."""
    with keystone_cloud(
        "service-user",
        computes=1,
        report_interval=1,
        service_down_time=10,
        extra_config={"compute1": {"fake.persistent": "true"}},
    ) as started:
        yield started


def _boot(cloud: KeystoneCloud, client: dep_mod.ApiClient, name: str, hang: str = "") -> str:
    server = {"name": name, "flavorRef": FLAVOR, "imageRef": cloud.image["id"]}
    if hang:
        server["metadata"] = {"fake:hang": hang}
    server_id = client.ok("POST", "/servers", 202, json={"server": server})["server"]["id"]
    _wait(client, server_id, _settled("ACTIVE"))
    return server_id


def _action(client: dep_mod.ApiClient, server_id: str, body: dict, **kwargs) -> dict | None:
    return client.ok("POST", f"/servers/{server_id}/action", 202, json=body, **kwargs)


def _image(cloud: KeystoneCloud, image_id: str):
    """GET of the image in Glance, as the cloud's admin."""
    return cloud.glance.request("GET", f"/images/{image_id}", cloud.keystone.token("admin"))


def test_compute_restart_deletes_the_image_of_an_interrupted_snapshot(cloud):
    member = cloud.client("member")
    server_id = _boot(cloud, member, "snap-crash", hang="snapshot=600")
    image_id = _action(
        member, server_id, {"createImage": {"name": "half-made"}}, headers=MICROVERSION_2_45
    )["image_id"]
    _wait(member, server_id, _task("image_snapshot"))  # held inside the driver
    queued = _image(cloud, image_id)
    assert queued.status_code == 200, queued.text
    assert queued.json()["status"] == "queued"

    # The restarted compute repairs the task with an admin context (no caller's
    # token): it deletes the image as the service user before clearing the task.
    cloud.deployment.restart("compute1")
    server = _wait(member, server_id, _settled("ACTIVE"))
    assert "fault" not in server
    gone = _image(cloud, image_id)
    assert gone.status_code == 404, gone.text


def test_unshelve_of_a_members_server_deletes_its_shelved_image(cloud):
    member = cloud.client("member")
    server_id = _boot(cloud, member, "shelf")
    _action(member, server_id, {"shelve": None})
    _wait(member, server_id, _settled("SHELVED_OFFLOADED"))
    admin_token = cloud.keystone.token("admin")
    listed = cloud.glance.request("GET", "/images", admin_token, params={"name": "shelf-shelved"})
    (image,) = [i for i in listed.json()["images"] if i.get("instance_uuid") == server_id]
    assert (image["status"], image["owner"]) == ("active", cloud.keystone.project_id("demo"))

    _action(member, server_id, {"unshelve": None})
    _wait(member, server_id, _settled("ACTIVE"))
    gone = _image(cloud, image["id"])
    assert gone.status_code == 404, gone.text
