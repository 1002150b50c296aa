"""Request schemas of the shelve, shelveOffload and unshelve server actions."""

from nova_lite.api import validation


def _action(name: str, body: dict) -> dict:
    return {
        "type": "object",
        "properties": {name: body},
        "required": [name],
        "additionalProperties": False,
    }


# Nova does not check these actions' values (before 2.77 for unshelve).
shelve = _action("shelve", {})
shelve_offload = _action("shelveOffload", {})
unshelve = _action("unshelve", {})
# 2.77: null, or an availability zone to unshelve an offloaded server into.
unshelve_v277 = _action(
    "unshelve",
    {
        "type": ["object", "null"],
        "properties": {"availability_zone": validation.name},
        "required": ["availability_zone"],
        "additionalProperties": False,
    },
)
# 2.91: null, or a zone (null unpins the server from its zone) and/or a host.
unshelve_v291 = _action(
    "unshelve",
    {
        "type": ["object", "null"],
        "properties": {
            "availability_zone": {"type": ["string", "null"]},
            "host": {"type": "string"},
        },
        "additionalProperties": False,
    },
)
