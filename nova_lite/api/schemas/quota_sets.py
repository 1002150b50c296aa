"""Request and query schemas of /os-quota-sets (Nova's, per microversion)."""

from nova_lite.api import validation

# A limit: an integer (or its string), -1 for unlimited, at most the database's INT.
limit = {
    "type": ["integer", "string"],
    "pattern": "^-?[0-9]+$",
    "minimum": -1,
    "maximum": 0x7FFFFFFF,
}
NETWORK_RESOURCES = ("fixed_ips", "floating_ips", "security_groups", "security_group_rules")
INJECTED_FILE_RESOURCES = (
    "injected_files",
    "injected_file_content_bytes",
    "injected_file_path_bytes",
)
# Every settable resource; ``networks`` is accepted only to be refused (400).
resources = {
    name: limit
    for name in (
        "instances",
        "cores",
        "ram",
        "metadata_items",
        "key_pairs",
        "server_groups",
        "server_group_members",
        *NETWORK_RESOURCES,
        *INJECTED_FILE_RESOURCES,
        "networks",
    )
}


def without(properties: dict, names) -> dict:
    """``properties`` less ``names``."""
    return {k: v for k, v in properties.items() if k not in names}


def _update(properties: dict) -> dict:
    return {
        "type": "object",
        "properties": {
            "quota_set": {
                "type": "object",
                "properties": {**properties, "force": validation.boolean},
                "additionalProperties": False,
            },
        },
        "required": ["quota_set"],
        "additionalProperties": False,
    }


update = _update(resources)
# 2.36: no more nova-network quotas; 2.57: no more injected (personality) files.
update_v236 = _update(without(resources, (*NETWORK_RESOURCES, "networks")))
update_v257 = _update(
    without(resources, (*NETWORK_RESOURCES, "networks", *INJECTED_FILE_RESOURCES))
)

show_query = {
    "type": "object",
    "properties": {"user_id": validation.query_param({"type": "string"})},
    "additionalProperties": True,
}
# 2.75: unknown query parameters are a 400.
show_query_v275 = {**show_query, "additionalProperties": False}
defaults_query = {"type": "object", "properties": {}, "additionalProperties": True}
