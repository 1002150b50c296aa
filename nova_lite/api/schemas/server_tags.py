"""Request schemas of /servers/{id}/tags (2.26)."""

from nova_lite.objects.tag import MAX_TAG_COUNT, MAX_TAG_LENGTH

# A tag: no '/' (it is a URL segment) and no ',' (lists of tags are comma-separated).
tag = {"type": "string", "pattern": "^[^,/]*$", "minLength": 1, "maxLength": MAX_TAG_LENGTH}

tags = {"type": "array", "items": tag, "maxItems": MAX_TAG_COUNT}

# PUT /servers/{id}/tags: replace them all.
update_all = {
    "type": "object",
    "properties": {"tags": tags},
    "required": ["tags"],
    "additionalProperties": False,
}

# PUT /servers/{id}/tags/{tag}: no body, or null.
update = {"type": "null"}
