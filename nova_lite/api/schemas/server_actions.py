"""Request schemas of POST /servers/{id}/action, one per action key."""


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
