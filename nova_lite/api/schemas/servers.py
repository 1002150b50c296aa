"""Request schemas of /servers."""

from nova_lite.api import validation

create = {
    "type": "object",
    "properties": {
        "server": {
            "type": "object",
            "properties": {
                "name": validation.name,
                "imageRef": {"type": "string", "minLength": 1, "maxLength": 255},
                "flavorRef": {"type": ["string", "integer"], "minLength": 1},
                "min_count": validation.positive_integer,
                "max_count": validation.positive_integer,
                "return_reservation_id": validation.boolean,
                "metadata": validation.metadata,
                "availability_zone": {"type": "string", "minLength": 1, "maxLength": 255},
                "key_name": validation.name,
                "user_data": {"type": "string", "maxLength": 65535},
                "adminPass": {"type": "string"},
                "accessIPv4": {"type": "string", "format": "ipv4"},
                "accessIPv6": {"type": "string", "format": "ipv6"},
                "config_drive": validation.boolean,
                "networks": {"type": ["array", "string"]},
                "security_groups": {"type": "array"},
                "block_device_mapping_v2": {"type": "array"},
                "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
            },
            "required": ["name", "flavorRef"],
            "additionalProperties": False,
        },
        "os:scheduler_hints": {"type": "object"},
        "OS-SCH-HNT:scheduler_hints": {"type": "object"},
    },
    "required": ["server"],
    "additionalProperties": False,
}

# PUT /servers/{id} at 2.1-2.18: ``description`` only comes with 2.19.
update = {
    "type": "object",
    "properties": {
        "server": {
            "type": "object",
            "properties": {
                "name": validation.name,
                "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
                "accessIPv4": {"type": "string", "format": "ipv4"},
                "accessIPv6": {"type": "string", "format": "ipv6"},
            },
            "additionalProperties": False,
        },
    },
    "required": ["server"],
    "additionalProperties": False,
}
