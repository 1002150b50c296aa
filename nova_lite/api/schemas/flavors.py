"""Request schemas of /flavors."""

from nova_lite.api import validation

create = {
    "type": "object",
    "properties": {
        "flavor": {
            "type": "object",
            "properties": {
                "name": validation.name,
                "id": {
                    "type": ["string", "null"],
                    "minLength": 1,
                    "maxLength": 255,
                    "pattern": r"^(?! )[a-zA-Z0-9. _-]+(?<! )$",
                },
                "ram": validation.positive_integer,
                "vcpus": validation.positive_integer,
                "disk": validation.non_negative_integer,
                "OS-FLV-EXT-DATA:ephemeral": validation.non_negative_integer,
                "swap": {"type": ["integer", "string"], "pattern": "^[0-9]*$", "minimum": 0},
                "rxtx_factor": {
                    "type": ["number", "string"],
                    "pattern": r"^[0-9]+(\.[0-9]+)?$",
                    "minimum": 0,
                    "exclusiveMinimum": 0,
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
