"""Request schemas of POST /servers/{id}/action, one per action key (and per
microversion range where the action's body changed)."""

import copy

from nova_lite.api import validation
from nova_lite.api.schemas.servers import derive, personality


def _action(name: str, body: dict | None = None) -> dict:
    """A body holding exactly the one ``name`` key with the given value schema."""
    return {
        "type": "object",
        "properties": {name: {"type": "null"} if body is None else body},
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
lock = _action("lock", {})
# 2.73: an optional reason.
lock_v273 = _action(
    "lock",
    {
        "type": ["object", "null"],
        "properties": {"locked_reason": {"type": "string", "minLength": 1, "maxLength": 255}},
        "additionalProperties": False,
    },
)
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
# Before 2.56 the migrate action's value is not checked; 2.56 adds a host.
_host = {**validation.fqdn, "type": ["string", "null"]}
migrate_v256 = _action(
    "migrate",
    {"type": ["object", "null"], "properties": {"host": _host}, "additionalProperties": False},
)
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
            "preserve_ephemeral": validation.boolean,
            "OS-DCF:diskConfig": {"type": "string", "enum": ["AUTO", "MANUAL"]},
            "accessIPv4": {"type": "string", "format": "ipv4"},
            "accessIPv6": {"type": "string", "format": "ipv6"},
            "personality": personality,
        },
        "required": ["imageRef"],
        "additionalProperties": False,
    },
)
rebuild_v219 = derive(rebuild, "rebuild", {"description": validation.description})
# 2.54: the key pair can be changed (or removed with null).
rebuild_v254 = derive(
    rebuild_v219,
    "rebuild",
    {
        "key_name": {
            "oneOf": [{"type": "string", "minLength": 1, "maxLength": 255}, {"type": "null"}]
        }
    },
)
# 2.57: no personality; user_data can be changed (or removed with null).
rebuild_v257 = derive(
    rebuild_v254,
    "rebuild",
    {"user_data": {"type": ["string", "null"], "maxLength": 65535}},
    drop=["personality"],
)
rebuild_v290 = derive(rebuild_v257, "rebuild", {"hostname": validation.hostname})
rebuild_v294 = derive(rebuild_v290, "rebuild", {"hostname": validation.fqdn})
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
# all three required; 2.25 drops disk_over_commit and allows block_migration
# "auto"; 2.30 to 2.67 take ``force``.
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

_block_migration_auto = {**validation.boolean, "enum": [*validation.boolean["enum"], "auto"]}
migrate_live_v225 = derive(
    migrate_live,
    "os-migrateLive",
    {"block_migration": _block_migration_auto},
    drop=["disk_over_commit"],
)
migrate_live_v225["properties"]["os-migrateLive"]["required"] = ["block_migration", "host"]
migrate_live_v230 = derive(migrate_live_v225, "os-migrateLive", {"force": validation.boolean})


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
# 2.14: no onSharedStorage (detected); 2.29 to 2.67 take ``force``.
evacuate_v214 = copy.deepcopy(evacuate)
del evacuate_v214["properties"]["evacuate"]["properties"]["onSharedStorage"]
del evacuate_v214["properties"]["evacuate"]["required"]
evacuate_v229 = derive(evacuate_v214, "evacuate", {"force": validation.boolean})
