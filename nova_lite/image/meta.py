"""Image metadata: a Glance image's own properties, and the ``image_*`` system
metadata an instance keeps of the image it was built from (Nova's keys)."""

from __future__ import annotations

# Glance v2's base image attributes; every other key of an image is a property.
BASE_ATTRIBUTES = frozenset(
    {
        "checksum", "container_format", "created_at", "direct_url", "disk_format", "file",
        "id", "locations", "min_disk", "min_ram", "name", "os_hash_algo", "os_hash_value",
        "os_hidden", "owner", "protected", "schema", "self", "size", "status", "stores",
        "tags", "updated_at", "virtual_size", "visibility",
    }
)  # fmt: skip
# Attributes an instance inherits as system metadata, and properties too large for it.
INHERITED_ATTRIBUTES = ("min_ram", "min_disk", "disk_format", "container_format")
SKIPPED_PROPERTIES = frozenset(
    {"mappings", "block_device_mapping", "img_mappings", "img_block_device_mapping"}
)
PREFIX = "image_"
MAX_VALUE_LENGTH = 255


def properties(image: dict) -> dict:
    """The image's properties: its keys that are not Glance base attributes."""
    return {key: value for key, value in image.items() if key not in BASE_ATTRIBUTES}


def system_metadata(image: dict, root_gb: int) -> dict[str, str]:
    """``image_<key>`` system metadata for an instance of a ``root_gb`` flavor built
    from ``image``: its properties, and its inherited attributes, ``min_disk`` at
    least the flavor's root disk (a vhd image's is the flavor's)."""
    values = {
        f"{PREFIX}{key}": str(value)[:MAX_VALUE_LENGTH]
        for key, value in properties(image).items()
        if key not in SKIPPED_PROPERTIES
    }
    for key in INHERITED_ATTRIBUTES:
        value = image.get(key)
        if key == "min_disk":
            value = root_gb if image.get("disk_format") == "vhd" else max(value or 0, root_gb)
        if value is not None:
            values[f"{PREFIX}{key}"] = str(value)
    return values


def from_system_metadata(system_metadata: dict) -> dict:
    """The image an instance keeps in its ``image_*`` system metadata, as Glance
    attributes and properties (flat): the inherited attributes with their Glance
    types (``min_ram``/``min_disk`` integers), every other key a property."""
    image: dict = {}
    for key, value in system_metadata.items():
        if not key.startswith(PREFIX) or value is None:
            continue
        key = key[len(PREFIX) :]
        if key in SKIPPED_PROPERTIES:
            continue
        if key in ("min_ram", "min_disk"):
            image[key] = int(value)
        else:
            image[key] = value
    return image
