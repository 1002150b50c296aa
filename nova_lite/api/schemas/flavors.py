"""Request and query schemas of /flavors (Nova's, per microversion)."""

import copy

from nova_lite.api import validation

# The sort keys and directions GET /flavors accepts.
SORT_KEYS = [
    "created_at",
    "description",
    "disabled",
    "ephemeral_gb",
    "flavorid",
    "id",
    "is_public",
    "memory_mb",
    "name",
    "root_gb",
    "rxtx_factor",
    "swap",
    "updated_at",
    "vcpu_weight",
    "vcpus",
]
SORT_DIRS = ["asc", "desc"]

MAX_INT = 0x7FFFFFFF
_positive = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1, "maximum": MAX_INT}
_non_negative = {**_positive, "minimum": 0}

# Printable text: no control characters and no line or paragraph separators.
_description = {
    "type": ["string", "null"],
    "minLength": 0,
    "maxLength": 65535,
    "pattern": "^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$",
}

create = {
    "type": "object",
    "properties": {
        "flavor": {
            "type": "object",
            "properties": {
                "name": validation.name,
                "id": {
                    "type": ["string", "number", "null"],
                    "minLength": 1,
                    "maxLength": 255,
                    "pattern": r"^(?! )[a-zA-Z0-9. _-]+(?<! )$",
                },
                "ram": _positive,
                "vcpus": _positive,
                "disk": _non_negative,
                "OS-FLV-EXT-DATA:ephemeral": _non_negative,
                "swap": _non_negative,
                "rxtx_factor": {
                    "type": ["number", "string"],
                    "pattern": r"^[0-9]+(\.[0-9]+)?$",
                    "exclusiveMinimum": 0,
                    "maximum": 3.40282e38,
                },
                "os-flavor-access:is_public": validation.boolean,
            },
            "required": ["name", "ram", "vcpus", "disk"],
            "additionalProperties": False,
        },
    },
    "required": ["flavor"],
    "additionalProperties": False,
}

# 2.55: a description.
create_v255 = copy.deepcopy(create)
create_v255["properties"]["flavor"]["properties"]["description"] = _description

# PUT /flavors/{id} (2.55): the description is all that changes.
update = {
    "type": "object",
    "properties": {
        "flavor": {
            "type": "object",
            "properties": {"description": _description},
            "required": ["description"],
            "additionalProperties": False,
        },
    },
    "required": ["flavor"],
    "additionalProperties": False,
}

_string = validation.query_param({"type": "string"})

index_query = {
    "type": "object",
    "properties": {
        "limit": validation.query_param(validation.non_negative_integer),
        "marker": _string,
        "is_public": _string,
        "minRam": _string,
        "minDisk": _string,
        "sort_key": validation.query_param({"type": "string", "enum": SORT_KEYS}),
        "sort_dir": validation.query_param({"type": "string", "enum": SORT_DIRS}),
    },
    "additionalProperties": True,
}

# 2.75: unknown query parameters are a 400.
index_query_v275 = {**index_query, "additionalProperties": False}
