"""The Glance images of instance snapshots (createImage) and of shelved
instances: their records with Nova's properties, their deletion, and the
system_metadata keys that name them."""

from __future__ import annotations

from oslo_config import cfg
from oslo_log import log as logging

from nova_lite import exception
from nova_lite.image import glance
from nova_lite.image import meta as image_meta

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

# Properties a snapshot never inherits, whatever non_inheritable_image_properties
# says, and the namespaces whose properties it never inherits (Nova's lists).
NON_INHERITABLE = frozenset(
    {
        "cinder_encryption_key_id",
        "cinder_encryption_key_deletion_policy",
        "img_signature",
        "img_signature_hash_method",
        "img_signature_key_type",
        "img_signature_certificate_uuid",
    }
)
NON_INHERITABLE_NAMESPACES = ("os_glance",)
# The image a snapshot or shelve in progress uploads to (deleted when it is interrupted).
PENDING_IMAGE = "snapshot_image_id"
# What a shelved instance keeps: when it was shelved, its image, and on which host.
SHELVED_AT = "shelved_at"
SHELVED_IMAGE = "shelved_image_id"
SHELVED_HOST = "shelved_host"
SHELVED_KEYS = (SHELVED_AT, SHELVED_IMAGE, SHELVED_HOST)


def snapshot_properties(context, instance, name: str, extra_properties: dict | None) -> dict:
    """The Glance record of a new snapshot of ``instance`` named ``name`` (Nova's
    create_image): the image it was built from, as its ``image_*`` system metadata
    keeps it, without the properties snapshots do not inherit nor the disk and
    container formats (the driver sets them with the data); ``instance_uuid``,
    ``user_id`` and ``image_type``; then ``extra_properties``, which win. Private,
    or shared with the instance's project when the caller is of another project."""
    inherited = image_meta.from_system_metadata(instance.system_metadata)
    attributes = {key: inherited.pop(key) for key in ("min_ram", "min_disk") if key in inherited}
    for key in ("disk_format", "container_format"):
        inherited.pop(key, None)
    dropped = NON_INHERITABLE | set(CONF.non_inheritable_image_properties)
    properties = {
        key: value
        for key, value in inherited.items()
        if key not in dropped and not key.startswith(NON_INHERITABLE_NAMESPACES)
    }
    for key in ("kernel_id", "ramdisk_id"):  # Glance refuses them when unset
        value = properties.get(key)
        if value is not None and value.strip().lower() in ("none", ""):
            del properties[key]
    extra = {
        "instance_uuid": instance.uuid,
        "user_id": str(context.user_id),
        "image_type": "snapshot",
        **(extra_properties or {}),
    }
    visibility = "private"
    if context.project_id != instance.project_id:
        visibility = "shared"
        extra["instance_owner"] = instance.project_id
    properties.update(extra)
    return {
        "name": name,
        "visibility": visibility,
        **attributes,
        **{key: None if value is None else str(value) for key, value in properties.items()},
    }


def create(context, instance, name: str, extra_properties: dict | None = None) -> dict:
    """Create the (queued) Glance image a snapshot of ``instance`` uploads to; an image
    shared with the instance's project names that project a member."""
    api = glance.API()
    image = api.create(context, snapshot_properties(context, instance, name, extra_properties))
    if image.get("visibility") == "shared":
        try:
            api.add_member(context, image["id"], instance.project_id)
        except Exception:
            delete(context, image["id"])
            raise
    return image


def delete(context, image_id: str | None, unless_active: bool = False) -> None:
    """Delete the image if it still exists (and, with ``unless_active``, is not
    complete); failures are logged, never raised: this is cleanup."""
    if not image_id:
        return
    api = glance.API()
    try:
        if unless_active and api.get(context, image_id).get("status") == "active":
            return
        api.delete(context, image_id)
        LOG.info("Deleted image %s", image_id)
    except exception.ImageNotFound:
        LOG.debug("Image %s was already deleted", image_id)
    except Exception as error:  # noqa: BLE001 - cleanup must not hide the real outcome
        LOG.warning("Could not delete image %s: %s", image_id, error)


def drop_keys(instance, keys) -> dict[str, str | None]:
    """Remove ``keys`` from the instance's system_metadata (saved with its next
    save); return the values they had."""
    system_metadata = instance.system_metadata
    removed = {key: system_metadata[key] for key in keys if key in system_metadata}
    if removed:
        instance.system_metadata = {
            key: value for key, value in system_metadata.items() if key not in removed
        }
    return removed


def forget_shelved_image(instance) -> str | None:
    """Drop the shelved_* keys (saved with the instance's next save) of an instance
    leaving the shelf; return its shelved image's id, for the caller to delete."""
    return drop_keys(instance, SHELVED_KEYS).get(SHELVED_IMAGE)


def end_interrupted(context, instance, keep_complete: bool) -> None:
    """Delete the image of an interrupted snapshot or shelve (unless it is complete
    and ``keep_complete``) and drop its key (saved with the instance's next save)."""
    image_id = drop_keys(instance, [PENDING_IMAGE]).get(PENDING_IMAGE)
    delete(context, image_id, unless_active=keep_complete)
