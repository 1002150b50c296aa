"""OpenAPI 3.1 document of the Compute API, built at run time from the route table.

Every row of ``router.ROUTES`` becomes a path and every method an
operation. A method's handlers, each with one ``spec`` per microversion
range (or, on ``.../action`` URLs, the handlers of each action name), are
the operation's variants. From each spec come the request body schema
(the JSON schema the API validates with, under ``components/schemas``),
the query parameters (from its query schema), the success status and the
microversion range (``x-openstack-microversion``: ``min``/``max``). An
action URL's request body is a ``oneOf`` of its actions' schemas, each
titled with its action name. Errors have Nova's shape,
``{"<faultName>": {"code": ..., "message": ...}}``.

Response bodies are not schema-described: a success response is a
generic JSON object, or no content for 204 and for handlers annotated to
return None.
"""

from __future__ import annotations

import dataclasses
import functools
import http
import inspect
import re
from collections.abc import Callable

from nova_lite import exception
from nova_lite.api import fault, handler, microversion, router, validation

OPENAPI_VERSION = "3.1.0"
TOKEN_HEADER = "X-Auth-Token"
ERROR_CODES = (400, 401, 403, 404, 409)
VERSION_ERROR_CODES = (400, 406)
_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")


@dataclasses.dataclass(frozen=True)
class Variant:
    """One handler spec serving a method: its name, function and spec."""

    name: str
    fn: Callable
    spec: handler.Spec


def handler_name(fn: Callable) -> str:
    """``servers.create`` for ``nova_lite.api.handlers.servers.create``."""
    return f"{fn.__module__.rpartition('.')[2]}.{fn.__name__}"


def schema_name(fn: Callable, spec: handler.Spec) -> str:
    """The ``components/schemas`` key of a spec's request schema."""
    if len(fn.specs) == 1:
        return handler_name(fn)
    return f"{handler_name(fn)}-{spec.min_version}"


def variants(handlers: list[Callable] | dict) -> list[Variant]:
    """A method's handler specs; action names name them on action URLs."""
    if isinstance(handlers, dict):
        named = [(action, fn) for action, fns in handlers.items() for fn in fns]
    else:
        named = [(handler_name(fn), fn) for fn in handlers]
    return [Variant(name, fn, spec) for name, fn in named for spec in fn.specs]


def version_range(specs: list[handler.Spec]) -> dict:
    """``{"min": ..., "max": ...}`` covering ``specs`` (open ranges end at our maximum)."""
    return {
        "min": str(min(spec.min_version for spec in specs)),
        "max": str(max(spec.max_version or microversion.MAX_VERSION for spec in specs)),
    }


def openapi_path(path: str) -> str:
    """A routes path as an OpenAPI template (``{name:regex}`` becomes ``{name}``)."""
    return _PARAM.sub(r"{\1}", path)


def _returns_body(fn: Callable, status: int) -> bool:
    return status != 204 and inspect.signature(fn).return_annotation not in (None, "None")


def _error_responses(public: bool, versioned: bool) -> dict:
    codes = set() if public else set(ERROR_CODES)
    if versioned:
        codes.update(VERSION_ERROR_CODES)
    return {
        str(code): {"$ref": f"#/components/responses/{_error_key(code)}"} for code in sorted(codes)
    }


def _error_key(code: int) -> str:
    return http.HTTPStatus(code).phrase.replace(" ", "")


def _responses(found: list[Variant], versioned: bool, public: bool) -> dict:
    responses: dict = {}
    by_status: dict[int, list[Variant]] = {}
    for variant in found:
        by_status.setdefault(variant.spec.status, []).append(variant)
    for status, group in sorted(by_status.items()):
        response: dict = {"description": ", ".join(dict.fromkeys(v.name for v in group))}
        if any(_returns_body(v.fn, status) for v in group):
            response["content"] = {"application/json": {"schema": {"type": "object"}}}
        if versioned:
            response["headers"] = {
                name: {"$ref": f"#/components/headers/{name}"} for name in microversion.HEADERS
            }
        responses[str(status)] = response
    responses.update(_error_responses(public, versioned))
    return responses


def _request_body(found: list[Variant], action: bool) -> dict | None:
    with_schema = [v for v in found if v.spec.schema is not None]
    if not with_schema:
        return None
    refs = [
        {
            "$ref": f"#/components/schemas/{schema_name(v.fn, v.spec)}",
            "title": v.name,
            "x-openstack-microversion": version_range([v.spec]),
        }
        for v in with_schema
    ]
    if len(refs) == 1 and not action:
        schema = {"$ref": refs[0]["$ref"]}
    else:
        schema = {"oneOf" if action else "anyOf": refs}
    return {
        "required": all(v in with_schema and _rejects_no_body(v.spec.schema) for v in found),
        "content": {"application/json": {"schema": schema}},
    }


def _rejects_no_body(schema: dict) -> bool:
    """Whether ``schema`` rejects an empty body (which the API validates as null)."""
    try:
        validation.validate(schema, None)
    except exception.ValidationError:
        return True
    return False


def _query_parameters(found: list[Variant]) -> list[dict]:
    schemas: dict[str, list[dict]] = {}
    for variant in found:
        for name, schema in (variant.spec.query or {}).get("properties", {}).items():
            if schema not in schemas.setdefault(name, []):
                schemas[name].append(schema)
    return [
        {
            "name": name,
            "in": "query",
            "required": all(name in (v.spec.query or {}).get("required", ()) for v in found),
            "schema": options[0] if len(options) == 1 else {"anyOf": options},
            "style": "form",
            "explode": True,
        }
        for name, options in schemas.items()
    ]


def _operation(handlers: list[Callable] | dict, versioned: bool) -> dict:
    found = variants(handlers)
    public = all(handler.is_public(v.fn) for v in found)
    operation: dict = {
        "tags": sorted({v.fn.__module__.rpartition(".")[2] for v in found}),
        "x-openstack-microversion": version_range([v.spec for v in found]),
    }
    doc = inspect.getdoc(found[0].fn) if len({v.fn for v in found}) == 1 else None
    if doc:
        operation["summary"] = doc.splitlines()[0]
    query = _query_parameters(found)
    if query:
        operation["parameters"] = query
    body = _request_body(found, isinstance(handlers, dict))
    if body:
        operation["requestBody"] = body
    operation["responses"] = _responses(found, versioned, public)
    if public:
        operation["security"] = []
    return operation


def _path_item(path: str, methods: dict) -> dict:
    versioned = path.startswith(router.V21)
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PARAM.findall(path)
    ]
    if versioned:
        parameters += [{"$ref": f"#/components/parameters/{name}"} for name in microversion.HEADERS]
    item: dict = {method.lower(): _operation(h, versioned) for method, h in methods.items()}
    if parameters:
        item["parameters"] = parameters
    return item


def _components(table: list[tuple[str, dict]]) -> dict:
    schemas = {
        schema_name(v.fn, v.spec): v.spec.schema
        for _path, methods in table
        for handlers in methods.values()
        for v in variants(handlers)
        if v.spec.schema is not None
    }
    codes = sorted(set(ERROR_CODES) | set(VERSION_ERROR_CODES))
    version_text = (
        f"compute {microversion.MIN_VERSION} to compute {microversion.MAX_VERSION}, "
        "or compute latest"
    )
    return {
        "schemas": dict(sorted(schemas.items())),
        "responses": {
            _error_key(code): {
                "description": f"{http.HTTPStatus(code).phrase}, in Nova's error format",
                "content": {"application/json": {"schema": _fault_schema(code)}},
            }
            for code in codes
        },
        "parameters": {
            "OpenStack-API-Version": {
                "name": "OpenStack-API-Version",
                "in": "header",
                "required": False,
                "description": f"The microversion asked for: {version_text}; 2.1 when absent.",
                "schema": {"type": "string", "examples": [f"compute {microversion.MAX_VERSION}"]},
            },
            "X-OpenStack-Nova-API-Version": {
                "name": "X-OpenStack-Nova-API-Version",
                "in": "header",
                "required": False,
                "description": "The legacy microversion header: a version or latest.",
                "schema": {"type": "string", "examples": [str(microversion.MAX_VERSION)]},
            },
        },
        "headers": {
            name: {"description": "The microversion served.", "schema": {"type": "string"}}
            for name in microversion.HEADERS
        },
        "securitySchemes": {
            TOKEN_HEADER: {"type": "apiKey", "in": "header", "name": TOKEN_HEADER},
        },
    }


def _fault_schema(code: int) -> dict:
    name = fault.fault_name(code)
    return {
        "type": "object",
        "properties": {
            name: {
                "type": "object",
                "properties": {
                    "code": {"type": "integer", "const": code},
                    "message": {"type": "string"},
                },
                "required": ["code", "message"],
            }
        },
        "required": [name],
        "additionalProperties": False,
    }


def build(table: list[tuple[str, dict]] | None = None) -> dict:
    """The OpenAPI document of ``table`` (the API's route table by default)."""
    table = router.ROUTES if table is None else table
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "nova-lite Compute API",
            "version": str(microversion.MAX_VERSION),
            "description": (
                "OpenStack Compute API v2.1, microversions "
                f"{microversion.MIN_VERSION} to {microversion.MAX_VERSION}. "
                "Every /v2.1 URL also answers under /v2.1/{project_id} (the caller's project). "
                "Generated from the route table; response bodies are generic JSON objects."
            ),
        },
        "paths": {openapi_path(path): _path_item(path, methods) for path, methods in table},
        "components": _components(table),
        "security": [{TOKEN_HEADER: []}],
    }


@functools.cache
def document() -> dict:
    """The API's document, built once (the route table does not change at run time)."""
    return build()
