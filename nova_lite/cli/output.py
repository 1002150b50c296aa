"""Rendering command results as a prettytable table or as JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

import prettytable

FORMATS = ("table", "json")


def _plain(value: Any) -> Any:
    """Return ``value`` as JSON-compatible data (resources become dicts)."""
    if hasattr(value, "to_dict") and callable(value.to_dict):
        value = value.to_dict(computed=False)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def cell(value: Any) -> str:
    """Return ``value`` as the text of one table cell."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def print_list(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    fmt: str = "table",
    stream: TextIO | None = None,
) -> None:
    """Print rows of values under ``columns``: a table, or a JSON list of objects."""
    stream = stream or sys.stdout
    rows = list(rows)
    if fmt == "json":
        data = [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        stream.write(json.dumps(data, indent=2) + "\n")
        return
    table = prettytable.PrettyTable(list(columns))
    table.align = "l"
    for row in rows:
        table.add_row([cell(v) for v in row])
    stream.write(table.get_string() + "\n")


def print_record(
    fields: Sequence[tuple[str, Any]],
    fmt: str = "table",
    stream: TextIO | None = None,
) -> None:
    """Print one object's (field, value) pairs: a Field/Value table, or a JSON object."""
    stream = stream or sys.stdout
    if fmt == "json":
        data = {name: _plain(value) for name, value in fields}
        stream.write(json.dumps(data, indent=2) + "\n")
        return
    table = prettytable.PrettyTable(["Field", "Value"])
    table.align = "l"
    for name, value in fields:
        table.add_row([name, cell(value)])
    stream.write(table.get_string() + "\n")
