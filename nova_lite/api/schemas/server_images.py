"""Request schema of the createImage server action."""

from nova_lite.api import validation

create_image = {
    "type": "object",
    "properties": {
        "createImage": {
            "type": "object",
            "properties": {"name": validation.name, "metadata": validation.metadata},
            "required": ["name"],
            "additionalProperties": False,
        }
    },
    "required": ["createImage"],
    "additionalProperties": False,
}
