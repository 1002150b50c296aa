"""Request schemas of /os-keypairs (Nova's, as at 2.1: no ``type``, no ``user_id``)."""

from nova_lite.api import validation

name = {
    "allOf": [
        validation.name,
        {"type": "string", "pattern": r"^[_\- a-zA-Z0-9]+$", "minLength": 1, "maxLength": 255},
    ]
}

create = {
    "type": "object",
    "properties": {
        "keypair": {
            "type": "object",
            "properties": {"name": name, "public_key": {"type": "string"}},
            "required": ["name"],
            "additionalProperties": False,
        },
    },
    "required": ["keypair"],
    "additionalProperties": False,
}
