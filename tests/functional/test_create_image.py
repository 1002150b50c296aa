"""createImage: the image record in the session's real Glance, the upload by the
fake driver, the task states on the way, failures, and interrupted snapshots."""

from __future__ import annotations

import datetime
import time
import uuid

import pytest
from sqlalchemy import select, update

from nova_lite import context as nova_context
from nova_lite.db import models
from nova_lite.virt import fake
from tests.functional.test_recovery import _server, _set_columns, _show
from tests.functional.test_server_actions import action, settled
from tests.functional.test_server_images import _system_metadata
from tests.functional.test_servers import IMAGE, boot, wait_status

DEMO = "demo:demo"
F, E = models.InstanceFault, models.InstanceActionEvent


def version(value: str) -> dict:
    return {"OpenStack-API-Version": f"compute {value}"}


def create_image(cloud, server_id: str, name: str = "snap", token=DEMO, at="2.45", **params):
    body = {"createImage": {"name": name, **params}}
    return cloud.post(f"/v2.1/servers/{server_id}/action", body, token=token, headers=version(at))


def glance_image(glance, image_id: str) -> dict | None:
    response = glance.request("GET", f"/images/{image_id}")
    return response.json() if response.status_code == 200 else None


def image_data(glance, image_id: str) -> bytes:
    return glance.request("GET", f"/images/{image_id}/file").content


def events(db, server_id: str, action: str) -> list[tuple[str, str | None]]:
    """(event, result) of the server's instance action ``action``, once all finished."""
    deadline = time.monotonic() + 5
    while True:
        with db.get_engine().connect() as connection:
            rows = connection.execute(
                select(E.event, E.result, E.finish_time)
                .join(models.InstanceAction, models.InstanceAction.id == E.action_id)
                .where(
                    models.InstanceAction.instance_uuid == server_id,
                    models.InstanceAction.action == action,
                )
                .order_by(E.id)
            ).all()
        if all(row.finish_time for row in rows) or time.monotonic() > deadline:
            return [(row.event, row.result) for row in rows]
        time.sleep(0.01)


def faults(db, server_id: str) -> list[str]:
    with db.get_engine().connect() as connection:
        return list(
            connection.scalars(select(F.message).where(F.instance_uuid == server_id).order_by(F.id))
        )


@pytest.fixture
def server(cloud, flavor) -> str:
    server_id = boot(cloud, token=DEMO)["server"]["id"]
    wait_status(cloud, server_id, "ACTIVE")
    return server_id


def test_create_image_uploads_a_snapshot_with_novas_properties(cloud, server, glance, db):
    response = create_image(cloud, server, metadata={"purpose": "backup"})
    assert response.status_int == 202, response.text
    image_id = response.json["image_id"]
    shown = settled(cloud, server, "ACTIVE")
    image = glance_image(glance, image_id)
    assert image["status"] == "active"
    assert {key: image.get(key) for key in ("name", "visibility", "disk_format")} == {
        "name": "snap",
        "visibility": "private",
        "disk_format": "raw",
    }
    assert (image["min_disk"], image["min_ram"]) == (10, 0)  # the flavor's root disk
    assert {key: image.get(key) for key in ("instance_uuid", "user_id", "image_type")} == {
        "instance_uuid": server,
        "user_id": "demo",
        "image_type": "snapshot",
    }
    assert (image["base_image_ref"], image["purpose"]) == (IMAGE, "backup")
    assert image_data(glance, image_id) == fake.snapshot_data(type("I", (), {"uuid": server}))
    assert shown["OS-EXT-STS:power_state"] == 1
    assert "snapshot_image_id" not in _system_metadata(db, server)
    assert events(db, server, "createImage") == [("compute_snapshot_instance", "Success")]


def test_create_image_before_2_45_answers_with_the_image_location(cloud, server, glance):
    response = create_image(cloud, server, at="2.44")
    assert response.status_int == 202, response.text
    assert not response.body
    location = response.headers["Location"]
    assert location.startswith(f"{glance.url}/images/")
    settled(cloud, server, "ACTIVE")
    assert glance_image(glance, location.rsplit("/", 1)[1])["status"] == "active"


def test_task_states_on_the_way(cloud, server, db, monkeypatch):
    """image_snapshot_pending (API) -> image_snapshot -> image_pending_upload ->
    image_uploading -> None, each saved before the next step."""
    seen = []

    def saved_task() -> str | None:
        with db.get_engine().connect() as connection:
            return connection.scalar(
                select(models.Instance.task_state).where(models.Instance.uuid == server)
            )

    for service in cloud.services[2:]:
        driver = service.manager.driver
        original = driver.snapshot

        def recording(context, instance, image_id, update_task_state, original=original):
            seen.append(saved_task())

            def update(**kwargs):
                update_task_state(**kwargs)
                seen.append(saved_task())

            original(context, instance, image_id, update)

        monkeypatch.setattr(driver, "snapshot", recording)
    response = create_image(cloud, server)
    assert response.status_int == 202, response.text
    settled(cloud, server, "ACTIVE")
    assert seen == ["image_snapshot", "image_pending_upload", "image_uploading"]


@pytest.mark.parametrize(
    "first, status", [({"os-stop": None}, "SHUTOFF"), ({"pause": None}, "PAUSED")]
)
def test_create_image_of_a_stopped_or_paused_server_keeps_its_state(
    cloud, server, glance, first, status
):
    assert action(cloud, server, first, token=DEMO).status_int == 202
    settled(cloud, server, status)
    response = create_image(cloud, server)
    assert response.status_int == 202, response.text
    settled(cloud, server, status)
    assert glance_image(glance, response.json["image_id"])["status"] == "active"


def test_create_image_of_a_locked_server_is_allowed(cloud, server, glance):
    assert action(cloud, server, {"lock": None}, token=DEMO).status_int == 202
    response = create_image(cloud, server)
    assert response.status_int == 202, response.text
    settled(cloud, server, "ACTIVE")


def test_create_image_in_the_wrong_state_is_409_and_creates_no_image(cloud, server, glance):
    assert action(cloud, server, {"rescue": None}, token=DEMO).status_int == 200
    settled(cloud, server, "RESCUE")
    name = f"never-{uuid.uuid4().hex[:8]}"
    response = create_image(cloud, server, name=name)
    assert response.status_int == 409
    assert response.json["conflictingRequest"]["message"] == (
        f"Cannot 'createImage' instance {server} while it is in vm_state rescued"
    )
    listed = glance.request("GET", "/images", params={"name": name}).json()["images"]
    assert listed == []


@pytest.mark.parametrize(
    "body",
    [
        {"createImage": {}},
        {"createImage": {"name": ""}},
        {"createImage": {"name": "x", "metadata": {"k": 1}}},
        {"createImage": {"name": "x", "extra": 1}},
        {"createImage": None},
    ],
)
def test_create_image_bad_body_is_400(cloud, server, body):
    assert action(cloud, server, body, token=DEMO).status_int == 400


def test_image_metadata_counts_against_the_quota_before_2_39(cloud, server, conf):
    conf.set_override("metadata_items", 1, group="quota")
    metadata = {"a": "1", "b": "2"}
    response = create_image(cloud, server, at="2.38", metadata=metadata)
    assert response.status_int == 403
    assert response.json["forbidden"]["message"] == "Image metadata limit exceeded"
    assert create_image(cloud, server, at="2.39", metadata=metadata).status_int == 202
    settled(cloud, server, "ACTIVE")


def test_another_projects_server_is_404(cloud, server):
    assert create_image(cloud, server, token="other:other").status_int == 404


def test_snapshot_failure_deletes_the_image_and_keeps_the_server(cloud, server, glance, db):
    body = {"meta": {"fake:fail": "snapshot"}}
    response = cloud.request("PUT", f"/v2.1/servers/{server}/metadata/fake:fail", body, token=DEMO)
    assert response.status_int == 200, response.text
    response = create_image(cloud, server)
    assert response.status_int == 202, response.text
    image_id = response.json["image_id"]
    shown = settled(cloud, server, "ACTIVE")
    assert shown["OS-EXT-STS:power_state"] == 1
    assert glance_image(glance, image_id) is None
    assert faults(db, server) == ["Injected failure in snapshot of the fake driver"]
    assert events(db, server, "createImage") == [("compute_snapshot_instance", "Error")]
    assert "snapshot_image_id" not in _system_metadata(db, server)


def test_snapshot_of_a_server_deleted_meanwhile_leaves_no_image(cloud, server, glance, db):
    response = create_image(cloud, server)
    image_id = response.json["image_id"]
    assert cloud.delete(f"/v2.1/servers/{server}", token=DEMO).status_int == 204
    cloud.wait_for(f"/v2.1/servers/{server}", lambda r: r.status_int == 404)
    image = glance_image(glance, image_id)
    # Deleted unless the upload completed before the delete won (as Nova).
    assert image is None or image["status"] == "active"


# -- interrupted snapshots -------------------------------------------------------------------
def _pending_image(glance, db, server_id: str) -> str:
    """A queued image recorded as the server's snapshot in progress."""
    image_id = glance.create_image(data=None)["id"]
    with db._write_lock(), db.get_engine().begin() as connection:
        connection.execute(
            models.InstanceSystemMetadata.__table__.insert().values(
                instance_uuid=server_id, key="snapshot_image_id", value=image_id, deleted=0
            )
        )
    return image_id


@pytest.mark.parametrize("task", ["image_snapshot_pending", "image_uploading"])
def test_restart_mid_snapshot_clears_the_task_and_deletes_the_image(
    cloud, flavor, glance, db, task
):
    server_id, compute = _server(cloud)
    image_id = _pending_image(glance, db, server_id)
    _set_columns(db, server_id, task_state=task)
    compute.stop()
    compute.start()
    shown = _show(cloud, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    assert glance_image(glance, image_id) is None
    assert "snapshot_image_id" not in _system_metadata(db, server_id)


def test_interrupted_snapshot_keeps_a_completed_image(cloud, flavor, glance, db):
    server_id, compute = _server(cloud)
    image_id = _pending_image(glance, db, server_id)
    glance.request(
        "PUT",
        f"/images/{image_id}/file",
        data=b"complete",
        headers={"Content-Type": "application/octet-stream"},
    )
    _set_columns(db, server_id, task_state="image_uploading")
    compute.stop()
    compute.start()
    assert _show(cloud, server_id)["OS-EXT-STS:task_state"] is None
    assert glance_image(glance, image_id)["status"] == "active"


def test_an_admins_snapshot_of_a_users_server_is_shared_with_its_project(cloud, server, glance):
    response = create_image(cloud, server, token="admin:admin")
    assert response.status_int == 202, response.text
    image_id = response.json["image_id"]
    settled(cloud, server, "ACTIVE")
    image = glance_image(glance, image_id)
    assert (image["visibility"], image["instance_owner"]) == ("shared", "demo")
    members = glance.request("GET", f"/images/{image_id}/members").json()["members"]
    assert [m["member_id"] for m in members] == ["demo"]


def test_conductor_ends_a_snapshot_on_a_down_host(cloud, flavor, glance, db):
    server_id, compute = _server(cloud)
    image_id = _pending_image(glance, db, server_id)
    past = datetime.datetime.utcnow() - datetime.timedelta(hours=2)
    _set_columns(db, server_id, task_state="image_uploading", updated_at=past)
    with db._write_lock(), db.get_engine().begin() as connection:
        connection.execute(
            update(models.Service)
            .where(models.Service.host == compute.host, models.Service.binary == "nova-compute")
            .values(forced_down=True)
        )
    cloud.services[0].manager.repair_orphaned_tasks(nova_context.get_admin_context())
    shown = _show(cloud, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ACTIVE", None)
    assert glance_image(glance, image_id) is None
    assert "image_uploading passed its deadline" in faults(db, server_id)[-1]
