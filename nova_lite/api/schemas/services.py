"""Request and query schemas of /os-services (Nova's, per microversion)."""

import copy

from nova_lite.api import validation

_reason = {"type": "string", "minLength": 1, "maxLength": 255}

# PUT /os-services/{enable,disable,disable-log-reason} before 2.53: the body
# names the service by host and binary.
update = {
    "type": "object",
    "properties": {
        "host": {
            "type": "string",
            "pattern": "^[a-zA-Z0-9-._]*$",
            "minLength": 1,
            "maxLength": 255,
        },
        "binary": {"type": "string", "minLength": 1, "maxLength": 255},
        "disabled_reason": _reason,
    },
    "required": ["host", "binary"],
    "additionalProperties": False,
}

# 2.11: PUT /os-services/force-down with ``forced_down``.
update_v211 = copy.deepcopy(update)
update_v211["properties"]["forced_down"] = validation.boolean

# 2.53: PUT /os-services/{service_id}; the URL names the service.
update_v253 = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["enabled", "disabled"]},
        "disabled_reason": _reason,
        "forced_down": validation.boolean,
    },
    "additionalProperties": False,
}

index_query = {
    "type": "object",
    "properties": {
        "host": validation.query_param({"type": "string"}),
        "binary": validation.query_param({"type": "string"}),
    },
    "additionalProperties": True,
}
index_query_v275 = {**index_query, "additionalProperties": False}
