"""Request schemas of /servers/{id}/metadata (Nova's, as at 2.1)."""

from nova_lite.api import validation

# POST merges, PUT replaces: both take the whole ``metadata`` dict.
create = {
    "type": "object",
    "properties": {"metadata": validation.metadata},
    "required": ["metadata"],
    "additionalProperties": False,
}
update_all = create

# PUT /servers/{id}/metadata/{key}: exactly one item.
update = {
    "type": "object",
    "properties": {"meta": {**validation.metadata, "minProperties": 1, "maxProperties": 1}},
    "required": ["meta"],
    "additionalProperties": False,
}
