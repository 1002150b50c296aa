"""Nova's extra spec operators: how a requirement such as ``">= 4"``,
``"<in> ssd"``, ``"s== gold"`` or ``"<or> a <or> b"`` matches a value.

A requirement whose first word is no operator must equal the value exactly.
"""

from __future__ import annotations

import operator
from collections.abc import Callable


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    return lambda value, wanted: compare(float(value), float(wanted))


_BINARY: dict[str, Callable[[str, str], bool]] = {
    "=": _numeric(operator.ge),  # at least, as in Nova
    "==": _numeric(operator.eq),
    "!=": _numeric(operator.ne),
    ">=": _numeric(operator.ge),
    "<=": _numeric(operator.le),
    "<in>": lambda value, wanted: wanted in value,
    "s==": operator.eq,
    "s!=": operator.ne,
    "s<": operator.lt,
    "s<=": operator.le,
    "s>": operator.gt,
    "s>=": operator.ge,
}


def match(value: str | None, requirement: str) -> bool:
    """Whether ``value`` meets ``requirement``."""
    words = requirement.split()
    op = words[0] if words else None
    if op not in _BINARY and op not in ("<or>", "<all-in>"):
        return value == requirement
    if value is None or len(words) < 2:
        return False
    if op == "<or>":
        return value in words[1::2]
    if op == "<all-in>":
        return all(word in value for word in words[1:])
    try:
        return _BINARY[op](value, words[1])
    except ValueError:
        return False
