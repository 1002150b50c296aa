"""Plain handler functions, one module per resource; the route table maps URLs to them."""

from oslo_utils import strutils


def to_bool(value) -> bool:
    return strutils.bool_from_string(value, strict=True)
