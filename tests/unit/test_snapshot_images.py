"""The Glance record of an instance's snapshot (Nova's create_image rules)."""

from __future__ import annotations

from types import SimpleNamespace

from nova_lite.compute import snapshot_images
from nova_lite.image import meta

SYSTEM_METADATA = {
    "image_base_image_ref": "image-1",
    "image_min_ram": "512",
    "image_min_disk": "10",
    "image_disk_format": "qcow2",
    "image_container_format": "bare",
    "image_hw_disk_bus": "virtio",
    "image_img_signature": "signed",  # never inherited
    "image_os_glance_import_task": "t",  # nor the os_glance namespace
    "image_cache_in_nova": "True",  # non_inheritable_image_properties
    "image_kernel_id": "None",  # Glance refuses an unset kernel
    "image_ramdisk_id": "ramdisk-1",
    "image_img_block_device_mapping": "[]",  # never kept in system_metadata
    "old_vm_state": "active",  # not an image key
    "snapshot_image_id": "pending",
}


def _instance(project_id: str = "demo"):
    return SimpleNamespace(
        uuid="instance-1", project_id=project_id, system_metadata=SYSTEM_METADATA
    )


def test_the_image_kept_in_system_metadata():
    assert meta.from_system_metadata(SYSTEM_METADATA) == {
        "base_image_ref": "image-1",
        "min_ram": 512,
        "min_disk": 10,
        "disk_format": "qcow2",
        "container_format": "bare",
        "hw_disk_bus": "virtio",
        "img_signature": "signed",
        "os_glance_import_task": "t",
        "cache_in_nova": "True",
        "kernel_id": "None",
        "ramdisk_id": "ramdisk-1",
    }


def test_snapshot_record_inherits_what_nova_inherits(parsed_conf):
    context = SimpleNamespace(user_id="alice", project_id="demo")
    extra = {"purpose": "backup", "base_image_ref": "mine"}
    record = snapshot_images.snapshot_properties(context, _instance(), "snap", extra)
    assert record == {
        "name": "snap",
        "visibility": "private",
        "min_ram": 512,
        "min_disk": 10,
        "base_image_ref": "mine",  # the caller's metadata wins
        "hw_disk_bus": "virtio",
        "ramdisk_id": "ramdisk-1",
        "instance_uuid": "instance-1",
        "user_id": "alice",
        "image_type": "snapshot",
        "purpose": "backup",
    }


def test_snapshot_by_another_project_is_shared_with_the_owner(parsed_conf):
    context = SimpleNamespace(user_id="admin", project_id="admin")
    record = snapshot_images.snapshot_properties(context, _instance("demo"), "snap", None)
    assert (record["visibility"], record["instance_owner"]) == ("shared", "demo")


def test_drop_keys_replaces_the_dict_and_returns_the_values():
    instance = SimpleNamespace(
        system_metadata={"a": "1", "shelved_image_id": "i", "shelved_at": "t"}
    )
    assert snapshot_images.forget_shelved_image(instance) == "i"
    assert instance.system_metadata == {"a": "1"}
    assert snapshot_images.drop_keys(instance, ["missing"]) == {}
