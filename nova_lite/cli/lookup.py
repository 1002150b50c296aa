"""Finding flavors and servers by name or ID, with one-line errors."""

from __future__ import annotations

from typing import Any

from openstack import exceptions as sdk_exc

from nova_lite.cli.errors import CommandError


def find_flavor(conn: Any, name_or_id: str) -> Any:
    """Return the flavor with this ID or name; CommandError if none or several."""
    try:
        flavor = conn.compute.find_flavor(name_or_id, ignore_missing=True)
    except sdk_exc.DuplicateResource:
        raise CommandError(f"More than one flavor is named {name_or_id}; use its ID") from None
    if flavor is None:
        raise CommandError(f"No flavor found for {name_or_id}")
    return flavor


def find_server(conn: Any, name_or_id: str, all_projects: bool = False) -> Any:
    """Return the server with this ID or name; CommandError if none or several."""
    try:
        server = conn.compute.find_server(
            name_or_id, ignore_missing=True, all_projects=all_projects
        )
    except sdk_exc.DuplicateResource:
        raise CommandError(f"More than one server is named {name_or_id}; use its ID") from None
    if server is None:
        raise CommandError(f"No server found for {name_or_id}")
    return server


def flavor_names(conn: Any) -> dict[str, str]:
    """Return {flavor id: name} for the flavors the caller can list ({} on failure)."""
    try:
        return {f.id: f.name for f in conn.compute.flavors(details=False)}
    except sdk_exc.SDKException:
        return {}
