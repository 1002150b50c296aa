"""Request schemas of /os-quota-class-sets (Nova's, per microversion)."""

from nova_lite.api.schemas.quota_sets import (
    INJECTED_FILE_RESOURCES,
    NETWORK_RESOURCES,
    resources,
    without,
)


def _update(properties: dict) -> dict:
    return {
        "type": "object",
        "properties": {
            "quota_class_set": {
                "type": "object",
                "properties": properties,
                "additionalProperties": False,
            },
        },
        "required": ["quota_class_set"],
        "additionalProperties": False,
    }


update = _update(resources)
# 2.50: no more nova-network quotas; 2.57: no more injected (personality) files.
update_v250 = _update(without(resources, (*NETWORK_RESOURCES, "networks")))
update_v257 = _update(
    without(resources, (*NETWORK_RESOURCES, "networks", *INJECTED_FILE_RESOURCES))
)
show_query = {"type": "object", "properties": {}, "additionalProperties": True}
