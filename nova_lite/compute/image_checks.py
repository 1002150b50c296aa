"""Nova's checks of the image a server is built (or rebuilt) from, against its flavor."""

from __future__ import annotations

from oslo_utils import units

from nova_lite import exception
from nova_lite.api import policy

ZERO_DISK_FLAVOR = "os_compute_api:servers:create:zero_disk_flavor"


def check_image_for_flavor(context, image_id: str, image: dict, flavor) -> None:
    """Raise unless ``image`` is active and fits ``flavor``: its memory at least the
    image's ``min_ram``; its root disk at least the image's size and ``min_disk``.
    A flavor without a root disk (root_gb 0) skips the disk checks but needs the
    zero-disk policy (admins only by default), as in Nova."""
    if image.get("status") != "active":
        raise exception.ImageNotActive(image_id=image_id)
    if flavor.memory_mb < int(image.get("min_ram") or 0):
        raise exception.FlavorMemoryTooSmall()
    root_bytes = flavor.root_gb * units.Gi
    if root_bytes == 0:
        target = {"project_id": context.project_id, "user_id": context.user_id}
        if not policy.allowed(context, ZERO_DISK_FLAVOR, target):
            raise exception.BootFromVolumeRequiredForZeroDiskFlavor()
        return
    image_size = int(image.get("size") or 0)
    if image_size > root_bytes:
        raise exception.FlavorDiskSmallerThanImage(flavor_size=root_bytes, image_size=image_size)
    min_disk_bytes = int(image.get("min_disk") or 0) * units.Gi
    if min_disk_bytes > root_bytes:
        raise exception.FlavorDiskSmallerThanMinDisk(
            flavor_size=root_bytes, image_min_disk=min_disk_bytes
        )
