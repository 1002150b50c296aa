"""Request schemas of POST /servers/{id}/action, one per action key."""

from nova_lite.api import validation


def _action(name: str, body: dict | None = None) -> dict:
    """A body holding exactly the one ``name`` key with the given value schema."""
    return {
        "type": "object",
        "properties": {name: body or {"type": "null"}},
        "required": [name],
        "additionalProperties": False,
    }


start = _action("os-start")
stop = _action("os-stop")
pause = _action("pause")
unpause = _action("unpause")
suspend = _action("suspend")
resume = _action("resume")
unlock = _action("unlock")
reboot = _action(
    "reboot",
    {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["HARD", "Hard", "hard", "SOFT", "Soft", "soft"]}
        },
        "required": ["type"],
        "additionalProperties": False,
    },
)
lock = _action("lock", {"type": ["object", "null"]})
reset_state = _action(
    "os-resetState",
    {
        "type": "object",
        "properties": {"state": {"type": "string", "enum": ["active", "error"]}},
        "required": ["state"],
        "additionalProperties": False,
    },
)
console_output = _action(
    "os-getConsoleOutput",
    {
        "type": "object",
        "properties": {
            "length": {
                "type": ["integer", "string", "null"],
                "pattern": "^-?[0-9]+$",
                "minimum": -1,
            }
        },
        "additionalProperties": False,
    },
)

# -- cold migration and resize --
# Before 2.56 the migrate action takes no arguments (no host).
migrate = _action("migrate")
resize = _action(
    "resize",
    {
        "type": "object",
        "properties": {
            "flavorRef": {"type": ["string", "integer"], "minLength": 1},
            "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
        },
        "required": ["flavorRef"],
        "additionalProperties": False,
    },
)
confirm_resize = _action("confirmResize", {})
revert_resize = _action("revertResize", {})

# -- rebuild, rescue, admin password, force delete --
_admin_password = {"type": "string"}
rebuild = _action(
    "rebuild",
    {
        "type": "object",
        "properties": {
            "name": validation.name,
            "imageRef": {"type": "string", "minLength": 1, "maxLength": 255},
            "adminPass": _admin_password,
            "metadata": validation.metadata,
            "preserve_ephemeral": {"type": ["boolean", "string"]},
            "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
            "accessIPv4": {"type": "string", "format": "ipv4"},
            "accessIPv6": {"type": "string", "format": "ipv6"},
        },
        "required": ["imageRef"],
        "additionalProperties": False,
    },
)
rescue = _action(
    "rescue",
    {
        "type": ["object", "null"],
        "properties": {
            "adminPass": _admin_password,
            "rescue_image_ref": {"type": "string", "format": "uuid"},
        },
        "additionalProperties": False,
    },
)
unrescue = _action("unrescue")
change_password = _action(
    "changePassword",
    {
        "type": "object",
        "properties": {"adminPass": _admin_password},
        "required": ["adminPass"],
        "additionalProperties": False,
    },
)
force_delete = _action("forceDelete")

# -- live migration --
# Nova's 2.1 body: block_migration and disk_over_commit booleans, host (or null),
# all three required ("auto" and an optional disk_over_commit came in 2.25).
migrate_live = _action(
    "os-migrateLive",
    {
        "type": "object",
        "properties": {
            "block_migration": validation.boolean,
            "disk_over_commit": validation.boolean,
            "host": {
                "type": ["string", "null"],
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[a-zA-Z0-9-._]*$",
            },
        },
        "required": ["block_migration", "disk_over_commit", "host"],
        "additionalProperties": False,
    },
)

# -- evacuation --
# Nova's 2.1 body: onSharedStorage required (dropped in 2.14), host and adminPass optional.
evacuate = _action(
    "evacuate",
    {
        "type": "object",
        "properties": {
            "host": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[a-zA-Z0-9-._]*$",
            },
            "onSharedStorage": validation.boolean,
            "adminPass": {"type": "string"},
        },
        "required": ["onSharedStorage"],
        "additionalProperties": False,
    },
)
