"""Query schemas of /os-hypervisors (Nova's, per microversion)."""

from nova_lite.api import validation

# 2.33: paging by limit and marker (other parameters still ignored).
index_query_v233 = {
    "type": "object",
    "properties": {
        "limit": validation.query_param(validation.non_negative_integer),
        "marker": validation.query_param({"type": "string"}),
    },
    "additionalProperties": True,
}

_with_servers = validation.single_query_param(validation.boolean)

# 2.53: a hostname pattern and the hosted servers as parameters; nothing else.
index_query_v253 = {
    "type": "object",
    "properties": {
        "limit": validation.single_query_param(validation.non_negative_integer),
        "marker": validation.single_query_param({"type": "string"}),
        "hypervisor_hostname_pattern": validation.single_query_param(
            {"type": "string", "pattern": "^[a-zA-Z0-9-._]*$", "minLength": 1, "maxLength": 255}
        ),
        "with_servers": _with_servers,
    },
    "additionalProperties": False,
}

show_query_v253 = {
    "type": "object",
    "properties": {"with_servers": _with_servers},
    "additionalProperties": False,
}
