"""Request body validation with jsonschema; errors name the bad field."""

from __future__ import annotations

import jsonschema
from jsonschema import validators

from nova_lite import exception


def _path(error: jsonschema.ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path)


def _as_number(instance):
    """A numeric string as its number (Nova compares ``"0"`` with ``minimum``)."""
    if isinstance(instance, str):
        for kind in (int, float):
            try:
                return kind(instance)
            except ValueError:
                pass
    return instance


def _bound(name: str):
    check = validators.Draft202012Validator.VALIDATORS[name]
    return lambda validator, limit, instance, schema: check(
        validator, limit, _as_number(instance), schema
    )


_Validator = validators.extend(
    validators.Draft202012Validator,
    {"minimum": _bound("minimum"), "maximum": _bound("maximum")},
)


def validate(schema: dict, body) -> None:
    """Raise ValidationError (400) naming the first field that does not fit."""
    validator = _Validator(schema, format_checker=_Validator.FORMAT_CHECKER)
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


def validate_query(schema: dict, params: dict[str, list[str]]) -> None:
    """Raise InvalidRequest (400) when query parameters do not fit ``schema``.

    ``params`` maps each name to the list of its values (webob's
    ``dict_of_lists``); the message is Nova's for query parameters.
    """
    error = jsonschema.exceptions.best_match(_Validator(schema).iter_errors(params))
    if error is None:
        return
    if not error.absolute_path:
        raise exception.InvalidRequest(reason=error.message)
    raise exception.InvalidRequest(
        reason=f"Invalid input for query parameters {error.absolute_path[0]}. "
        f"Value: {error.instance}. {error.message}"
    )


def query_param(schema: dict) -> dict:
    """A query parameter that may be repeated, each value fitting ``schema``."""
    return {"type": "array", "items": schema}


def single_query_param(schema: dict) -> dict:
    """A query parameter given at most once, fitting ``schema``."""
    return {"type": "array", "items": schema, "maxItems": 1}


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
# A server's description: printable text (Nova's parameter_types.description).
description = {
    "type": ["string", "null"],
    "minLength": 0,
    "maxLength": 255,
    "pattern": "^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$",
}
# A guest hostname (2.90) and a host name or FQDN (hosts; hostnames from 2.94).
hostname = {
    "type": "string",
    "pattern": "^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$",
    "minLength": 2,
    "maxLength": 63,
}
fqdn = {"type": "string", "pattern": "^[a-zA-Z0-9-._]*$", "minLength": 1, "maxLength": 255}
