"""Request and query schemas of /os-keypairs (Nova's, per microversion).

2.2 adds ``type``; 2.10 ``user_id`` (an admin acting for a user); 2.35
paging; 2.75 refuses unknown query parameters; 2.92 requires
``public_key`` (no more generated keys) and allows ``@`` and ``.`` in names.
"""

import copy

from nova_lite.api import validation


def _name(pattern: str) -> dict:
    return {
        "allOf": [
            validation.name,
            {"type": "string", "pattern": pattern, "minLength": 1, "maxLength": 255},
        ]
    }


create = {
    "type": "object",
    "properties": {
        "keypair": {
            "type": "object",
            "properties": {
                "name": _name(r"^[_\- a-zA-Z0-9]+$"),
                "public_key": {"type": "string"},
            },
            "required": ["name"],
            "additionalProperties": False,
        },
    },
    "required": ["keypair"],
    "additionalProperties": False,
}

create_v22 = copy.deepcopy(create)
create_v22["properties"]["keypair"]["properties"]["type"] = {
    "type": "string",
    "enum": ["ssh", "x509"],
}

create_v210 = copy.deepcopy(create_v22)
create_v210["properties"]["keypair"]["properties"]["user_id"] = {"type": "string"}

create_v292 = copy.deepcopy(create_v210)
create_v292["properties"]["keypair"]["properties"]["name"] = _name(r"^[_\-\@\. a-zA-Z0-9]+$")
create_v292["properties"]["keypair"]["required"] = ["name", "public_key"]

# GET (list and one) and DELETE take ``user_id`` from 2.10, the list pages from 2.35.
query_v210 = {
    "type": "object",
    "properties": {"user_id": validation.query_param({"type": "string"})},
    "additionalProperties": True,
}
query_v275 = {**query_v210, "additionalProperties": False}

index_query_v235 = copy.deepcopy(query_v210)
index_query_v235["properties"].update(
    limit=validation.query_param(validation.non_negative_integer),
    marker=validation.query_param({"type": "string"}),
)
index_query_v275 = {**index_query_v235, "additionalProperties": False}
