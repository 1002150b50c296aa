"""Request schemas of /flavors/{id}/os-extra_specs: string or number values."""

KEY_PATTERN = "^[a-zA-Z0-9-_:. ]{1,255}$"

_specs = {
    "type": "object",
    "patternProperties": {KEY_PATTERN: {"type": ["string", "number"], "maxLength": 255}},
    "additionalProperties": False,
}

create = {
    "type": "object",
    "properties": {"extra_specs": _specs},
    "required": ["extra_specs"],
    "additionalProperties": False,
}

# PUT /flavors/{id}/os-extra_specs/{key}: exactly the one key, with its value.
update = {**_specs, "minProperties": 1, "maxProperties": 1}
