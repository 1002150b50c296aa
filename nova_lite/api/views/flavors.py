"""Flavor bodies."""

from __future__ import annotations

import webob

from nova_lite.api import views


def basic(req: webob.Request, flavor) -> dict:
    return {
        "id": flavor.flavorid,
        "name": flavor.name,
        "links": views.link(req, "flavors", flavor.flavorid),
    }


def detail(req: webob.Request, flavor) -> dict:
    return {
        **basic(req, flavor),
        "ram": flavor.memory_mb,
        "disk": flavor.root_gb,
        "vcpus": flavor.vcpus,
        "swap": flavor.swap or "",
        "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral_gb,
        "OS-FLV-DISABLED:disabled": flavor.disabled,
        "os-flavor-access:is_public": flavor.is_public,
        "rxtx_factor": flavor.rxtx_factor,
    }
