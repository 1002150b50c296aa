"""Flavor bodies, per microversion.

2.55 adds ``description``; 2.61 ``extra_specs`` (for callers allowed to
index them); 2.75 answers ``swap`` 0 instead of "" when there is none.
"""

from __future__ import annotations

import webob

from nova_lite.api import handler, pagination, views


def basic(req: webob.Request, flavor) -> dict:
    """One item of GET /flavors."""
    body = {
        "id": flavor.flavorid,
        "name": flavor.name,
        "links": views.link(req, "flavors", flavor.flavorid),
    }
    if handler.is_supported(req, "2.55"):
        body["description"] = flavor.description
    return body


def detail(req: webob.Request, flavor, extra_specs: bool = False) -> dict:
    """GET /flavors/{id}, an item of /flavors/detail, and the create and update answers."""
    body = {
        "id": flavor.flavorid,
        "name": flavor.name,
        "ram": flavor.memory_mb,
        "disk": flavor.root_gb,
        "swap": flavor.swap if handler.is_supported(req, "2.75") else flavor.swap or "",
        "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral_gb,
        "OS-FLV-DISABLED:disabled": flavor.disabled,
        "vcpus": flavor.vcpus,
        "os-flavor-access:is_public": flavor.is_public,
        "rxtx_factor": flavor.rxtx_factor or "",
        "links": views.link(req, "flavors", flavor.flavorid),
    }
    if handler.is_supported(req, "2.55"):
        body["description"] = flavor.description
    if extra_specs:
        body["extra_specs"] = dict(flavor.extra_specs)
    return body


def collection(req: webob.Request, flavors, detailed: bool, extra_specs: bool = False) -> dict:
    """GET /flavors or /flavors/detail, with ``flavors_links`` after a full page."""
    if detailed:
        body = {"flavors": [detail(req, f, extra_specs) for f in flavors]}
    else:
        body = {"flavors": [basic(req, f) for f in flavors]}
    links = pagination.next_links(
        req, "flavors/detail" if detailed else "flavors", [f.flavorid for f in flavors]
    )
    if links:
        body["flavors_links"] = links
    return body
