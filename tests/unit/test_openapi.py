"""The OpenAPI document is generated from the route table and describes all of it."""

from __future__ import annotations

import re

import pytest
import webob
from openapi_spec_validator import validate
from oslo_serialization import jsonutils

from nova_lite.api import app as api_app
from nova_lite.api import fault, handler, microversion, openapi, router


def _json(value):
    """``value`` as it reads after a JSON round trip (tuples become lists)."""
    return jsonutils.loads(jsonutils.dumps(value))


@pytest.fixture(scope="module")
def document():
    return _json(openapi.build())


def _operations():
    for path, methods in router.ROUTES:
        for method, handlers in methods.items():
            yield path, method, handlers


def _operation(document, path, method):
    return document["paths"][openapi.openapi_path(path)][method.lower()]


def _resolve(document, ref: str):
    assert ref.startswith("#/components/schemas/"), ref
    return document["components"]["schemas"][ref.rpartition("/")[2]]


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_route_and_method_is_an_operation(document):
    for path, methods in router.ROUTES:
        item = document["paths"][openapi.openapi_path(path)]
        assert set(methods) == {key.upper() for key in item if key != "parameters"}, path


def test_path_parameters_are_declared(document):
    for path, _methods in router.ROUTES:
        template = openapi.openapi_path(path)
        declared = {
            p["name"]
            for p in document["paths"][template].get("parameters", [])
            if p.get("in") == "path"
        }
        assert declared == set(re.findall(r"\{(\w+)\}", template)), path


def test_request_bodies_are_the_handlers_schemas(document):
    checked = 0
    for path, method, handlers in _operations():
        operation = _operation(document, path, method)
        for variant in openapi.variants(handlers):
            if variant.spec.schema is None:
                continue
            name = openapi.schema_name(variant.fn, variant.spec)
            assert document["components"]["schemas"][name] == _json(variant.spec.schema), name
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            refs = schema.get("oneOf") or schema.get("anyOf") or [schema]
            (entry,) = [r for r in refs if r["$ref"] == f"#/components/schemas/{name}"]
            assert _resolve(document, entry["$ref"]) == _json(variant.spec.schema)
            checked += 1
    assert checked, "no handler has a request schema"


def test_action_bodies_are_one_of_the_named_actions(document):
    action_routes = [(p, m, h) for p, m, h in _operations() if isinstance(h, dict)]
    assert action_routes
    for path, method, actions in action_routes:
        schema = _operation(document, path, method)["requestBody"]["content"]["application/json"]
        titles = [entry["title"] for entry in schema["schema"]["oneOf"]]
        assert sorted(titles) == sorted(
            name for name, fns in actions.items() for fn in fns for s in fn.specs if s.schema
        )


def test_microversion_range_and_status_of_each_handler(document):
    for path, method, handlers in _operations():
        operation = _operation(document, path, method)
        found = openapi.variants(handlers)
        assert operation["x-openstack-microversion"] == {
            "min": str(min(v.spec.min_version for v in found)),
            "max": str(max(v.spec.max_version or microversion.MAX_VERSION for v in found)),
        }
        for variant in found:
            assert str(variant.spec.status) in operation["responses"], (path, variant.name)
        schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        for entry in schema.get("schema", {}).get("oneOf", []):
            (variant,) = [
                v
                for v in found
                if v.name == entry["title"]
                and entry["$ref"].endswith("/" + openapi.schema_name(v.fn, v.spec))
            ]
            assert entry["x-openstack-microversion"]["min"] == str(variant.spec.min_version)


def test_errors_have_nova_shape_and_auth_is_a_token(document):
    for code in openapi.ERROR_CODES:
        response = document["components"]["responses"][openapi._error_key(code)]
        schema = response["content"]["application/json"]["schema"]
        assert schema["required"] == [fault.fault_name(code)]
        assert schema["properties"][fault.fault_name(code)]["required"] == ["code", "message"]
    assert document["security"] == [{"X-Auth-Token": []}]
    public = router.public_paths()
    for path, method, _handlers in _operations():
        operation = _operation(document, path, method)
        if path.rstrip("/") in public:
            assert operation["security"] == []
        else:
            assert "security" not in operation
            for code in openapi.ERROR_CODES:
                assert str(code) in operation["responses"], (path, method, code)


def test_microversion_headers_are_parameters_of_versioned_paths(document):
    for path, _methods in router.ROUTES:
        refs = {
            p.get("$ref")
            for p in document["paths"][openapi.openapi_path(path)].get("parameters", [])
        }
        expected = {f"#/components/parameters/{h}" for h in microversion.HEADERS}
        assert (expected <= refs) == path.startswith(router.V21), path


# -- a made-up table: stacked microversion specs and query schemas ------------------------


@handler.handler(status=201, schema={"type": "object", "required": ["a"]}, min_version="2.50")
@handler.handler(schema={"type": "object", "required": ["b"]}, max_version="2.49")
def _stacked(req: webob.Request, body: dict) -> dict:
    """Create a thing."""
    return {}


@handler.handler(
    status=204,
    query={
        "type": "object",
        "properties": {"limit": {"type": "array", "items": {"type": "string"}}},
        "required": ["limit"],
    },
)
def _listed(req: webob.Request) -> None:
    return None


def test_stacked_specs_and_query_schemas():
    document = _json(openapi.build([("/v2.1/things/{thing_id:[0-9]+}", {"POST": [_stacked]})]))
    validate(document)
    operation = document["paths"]["/v2.1/things/{thing_id}"]["post"]
    assert operation["x-openstack-microversion"] == {
        "min": "2.1",
        "max": str(microversion.MAX_VERSION),
    }
    assert operation["summary"] == "Create a thing."
    assert set(operation["responses"]) >= {"200", "201"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert [e["x-openstack-microversion"] for e in body["anyOf"]] == [
        {"min": "2.1", "max": "2.49"},
        {"min": "2.50", "max": str(microversion.MAX_VERSION)},
    ]
    document = _json(openapi.build([("/v2.1/things", {"GET": [_listed]})]))
    validate(document)
    operation = document["paths"]["/v2.1/things"]["get"]
    (limit,) = operation["parameters"]
    assert limit["in"] == "query" and limit["required"] is True
    assert "content" not in operation["responses"]["204"]


# -- served without authentication ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/openapi.json", "/v2.1/openapi.json"])
def test_document_is_served_without_a_token(conf, path):
    application = api_app.build(conf)
    response = webob.Request.blank(path).get_response(application)
    assert response.status_int == 200, response.text
    served = response.json
    assert served["servers"] == [{"url": "http://localhost"}]
    del served["servers"]
    assert served == _json(openapi.document())
    assert webob.Request.blank("/v2.1/servers").get_response(application).status_int == 401
