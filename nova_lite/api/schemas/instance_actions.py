"""Query schemas of GET /servers/{id}/os-instance-actions (Nova's, per microversion)."""

from nova_lite.api import validation

_one_string = validation.single_query_param({"type": "string"})

# 2.58: paging and changes-since; nothing unknown any more.
index_query_v258 = {
    "type": "object",
    "properties": {
        "limit": validation.single_query_param(validation.non_negative_integer),
        "marker": _one_string,
        "changes-since": _one_string,
    },
    "additionalProperties": False,
}

# 2.66: changes-before.
index_query_v266 = {
    **index_query_v258,
    "properties": {**index_query_v258["properties"], "changes-before": _one_string},
}
