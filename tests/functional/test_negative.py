"""Negative API tests, generated from the route table: Nova's errors, and nothing changed.

For every handler with a request schema: a body missing each required
property, each property of a wrong type, an unknown property where
``additionalProperties`` is false, a non-JSON body and an empty body are
each a 400 in Nova's format naming the field. Then microversions, action
names, methods, URLs and media types.
"""

from __future__ import annotations

import copy
import re
import uuid

import pytest

from nova_lite import exception
from nova_lite.api import microversion, openapi, router, validation
from tests.functional.test_servers import boot, wait_gone, wait_status

UNKNOWN = "bogus!"
JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
WRONG_VALUES = {"array": [1], "object": {"x": 1}, "boolean": True, "integer": 12345, "null": None}
FORMATS = {
    "uuid": str(uuid.UUID(int=1)),
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "date-time": "2024-01-01T00:00:00Z",
    "uri": "http://example.com/",
}
STRINGS = (str(uuid.UUID(int=2)), "1", "a", "nova-lite")


# -- bodies made from the schemas ----------------------------------------------------------


def _fits(schema: dict, value) -> bool:
    try:
        validation.validate(schema, value)
    except exception.ValidationError:
        return False
    return True


def _types(schema: dict) -> set[str] | None:
    """The JSON types ``schema`` (with its ``allOf`` parts) allows; None if it does not say."""
    allowed = None
    for part in [schema, *schema.get("allOf", [])]:
        if "type" in part:
            declared = part["type"]
            declared = {declared} if isinstance(declared, str) else set(declared)
            if "number" in declared:
                declared.add("integer")
            allowed = declared if allowed is None else allowed & declared
    return allowed


def _candidates(kind: str, schema: dict) -> list:
    if kind == "object":
        properties = schema.get("properties", {})
        required = {name: example(properties.get(name, {})) for name in schema.get("required", [])}
        with_pattern = [
            {**required, key: example(sub)}
            for pattern, sub in schema.get("patternProperties", {}).items()
            for key in STRINGS
            if re.search(pattern, key)
        ]
        return [required, *with_pattern[:1]]
    if kind == "string":
        return [FORMATS.get(schema.get("format"), STRINGS[0]), *STRINGS]
    if kind in ("integer", "number"):
        return [max(1, schema.get("minimum", 1))]
    if kind == "array":
        items = [example(sub) for sub in schema.get("prefixItems", [])]
        missing = schema.get("minItems", 0) - len(items)
        if missing > 0 and isinstance(schema.get("items"), dict):
            items += [example(schema["items"])] * missing
        return [[], items]
    return [{"boolean": True, "null": None}[kind]]


def _with_branch(schema: dict, branch: dict) -> dict:
    """``schema`` with one of its ``anyOf``/``oneOf`` branches folded in."""
    merged = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
    merged.update(branch)
    merged["properties"] = {**schema.get("properties", {}), **branch.get("properties", {})}
    merged["required"] = [*schema.get("required", []), *branch.get("required", [])]
    return merged


def example(schema: dict):
    """A small value that fits ``schema``."""
    candidates = [*([schema["const"]] if "const" in schema else []), *schema.get("enum", [])]
    branches = schema.get("anyOf", []) + schema.get("oneOf", [])
    for part in [schema, *(_with_branch(schema, branch) for branch in branches)]:
        for kind in sorted(_types(part) or JSON_TYPES, key=JSON_TYPES.index):
            candidates += _candidates(kind, part)
    for candidate in candidates:
        if _fits(schema, candidate):
            return candidate
    raise AssertionError(f"no example fits {schema}: teach example() this schema")


def _with(body: dict, path: tuple, value=None, delete: bool = False) -> dict:
    changed = copy.deepcopy(body)
    target = changed
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


def bad_bodies(schema: dict, body: dict, action: bool, path: tuple = ()):
    """(what, body, field) for each way to break ``body`` at ``path`` and below.

    The whole body of a wrong type; then in each object, each required
    property missing, each typed property of a wrong type and, where
    ``additionalProperties`` is false, an unknown property. ``field`` is what
    the 400's message must name; None where Nova answers "Malformed request
    body" (an action body that is not one key naming the action).
    """
    if not path:
        allowed = _types(schema)
        wrong = [v for kind, v in WRONG_VALUES.items() if allowed and kind not in allowed]
        if wrong:
            yield "body of a wrong type", wrong[0], None if action else "body"
    if not isinstance(body, dict):
        return
    instance = body
    for key in path:
        instance = instance[key]
    top_of_action = action and not path
    for name in schema.get("required", []):
        if not top_of_action:  # without its one key, an action body names no action
            yield f"missing {name}", _with(body, (*path, name), delete=True), name
    for name, sub in schema.get("properties", {}).items():
        allowed = _types(sub)
        wrong = [v for kind, v in WRONG_VALUES.items() if allowed and kind not in allowed]
        if wrong:
            yield f"{name} of a wrong type", _with(body, (*path, name), wrong[0]), name
    if schema.get("additionalProperties") is False and not any(
        re.search(p, UNKNOWN) for p in schema.get("patternProperties", {})
    ):
        field = None if top_of_action else UNKNOWN
        yield f"unknown {UNKNOWN}", _with(body, (*path, UNKNOWN), 1), field
    for name, sub in schema.get("properties", {}).items():
        if isinstance(instance.get(name), dict) and "properties" in sub:
            yield from bad_bodies(sub, body, action, (*path, name))


# -- the handlers, the world they act on, and what must not change -------------------------


def _schema_cases():
    """One case per URL and method: the handler specs that have a request schema."""
    for path, methods in router.ROUTES:
        for method, handlers in methods.items():
            found = [v for v in openapi.variants(handlers) if v.spec.schema is not None]
            if found:
                yield pytest.param(
                    path, method, found, isinstance(handlers, dict), id=f"{method} {path}"
                )


@pytest.fixture
def world(cloud, flavor):
    """A server, its metadata, a key pair: ids for the URL parameters."""
    keypair = cloud.post("/v2.1/os-keypairs", {"keypair": {"name": "kp"}})
    assert keypair.status_int == 200, keypair.text
    server_id = boot(cloud)["server"]["id"]
    wait_status(cloud, server_id, "ACTIVE")
    response = cloud.post(f"/v2.1/servers/{server_id}/metadata", {"metadata": {"k": "v"}})
    assert response.status_int == 200, response.text
    return {"server_id": server_id, "flavor_id": flavor["id"], "keypair_name": "kp", "key": "k"}


def _url(path: str, world: dict) -> str:
    return re.sub(r"\{(\w+)[^}]*\}", lambda m: world.get(m.group(1), "nova-lite"), path)


def snapshot(cloud, world: dict) -> list:
    """The list responses a failed request must leave as they were."""
    server = f"/v2.1/servers/{world['server_id']}"
    paths = [
        "/v2.1/servers/detail?all_tenants=1",
        "/v2.1/flavors/detail",
        "/v2.1/os-keypairs",
        f"{server}/metadata",
        f"{server}/os-instance-actions",
    ]
    return [cloud.get(path).json for path in paths]


def assert_bad_request(response, field: str | None, what: str) -> None:
    assert response.status_int == 400, (what, response.text)
    assert set(response.json) == {"badRequest"}, (what, response.text)
    fault = response.json["badRequest"]
    assert fault["code"] == 400, what
    if field is None:
        assert fault["message"] == "Malformed request body", (what, fault["message"])
    else:
        assert field in fault["message"], (what, fault["message"])


@pytest.mark.parametrize("path,method,variants,action", list(_schema_cases()))
def test_bad_bodies_are_400s_naming_the_field(cloud, world, path, method, variants, action):
    url = _url(path, world)
    before = snapshot(cloud, world)
    for variant in variants:
        schema = variant.spec.schema
        headers = {"OpenStack-API-Version": f"compute {variant.spec.min_version}"}
        for what, bad, field in bad_bodies(schema, example(schema), action):
            assert not _fits(schema, bad), (variant.name, what)
            response = cloud.request(method, url, bad, headers=headers)
            assert_bad_request(response, field, f"{variant.name}: {what}")
        raws = [(b"not json", None), (b"{", None)]
        if action or not _fits(schema, None):
            raws.append((b"", None if action else "body"))
        for raw, field in raws:
            response = cloud.request(method, url, raw=raw, headers=headers)
            assert_bad_request(response, field, f"{variant.name}: body {raw!r}")
    assert snapshot(cloud, world) == before


# -- microversions, actions, methods, URLs, media types -------------------------------------


def test_microversion_out_of_range_is_406_and_malformed_is_400(cloud, world):
    before = snapshot(cloud, world)
    body = {"keypair": {"name": "new"}}
    for name, version in [
        ("OpenStack-API-Version", "2.999"),
        ("OpenStack-API-Version", "3.0"),
        ("X-OpenStack-Nova-API-Version", "2.0"),
    ]:
        value = f"compute {version}" if name == "OpenStack-API-Version" else version
        response = cloud.post("/v2.1/os-keypairs", body, headers={name: value})
        assert response.json == {
            "computeFault": {
                "code": 406,
                "message": f"Version {version} is not supported by the API. Minimum is "
                f"{microversion.MIN_VERSION} and maximum is {microversion.MAX_VERSION}.",
            }
        }, version
        assert response.status_int == 406
    for version in ("2.x", "2.01", "2", "compute", "2.1.1"):
        response = cloud.post(
            "/v2.1/os-keypairs", body, headers={"OpenStack-API-Version": f"compute {version}"}
        )
        assert response.json == {
            "badRequest": {
                "code": 400,
                "message": f"API Version String {version} is of invalid format. Must be of "
                "format MajorNum.MinorNum.",
            }
        }, version
    assert snapshot(cloud, world) == before


def test_unknown_action_is_400(cloud, world):
    before = snapshot(cloud, world)
    response = cloud.post(f"/v2.1/servers/{world['server_id']}/action", {"no-such-action": None})
    assert response.json == {
        "badRequest": {"code": 400, "message": "There is no such action: no-such-action"}
    }
    assert snapshot(cloud, world) == before


def _server_actions():
    for path, methods in router.ROUTES:
        for method, handlers in methods.items():
            if isinstance(handlers, dict) and "{server_id}" in path:
                for variant in openapi.variants(handlers):
                    yield path, method, variant


def test_every_action_on_a_deleted_server_is_404(cloud, world):
    server_id = world["server_id"]
    assert cloud.delete(f"/v2.1/servers/{server_id}").status_int == 204
    wait_gone(cloud, server_id)
    for path, method, variant in _server_actions():
        body = example(variant.spec.schema) if variant.spec.schema else {variant.name: None}
        headers = {"OpenStack-API-Version": f"compute {variant.spec.min_version}"}
        response = cloud.request(method, _url(path, world), body, headers=headers)
        assert response.status_int == 404, (variant.name, response.text)
        assert response.json["itemNotFound"]["code"] == 404, variant.name


def test_wrong_method_is_405_with_allow(cloud, world):
    for path, methods in router.ROUTES:
        (wrong,) = [m for m in ("PATCH", "PUT", "DELETE", "POST") if m not in methods][:1]
        response = cloud.request(wrong, _url(path, world))
        assert response.status_int == 405, (path, response.text)
        assert response.json["badMethod"]["code"] == 405
        assert set(response.headers["Allow"].split(", ")) == set(methods), path


def test_unknown_url_is_404(cloud, world):
    for path in ("/v2.1/no-such-thing", "/v2.1/servers/{server_id}/no-such-thing", "/v3", "/v2.1x"):
        response = cloud.get(_url(path, world))
        assert response.status_int == 404, (path, response.text)
        assert response.json["itemNotFound"]["code"] == 404


def test_xml_accept_gets_json(cloud, world):
    """Nova serves JSON whatever Accept asks for (it dropped XML)."""
    response = cloud.get("/v2.1/flavors", headers={"Accept": "application/xml"})
    assert response.status_int == 200
    assert response.content_type == "application/json"
    assert response.json["flavors"][0]["id"] == world["flavor_id"]


def test_xml_body_is_415(cloud, world):
    before = snapshot(cloud, world)
    response = cloud.request(
        "POST",
        "/v2.1/os-keypairs",
        raw=b"<keypair><name>new</name></keypair>",
        headers={"Content-Type": "application/xml"},
    )
    assert response.status_int == 415, response.text
    assert response.json == {"badMediaType": {"code": 415, "message": "Unsupported Content-Type"}}
    assert snapshot(cloud, world) == before
