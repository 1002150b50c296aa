"""Request schemas of /os-aggregates and its actions (Nova's)."""

from __future__ import annotations

import copy

from nova_lite.api import validation

# A zone name: printable, no ':' (it separates zone, host and node on create),
# no leading or trailing space.
_az_name = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": r"^(?! )[^\x00-\x1f:]*(?<! )$",
}
_availability_zone = {"oneOf": [_az_name, {"type": "null"}]}
# A name that may have leading or trailing spaces (they are stripped).
_name_with_spaces = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": r"^[^\x00-\x1f]*\S[^\x00-\x1f]*$",
}
# A host name as in the services table (underscores allowed).
_host = {"type": "string", "pattern": "^[a-zA-Z0-9-._]*$", "minLength": 1, "maxLength": 255}


def _body(key: str, properties: dict, required: list[str], **extra) -> dict:
    return {
        "type": "object",
        "properties": {
            key: {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
                **extra,
            },
        },
        "required": [key],
        "additionalProperties": False,
    }


create = _body(
    "aggregate", {"name": validation.name, "availability_zone": _availability_zone}, ["name"]
)
update = _body(
    "aggregate",
    {"name": _name_with_spaces, "availability_zone": _availability_zone},
    [],
    anyOf=[{"required": ["name"]}, {"required": ["availability_zone"]}],
)
add_host = _body("add_host", {"host": _host}, ["host"])
remove_host = _body("remove_host", {"host": _host}, ["host"])

_metadata_with_null = copy.deepcopy(validation.metadata)
for _value in _metadata_with_null["patternProperties"].values():
    _value["type"] = ["string", "null"]
set_metadata = _body("set_metadata", {"metadata": _metadata_with_null}, ["metadata"])
