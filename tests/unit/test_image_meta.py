"""Image metadata helpers and the request context's service catalog."""

from __future__ import annotations

from nova_lite import context as nova_context
from nova_lite.image import meta

IMAGE = {
    "id": "i-1",
    "name": "debian",
    "status": "active",
    "size": 42,
    "min_ram": 256,
    "min_disk": 2,
    "disk_format": "qcow2",
    "container_format": "bare",
    "tags": ["a"],
    "visibility": "public",
    "hw_disk_bus": "virtio",
    "img_block_device_mapping": "[...]",
    "long": "x" * 300,
}


def test_properties_are_the_keys_that_are_not_glance_attributes():
    assert meta.properties(IMAGE) == {
        "hw_disk_bus": "virtio",
        "img_block_device_mapping": "[...]",
        "long": "x" * 300,
    }


def test_system_metadata_as_nova_keeps_it():
    assert meta.system_metadata(IMAGE, root_gb=1) == {
        "image_hw_disk_bus": "virtio",
        "image_long": "x" * 255,
        "image_min_ram": "256",
        "image_min_disk": "2",
        "image_disk_format": "qcow2",
        "image_container_format": "bare",
    }
    assert meta.system_metadata(IMAGE, root_gb=20)["image_min_disk"] == "20"
    vhd = {**IMAGE, "disk_format": "vhd", "min_disk": 5}
    assert meta.system_metadata(vhd, root_gb=1)["image_min_disk"] == "1"
    bare = meta.system_metadata({"id": "x", "min_disk": None}, root_gb=0)
    assert bare == {"image_min_disk": "0"}


def test_context_keeps_the_image_catalog_across_rpc():
    catalog = [
        {"type": "image", "name": "glance", "endpoints": [{"publicURL": "http://g"}]},
        {"type": "identity", "name": "keystone", "endpoints": [{"publicURL": "http://k"}]},
    ]
    ctx = nova_context.RequestContext(
        user_id="u", project_id="p", auth_token="t", service_catalog=catalog
    )
    assert ctx.service_catalog == catalog[:1]
    again = nova_context.RequestContext.from_dict(ctx.to_dict())
    assert (again.service_catalog, again.auth_token) == (catalog[:1], "t")
    assert again.elevated().service_catalog == catalog[:1]
