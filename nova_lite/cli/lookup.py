"""Finding resources by name or ID, with one-line errors; the caller's project."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openstack import exceptions as sdk_exc
from oslo_utils import uuidutils

from nova_lite.cli.errors import CommandError


def find(kind: str, finder: Callable[..., Any], name_or_id: str, **query: Any) -> Any:
    """Return what the sdk ``finder`` finds for ``name_or_id``; CommandError if none or several.

    ``kind`` names the resource in messages ("server group").
    """
    try:
        found = finder(name_or_id, ignore_missing=True, **query)
    except sdk_exc.DuplicateResource:
        raise CommandError(f"More than one {kind} is named {name_or_id}; use its ID") from None
    if found is None:
        raise CommandError(f"No {kind} found for {name_or_id}")
    return found


def find_flavor(conn: Any, name_or_id: str) -> Any:
    """Return the flavor with this ID or name; CommandError if none or several."""
    return find("flavor", conn.compute.find_flavor, name_or_id)


def find_server(conn: Any, name_or_id: str, all_projects: bool = False) -> Any:
    """Return the server with this ID or name; CommandError if none or several."""
    return find("server", conn.compute.find_server, name_or_id, all_projects=all_projects)


def server_id(conn: Any, name_or_id: str) -> str:
    """Return the ID of the server with this name or ID; a UUID is taken as it is (so
    that deleted servers can be named)."""
    if uuidutils.is_uuid_like(name_or_id):
        return name_or_id
    return find_server(conn, name_or_id).id


def image_id(conn: Any, name_or_id: str) -> str:
    """Return the ID of the Glance image with this name or ID.

    A UUID is taken as it is (the Compute API checks it with Glance); a name is looked
    up through the image service.
    """
    if uuidutils.is_uuid_like(name_or_id):
        return name_or_id
    check_image_service(conn, f"look up image {name_or_id}")
    return find("image", conn.image.find_image, name_or_id).id


def check_image_service(conn: Any, purpose: str) -> None:
    """Raise CommandError when the image service is the Compute endpoint, as with the
    ``admin_token`` plugin and no image endpoint given."""
    if conn.image.get_endpoint().rstrip("/") == conn.compute.get_endpoint().rstrip("/"):
        raise CommandError(
            f"Cannot {purpose}: no image service (set OS_IMAGE_ENDPOINT_OVERRIDE or "
            "--os-image-endpoint-override to Glance's URL)"
        )


def flavor_names(conn: Any) -> dict[str, str]:
    """Return {flavor id: name} for the flavors the caller can list ({} on failure)."""
    try:
        return {f.id: f.name for f in conn.compute.flavors(details=False)}
    except sdk_exc.SDKException:
        return {}


def current_project(conn: Any) -> str:
    """Return the caller's project ID.

    Keystone tokens name it; with the ``admin_token`` plugin against ``noauth2`` the
    token ``USER:PROJECT`` does (``USER`` alone means project ``USER``, as the API reads it).
    """
    if conn.current_project_id:
        return conn.current_project_id
    config = conn.config.config
    token = (config.get("auth") or {}).get("token")
    if config.get("auth_type") == "admin_token" and token:
        user, _, project = token.partition(":")
        return project or user
    raise CommandError("Cannot tell the current project from the authentication; use --project")
