"""Flavor access (admin): which projects may use a private flavor.

GET /flavors/{id}/os-flavor-access, and the ``addTenantAccess`` and
``removeTenantAccess`` actions on /flavors/{id}/action. Nova checks the
tenant against Keystone; nova-lite takes it as given.
"""

from __future__ import annotations

import webob

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.schemas import flavor_access as schemas
from nova_lite.objects.flavor import Flavor


def _access_list(flavor) -> dict:
    return {
        "flavor_access": [
            {"flavor_id": flavor.flavorid, "tenant_id": project_id}
            for project_id in flavor.projects
        ]
    }


def _flavor(req: webob.Request, flavor_id: str, rule: str) -> Flavor:
    context = handler.context_of(req)
    policy.authorize(context, rule)
    return Flavor.get_by_flavor_id(context, flavor_id)


@handler.handler()
def index(req: webob.Request, flavor_id: str) -> dict:
    """The projects a private flavor is shared with; a public flavor has no list (404)."""
    flavor = _flavor(req, flavor_id, "os_compute_api:os-flavor-access")
    if flavor.is_public:
        raise exception.NotFound(message="Access list not available for public flavors.")
    return _access_list(flavor)


@handler.handler(schema=schemas.add_tenant_access)
def add_tenant_access(req: webob.Request, flavor_id: str, body: dict) -> dict:
    """Share a flavor with a project; from 2.7 a public flavor is a 409."""
    flavor = _flavor(req, flavor_id, "os_compute_api:os-flavor-access:add_tenant_access")
    if flavor.is_public and handler.is_supported(req, "2.7"):
        raise exception.Conflict(message="Can not add access to a public flavor.")
    flavor.add_access(body["addTenantAccess"]["tenant"])
    return _access_list(flavor)


@handler.handler(schema=schemas.remove_tenant_access)
def remove_tenant_access(req: webob.Request, flavor_id: str, body: dict) -> dict:
    """Stop sharing a flavor with a project; 404 when it was not shared."""
    flavor = _flavor(req, flavor_id, "os_compute_api:os-flavor-access:remove_tenant_access")
    flavor.remove_access(body["removeTenantAccess"]["tenant"])
    return _access_list(flavor)


ACTIONS = {
    "addTenantAccess": [add_tenant_access],
    "removeTenantAccess": [remove_tenant_access],
}
