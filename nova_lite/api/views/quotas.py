"""Quota set and quota class set bodies: the resources each microversion shows."""

from __future__ import annotations

import webob

from nova_lite.api import handler
from nova_lite.api.schemas.quota_sets import INJECTED_FILE_RESOURCES, NETWORK_RESOURCES

# Not in quota class sets before 2.50 (Nova's bug 1693168).
SERVER_GROUP_RESOURCES = ("server_groups", "server_group_members")


def hidden_quotas(req: webob.Request) -> tuple[str, ...]:
    """Resources os-quota-sets leaves out: nova-network's from 2.36, injected
    files' from 2.57."""
    if handler.is_supported(req, "2.57"):
        return NETWORK_RESOURCES + INJECTED_FILE_RESOURCES
    if handler.is_supported(req, "2.36"):
        return NETWORK_RESOURCES
    return ()


def hidden_class_quotas(req: webob.Request) -> tuple[str, ...]:
    """Resources os-quota-class-sets leaves out: server groups' before 2.50,
    nova-network's from 2.50, injected files' from 2.57."""
    if handler.is_supported(req, "2.57"):
        return NETWORK_RESOURCES + INJECTED_FILE_RESOURCES
    if handler.is_supported(req, "2.50"):
        return NETWORK_RESOURCES
    return SERVER_GROUP_RESOURCES


def quota_set(values: dict, hidden: tuple[str, ...], set_id: str | None = None) -> dict:
    """The shown ``values`` by resource, with ``id`` first when given."""
    body = {} if set_id is None else {"id": str(set_id)}
    body.update({name: value for name, value in sorted(values.items()) if name not in hidden})
    return body


def detail(quotas: dict) -> dict:
    """``{"limit", "in_use", "reserved"}`` per resource; nothing is reserved any more."""
    return {name: {**values, "reserved": 0} for name, values in quotas.items()}
