"""Request and query schemas of /os-server-groups (Nova's, per microversion)."""

from __future__ import annotations

import copy

from nova_lite.api import validation


def _create(policy_property: str, schema: dict, extra: dict | None = None) -> dict:
    return {
        "type": "object",
        "properties": {
            "server_group": {
                "type": "object",
                "properties": {"name": validation.name, policy_property: schema, **(extra or {})},
                "required": ["name", policy_property],
                "additionalProperties": False,
            },
        },
        "required": ["server_group"],
        "additionalProperties": False,
    }


def _policies(allowed: list[str]) -> dict:
    """One policy in a list, as ``policies`` is before 2.64."""
    return {
        "type": "array",
        "prefixItems": [{"type": "string", "enum": allowed}],
        "uniqueItems": True,
        "minItems": 1,
        "maxItems": 1,
        "items": False,
    }


_HARD = ["anti-affinity", "affinity"]
_ALL = _HARD + ["soft-anti-affinity", "soft-affinity"]

create = _create("policies", _policies(_HARD))
# 2.15: the soft policies.
create_v215 = _create("policies", _policies(_ALL))
# 2.64: one ``policy`` string and ``rules``.
create_v264 = _create(
    "policy",
    {"type": "string", "enum": _ALL},
    {
        "rules": {
            "type": "object",
            "properties": {"max_server_per_host": validation.positive_integer},
            "additionalProperties": False,
        }
    },
)

index_query = {
    "type": "object",
    "properties": {
        "all_projects": validation.query_param({"type": "string"}),
        "limit": validation.query_param(validation.non_negative_integer),
        "offset": validation.query_param(validation.non_negative_integer),
    },
    "additionalProperties": True,
}
# 2.75: unknown query parameters are a 400.
index_query_v275 = {**copy.deepcopy(index_query), "additionalProperties": False}
