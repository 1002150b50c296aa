"""Servers and their Glance images: Nova's checks on create, rebuild and rescue,
and the image_* system metadata, against the session's real Glance."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from nova_lite.db import models
from tests.functional.test_servers import IMAGE, boot, count_rows, wait_status

GIB = 1024**3


def _fault(response, code: int = 400) -> str:
    assert response.status_int == code, response.text
    name = {400: "badRequest", 403: "forbidden"}[code]
    return response.json[name]["message"]


def _create(cloud, image_id: str, flavor_id: str = "1", token: str | None = None):
    body = {"server": {"name": "vm", "flavorRef": flavor_id, "imageRef": image_id}}
    return cloud.post("/v2.1/servers", body, token=token)


def _system_metadata(db, server_id: str) -> dict[str, str]:
    table = models.InstanceSystemMetadata
    with db.get_engine().connect() as connection:
        rows = connection.execute(
            select(table.key, table.value).where(
                table.instance_uuid == server_id, table.deleted == 0
            )
        )
        return dict(rows.all())


@pytest.mark.parametrize(
    "image, message",
    [
        (None, "Can not find requested image"),
        ({"data": None}, "Image {id} is not active."),
        ({"min_ram": 4096}, "Flavor's memory is too small for requested image."),
        (
            {"min_disk": 20},
            "Flavor's disk is smaller than the minimum size specified in image metadata. "
            f"Flavor disk is {10 * GIB} bytes, minimum size is {20 * GIB} bytes.",
        ),
    ],
    ids=["missing", "queued", "min_ram", "min_disk"],
)
def test_create_refuses_unusable_images_and_creates_nothing(
    cloud, flavor, db, glance, image, message
):
    image_id = str(uuid.uuid4())
    if image is not None:
        fields = {"data": b"disk", **image}
        glance.create_image(id=image_id, **fields)
    response = _create(cloud, image_id)
    assert _fault(response) == message.format(id=image_id)
    assert count_rows(db, models.Instance) == 0
    assert cloud.get("/v2.1/servers/detail?all_tenants=1").json["servers"] == []


def test_create_accepts_an_image_that_just_fits(cloud, flavor, glance):
    image = glance.create_image(min_ram=2048, min_disk=10)
    server = _create(cloud, image["id"]).json["server"]
    assert wait_status(cloud, server["id"], "ACTIVE")["image"]["id"] == image["id"]


def test_zero_disk_flavor_needs_the_admin_policy(cloud, db):
    flavor = {"name": "diskless", "ram": 512, "vcpus": 1, "disk": 0, "id": "0disk"}
    assert cloud.post("/v2.1/flavors", {"flavor": flavor}).status_int == 200
    response = _create(cloud, IMAGE, "0disk", token="demo:demo")
    assert _fault(response, 403) == (
        "Only volume-backed servers are allowed for flavors with zero disk."
    )
    assert count_rows(db, models.Instance) == 0
    server = _create(cloud, IMAGE, "0disk").json["server"]  # admin
    wait_status(cloud, server["id"], "ACTIVE")


def test_create_stores_the_image_system_metadata(cloud, flavor, db, glance):
    image = glance.create_image(
        min_ram=512,
        min_disk=2,
        disk_format="ami",
        container_format="ami",
        hw_disk_bus="virtio",
        os_distro="debian",
    )
    server = _create(cloud, image["id"]).json["server"]
    system_metadata = _system_metadata(db, server["id"])
    assert {k: v for k, v in system_metadata.items() if k.startswith("image_")} == {
        "image_base_image_ref": image["id"],
        "image_min_ram": "512",
        "image_min_disk": "10",  # at least the flavor's root disk, as Nova keeps it
        "image_disk_format": "ami",
        "image_container_format": "ami",
        "image_hw_disk_bus": "virtio",
        "image_os_distro": "debian",
    }


def test_rebuild_checks_the_new_image_and_replaces_its_metadata(cloud, flavor, db, glance):
    old = glance.create_image(hw_old="1")
    server = boot(cloud, imageRef=old["id"])["server"]
    wait_status(cloud, server["id"], "ACTIVE")
    path = f"/v2.1/servers/{server['id']}/action"

    missing = cloud.post(path, {"rebuild": {"imageRef": str(uuid.uuid4())}})
    assert _fault(missing) == "Cannot find image for rebuild"
    too_big = glance.create_image(min_ram=8192)
    assert _fault(cloud.post(path, {"rebuild": {"imageRef": too_big["id"]}})) == (
        "Flavor's memory is too small for requested image."
    )
    queued = glance.create_image(data=None)
    assert _fault(cloud.post(path, {"rebuild": {"imageRef": queued["id"]}})) == (
        f"Image {queued['id']} is not active."
    )
    shown = cloud.get(f"/v2.1/servers/{server['id']}").json["server"]
    assert (shown["image"]["id"], shown["status"]) == (old["id"], "ACTIVE")

    new = glance.create_image(hw_new="2")
    assert cloud.post(path, {"rebuild": {"imageRef": new["id"]}}).status_int == 202
    wait_status(cloud, server["id"], "ACTIVE")
    system_metadata = _system_metadata(db, server["id"])
    assert system_metadata["image_base_image_ref"] == new["id"]
    assert system_metadata["image_hw_new"] == "2" and "image_hw_old" not in system_metadata


def test_rescue_with_a_missing_image_is_refused(cloud, flavor):
    server = boot(cloud)["server"]
    wait_status(cloud, server["id"], "ACTIVE")
    missing = str(uuid.uuid4())
    response = cloud.post(
        f"/v2.1/servers/{server['id']}/action", {"rescue": {"rescue_image_ref": missing}}
    )
    assert _fault(response) == f"Requested rescue image '{missing}' is not supported"
    assert cloud.get(f"/v2.1/servers/{server['id']}").json["server"]["status"] == "ACTIVE"
