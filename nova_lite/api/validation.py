"""Request body validation with jsonschema; errors name the bad field."""

from __future__ import annotations

import jsonschema
from jsonschema import validators

from nova_lite import exception


def _path(error: jsonschema.ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path)


def validate(schema: dict, body) -> None:
    """Raise ValidationError (400) naming the first field that does not fit."""
    validator_cls = validators.validator_for(schema)
    validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is None:
        return
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        path = "/".join(filter(None, [_path(error), missing]))
        raise exception.ValidationError(field=path, reason=f"'{missing}' is a required property")
    if error.validator == "additionalProperties":
        raise exception.ValidationError(field=_path(error) or "body", reason=error.message)
    raise exception.ValidationError(field=_path(error) or "body", reason=error.message)


# Reusable schema pieces, shaped like Nova's parameter types.
name = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": r"^(?! )[^\x00-\x1f]*(?<! )$",
}
positive_integer = {
    "type": ["integer", "string"],
    "pattern": "^[0-9]*$",
    "minimum": 1,
    "minLength": 1,
}
non_negative_integer = {
    "type": ["integer", "string"],
    "pattern": "^[0-9]*$",
    "minimum": 0,
    "minLength": 1,
}
boolean = {
    "type": ["boolean", "string"],
    "enum": [
        True,
        "True",
        "TRUE",
        "true",
        "1",
        "ON",
        "On",
        "on",
        "YES",
        "Yes",
        "yes",
        False,
        "False",
        "FALSE",
        "false",
        "0",
        "OFF",
        "Off",
        "off",
        "NO",
        "No",
        "no",
    ],
}
metadata = {
    "type": "object",
    "patternProperties": {"^[a-zA-Z0-9-_:. ]{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
}
