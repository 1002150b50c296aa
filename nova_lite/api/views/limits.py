"""The /limits body: absolute limits and usage under Nova's names; no rate limits."""

from __future__ import annotations

import webob

from nova_lite.api import handler
from nova_lite.api.views.quotas import hidden_quotas

# Resource -> the names of its limit.
LIMIT_NAMES = {
    "ram": ("maxTotalRAMSize",),
    "instances": ("maxTotalInstances",),
    "cores": ("maxTotalCores",),
    "key_pairs": ("maxTotalKeypairs",),
    "floating_ips": ("maxTotalFloatingIps",),
    "metadata_items": ("maxServerMeta", "maxImageMeta"),
    "injected_files": ("maxPersonality",),
    "injected_file_content_bytes": ("maxPersonalitySize",),
    "security_groups": ("maxSecurityGroups",),
    "security_group_rules": ("maxSecurityGroupRules",),
    "server_groups": ("maxServerGroups",),
    "server_group_members": ("maxServerGroupMembers",),
}
# The name of a usage -> its resource.
USED_NAMES = {
    "totalRAMUsed": "ram",
    "totalCoresUsed": "cores",
    "totalInstancesUsed": "instances",
    "totalFloatingIpsUsed": "floating_ips",
    "totalSecurityGroupsUsed": "security_groups",
    "totalServerGroupsUsed": "server_groups",
}


def index(req: webob.Request, quotas: dict) -> dict:
    """``quotas`` (``{"limit", "in_use"}`` by resource) as Nova's limits body:
    network limits gone from 2.36, maxImageMeta from 2.39, personality from 2.57."""
    hidden = hidden_quotas(req)
    skipped = ("maxImageMeta",) if handler.is_supported(req, "2.39") else ()
    absolute = {
        limit_name: quotas[name]["limit"]
        for name, limit_names in LIMIT_NAMES.items()
        if name in quotas and name not in hidden
        for limit_name in limit_names
        if limit_name not in skipped
    }
    absolute.update(
        {
            used_name: quotas[name]["in_use"]
            for used_name, name in USED_NAMES.items()
            if name in quotas and name not in hidden
        }
    )
    return {"limits": {"rate": [], "absolute": absolute}}
