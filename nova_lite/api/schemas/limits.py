"""Query schemas of /limits (Nova's, per microversion)."""

from nova_lite.api import validation

index_query = {
    "type": "object",
    "properties": {"tenant_id": validation.query_param({"type": "string"})},
    "additionalProperties": True,
}
# 2.75: unknown query parameters are a 400.
index_query_v275 = {**index_query, "additionalProperties": False}
