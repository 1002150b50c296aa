"""/flavors/{id}/os-extra_specs: a flavor's extra specs, all or by key.

Keys and values are checked as Nova checks them before 2.86 (key pattern,
values of at most 255 characters; numbers are stored as strings). From
2.86 Nova also validates the keys and values of the namespaces it knows
(``hw:``, ``hw_rng:``, ``resources``, ``trait``, ...); nova-lite does not
and accepts them as at 2.85.
"""

from __future__ import annotations

import webob

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.schemas import flavor_extra_specs as schemas
from nova_lite.objects.flavor import Flavor

_MAX_VALUE_LENGTH = 255


def _as_strings(specs: dict) -> dict[str, str]:
    """Values as stored; a number longer than 255 characters written out is a 400."""
    stored = {}
    for key, value in specs.items():
        text = str(value)
        if len(text) > _MAX_VALUE_LENGTH:
            raise exception.InvalidRequest(
                reason=f"extra_specs value has {len(text)} characters, more than "
                f"{_MAX_VALUE_LENGTH}."
            )
        stored[key] = text
    return stored


def _authorize(req: webob.Request, action: str):
    context = handler.context_of(req)
    rule = f"os_compute_api:os-flavor-extra-specs:{action}"
    policy.authorize(context, rule, {"project_id": context.project_id})
    return context


@handler.handler()
def index(req: webob.Request, flavor_id: str) -> dict:
    context = _authorize(req, "index")
    return {"extra_specs": dict(Flavor.get_by_flavor_id(context, flavor_id).extra_specs)}


@handler.handler(schema=schemas.create)
def create(req: webob.Request, flavor_id: str, body: dict) -> dict:
    """Add or replace extra specs (admin); answers the request body, as Nova does."""
    context = _authorize(req, "create")
    specs = _as_strings(body["extra_specs"])
    Flavor.get_by_flavor_id(context, flavor_id).update_extra_specs(specs)
    return body


@handler.handler(schema=schemas.update)
def update(req: webob.Request, flavor_id: str, key: str, body: dict) -> dict:
    """Set the one extra spec the URL names (admin); the body must name the same key."""
    context = _authorize(req, "update")
    specs = _as_strings(body)
    if key not in specs:
        raise exception.InvalidRequest(reason="Request body and URI mismatch")
    Flavor.get_by_flavor_id(context, flavor_id).update_extra_specs(specs)
    return body


@handler.handler()
def show(req: webob.Request, flavor_id: str, key: str) -> dict:
    context = _authorize(req, "show")
    specs = Flavor.get_by_flavor_id(context, flavor_id).extra_specs
    if key not in specs:
        raise exception.FlavorExtraSpecsNotFound(flavor_id=flavor_id, extra_specs_key=key)
    return {key: specs[key]}


@handler.handler()
def delete(req: webob.Request, flavor_id: str, key: str) -> None:
    """Remove one extra spec (admin): 200 with no body, as Nova answers."""
    context = _authorize(req, "delete")
    Flavor.get_by_flavor_id(context, flavor_id).delete_extra_spec(key)
