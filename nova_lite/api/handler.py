"""Declarative handler metadata and the dispatch that honours it.

Each handler states next to its code: success status, policy rule,
request schema and microversion range. Handlers take the request and the
URL arguments and return a body (dict) or None; domain exceptions become
errors in the fault wrapper.
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
) -> Callable:
    """Attach a Spec to a handler function."""

    def decorate(fn):
        fn.spec = Spec(
            status=status,
            schema=schema,
            min_version=microversion.APIVersion.parse(min_version),
            max_version=(microversion.APIVersion.parse(max_version) if max_version else None),
        )
        return fn

    return decorate


def context_of(req: webob.Request):
    return req.environ[CONTEXT_KEY]


def version_of(req: webob.Request) -> microversion.APIVersion:
    return req.environ["nova_lite.api_version"]


def json_body(req: webob.Request):
    if not req.body:
        raise exception.InvalidRequest(reason="The request body is empty; JSON was expected.")
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
        name = next(iter(body), None) if isinstance(body, dict) else None
        if name not in handlers:
            raise exception.InvalidRequest(reason=f"There is no such action: {name}")
        handlers = handlers[name]
    version = version_of(req)
    for fn in handlers:
        if fn.spec.accepts(version):
            break
    else:
        raise exception.NotFound(message="The resource could not be found.")
    if fn.spec.schema is not None:
        body = json_body(req)
        validation.validate(fn.spec.schema, body)
        kwargs["body"] = body
    result = fn(req, **kwargs)
    response = webob.Response(status=fn.spec.status)
    if result is not None:
        response.body = jsonutils.dump_as_bytes(result)
        response.content_type = "application/json"
        response.charset = "UTF-8"
    else:
        response.content_type = None
    return response
