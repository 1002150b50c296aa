"""Declarative handler metadata and the dispatch that honours it.

Each handler states next to its code: success status, policy rule,
request schema, query schema and microversion range. The decorator may be
stacked, one per microversion range, when status or schemas change between
versions (as Nova stacks ``wsgi.response`` and ``validation.schema``).
Handlers take the request and the URL arguments and return a body (dict)
or None; domain exceptions become errors in the fault wrapper.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import webob
from oslo_serialization import jsonutils

from nova_lite import exception
from nova_lite.api import microversion, validation
from nova_lite.api.auth import CONTEXT_KEY


@dataclasses.dataclass(frozen=True)
class Spec:
    status: int = 200
    schema: dict | None = None
    query: dict | None = None
    min_version: microversion.APIVersion = microversion.MIN_VERSION
    max_version: microversion.APIVersion | None = None

    def accepts(self, version: microversion.APIVersion) -> bool:
        return self.min_version <= version and (
            self.max_version is None or version <= self.max_version
        )


def handler(
    status: int = 200,
    schema: dict | None = None,
    min_version: str = "2.1",
    max_version: str | None = None,
    query: dict | None = None,
) -> Callable:
    """Attach a Spec to a handler function; stacked, each adds one more range."""

    def decorate(fn):
        fn.spec = Spec(
            status=status,
            schema=schema,
            query=query,
            min_version=microversion.APIVersion.parse(min_version),
            max_version=(microversion.APIVersion.parse(max_version) if max_version else None),
        )
        fn.specs = (*getattr(fn, "specs", ()), fn.spec)
        return fn

    return decorate


def public(fn: Callable) -> Callable:
    """Mark a handler as served without authentication (version discovery, API document)."""
    fn.public = True
    return fn


def is_public(fn: Callable) -> bool:
    return getattr(fn, "public", False)


def context_of(req: webob.Request):
    return req.environ[CONTEXT_KEY]


URL_PROJECT_KEY = "nova_lite.url_project_id"


def url_project_of(req: webob.Request) -> str | None:
    """The project id segment of the request's URL, if any (Nova repeats it in links)."""
    return req.environ.get(URL_PROJECT_KEY)


def version_of(req: webob.Request) -> microversion.APIVersion:
    return req.environ["nova_lite.api_version"]


def is_supported(req: webob.Request, min_version: str) -> bool:
    """Whether the request's microversion is ``min_version`` or later (Nova's helper)."""
    return version_of(req) >= microversion.APIVersion.parse(min_version)


def json_body(req: webob.Request):
    """The request's JSON body: None when empty (as Nova's, the schema then rejects it)."""
    if not req.body:
        return None
    try:
        return jsonutils.loads(req.body)
    except ValueError:
        raise exception.InvalidRequest(reason="Malformed request body") from None


def dispatch(req: webob.Request, handlers: list[Callable] | dict, kwargs: dict) -> webob.Response:
    """Run the handler whose microversion range holds the request's version.

    ``handlers`` may be a dict of action name to handlers (``.../action``
    URLs), where the request body's one key names the action.
    """
    if isinstance(handlers, dict):
        body = json_body(req)
        if not isinstance(body, dict) or len(body) != 1:
            raise exception.InvalidRequest(reason="Malformed request body")
        (name,) = body
        if name not in handlers:
            raise exception.InvalidRequest(reason=f"There is no such action: {name}")
        handlers = handlers[name]
    version = version_of(req)
    matches = ((fn, spec) for fn in handlers for spec in fn.specs if spec.accepts(version))
    fn, spec = next(matches, (None, None))
    if fn is None:
        raise exception.NotFound(message="The resource could not be found.")
    if spec.query is not None:
        validation.validate_query(spec.query, req.GET.dict_of_lists())
    if spec.schema is not None:
        body = json_body(req)
        validation.validate(spec.schema, body)
        kwargs["body"] = body
    result = fn(req, **kwargs)
    if isinstance(result, webob.Response):
        # The status or headers depend on the request (e.g. 201 or 204 with a Location).
        return result
    return json_response(spec.status, result)


def json_response(status: int, body: dict | None, headers: dict | None = None) -> webob.Response:
    """A response with ``body`` as JSON (no content when None) and extra ``headers``."""
    response = webob.Response(status=status)
    if body is not None:
        response.body = jsonutils.dump_as_bytes(body)
        response.content_type = "application/json"
        response.charset = "UTF-8"
    else:
        response.content_type = None
    response.headers.update(headers or {})
    return response
