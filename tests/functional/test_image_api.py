"""nova_lite.image.glance.API against the session's real Glance (no authentication)."""

from __future__ import annotations

import uuid

import pytest

from nova_lite import context as nova_context
from nova_lite import exception
from nova_lite.image import glance as image_glance


@pytest.fixture
def image_api(conf, glance) -> image_glance.API:
    conf.set_override("endpoint_override", glance.url, group="glance")
    return image_glance.API()


@pytest.fixture
def ctx() -> nova_context.RequestContext:
    return nova_context.RequestContext(user_id="demo", project_id="demo")


def _new(image_api, ctx, **properties) -> dict:
    fields = {"name": "snap", "disk_format": "raw", "container_format": "bare", **properties}
    return image_api.create(ctx, fields)


def test_create_upload_download_update_delete(image_api, ctx):
    image = _new(image_api, ctx, id=str(uuid.uuid4()), hw_disk_bus="virtio")
    assert image["status"] == "queued" and image["hw_disk_bus"] == "virtio"
    with pytest.raises(exception.ImageUnacceptable, match="Image has no associated data"):
        image_api.download(ctx, image["id"])

    image_api.upload(ctx, image["id"], iter([b"first ", b"second"]))
    shown = image_api.get(ctx, image["id"])
    assert (shown["status"], shown["size"]) == ("active", 12)
    assert b"".join(image_api.download(ctx, image["id"])) == b"first second"

    updated = image_api.update(
        ctx, image["id"], {"name": "renamed", "hw_disk_bus": None, "os_distro": "debian"}
    )
    assert updated["name"] == "renamed" and updated["os_distro"] == "debian"
    assert "hw_disk_bus" not in updated

    image_api.delete(ctx, image["id"])
    with pytest.raises(exception.ImageNotFound) as missing:
        image_api.get(ctx, image["id"])
    assert missing.value.code == 404
    assert missing.value.format_message() == f"Image {image['id']} could not be found."


def test_upload_of_bytes_and_errors_in_novas_words(image_api, ctx):
    image = _new(image_api, ctx)
    image_api.upload(ctx, image["id"], b"data")
    with pytest.raises(exception.ImageServiceError, match="409 to PUT"):
        image_api.upload(ctx, image["id"], b"again")
    with pytest.raises(exception.ImageBadRequest, match="does not match schema"):
        image_api.create(ctx, {"disk_format": "floppy"})
    missing = str(uuid.uuid4())
    for call in (
        lambda: image_api.download(ctx, missing),
        lambda: image_api.delete(ctx, missing),
        lambda: image_api.update(ctx, missing, {"name": "x"}),
    ):
        with pytest.raises(exception.ImageNotFound):
            call()


def test_no_endpoint_is_a_connection_failure(conf, ctx):
    api = image_glance.API()
    with pytest.raises(exception.GlanceConnectionFailed, match="service catalog is empty"):
        api.get(ctx, str(uuid.uuid4()))
    conf.set_override("endpoint_override", "http://127.0.0.1:1", group="glance")
    with pytest.raises(exception.GlanceConnectionFailed, match="127.0.0.1:1"):
        api.get(ctx, str(uuid.uuid4()))
