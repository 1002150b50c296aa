"""The WSGI pipeline: request id, fault wrapper, auth, microversion, router."""

from __future__ import annotations

import webob
import webob.dec
from oslo_config import cfg
from oslo_context import context as oslo_context
from oslo_log import log as logging

from nova_lite import context as nova_context
from nova_lite import exception
from nova_lite.api import auth, fault, handler, microversion, router

LOG = logging.getLogger(__name__)
REQUEST_ID_HEADER = "x-openstack-request-id"
SUPPORTED_CONTENT_TYPES = ("application/json", "application/vnd.openstack.compute+json")


class RequestId:
    """Gives every request an id, sent back as ``x-openstack-request-id``."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req: webob.Request):
        request_id = oslo_context.generate_request_id()
        req.environ["openstack.request_id"] = request_id
        response = req.get_response(self.application)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


class Router:
    """Matches the URL, negotiates the microversion and dispatches."""

    def __init__(self) -> None:
        self.mapper = router.build_mapper()

    @webob.dec.wsgify
    def __call__(self, req: webob.Request):
        match = self.mapper.match(environ=req.environ)
        if match is None:
            raise exception.NotFound(message="The resource could not be found.")
        methods = router.methods_of(match)
        handlers = methods.get(req.method)
        if handlers is None:
            allow = ", ".join(sorted(methods))
            return fault.error_response(
                405, f"The method {req.method} is not allowed for this resource.", {"Allow": allow}
            )
        versioned = req.path_info.startswith(router.V21)
        version = microversion.from_headers(req.headers) if versioned else microversion.MIN_VERSION
        req.environ["nova_lite.api_version"] = version
        _check_content_type(req)
        _check_project(req, match.pop(router.URL_PROJECT_ID, None))
        response = handler.dispatch(req, handlers, match)
        if versioned:
            response.headers.update(microversion.response_headers(version))
        return response


def _check_content_type(req: webob.Request) -> None:
    """415 for a body type other than JSON (none, or text/plain, counts as none)."""
    if req.content_type not in ("", "text/plain", *SUPPORTED_CONTENT_TYPES):
        raise exception.UnsupportedMediaType()


def _check_project(req: webob.Request, url_project_id: str | None) -> None:
    """400 when a URL's project id segment is not the caller's project."""
    if url_project_id is None:
        return
    project_id = handler.context_of(req).project_id
    if url_project_id != project_id:
        raise exception.InvalidRequest(
            reason=f"Malformed request URL: URL's project_id '{url_project_id}' doesn't "
            f"match Context's project_id '{project_id}'"
        )
    req.environ[handler.URL_PROJECT_KEY] = url_project_id


class VersionHeaders:
    """Answers 406 in Nova's format before auth when the version is unacceptable."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req: webob.Request):
        if req.path_info.startswith(router.V21):
            microversion.from_headers(req.headers)
        return req.get_response(self.application)


class PublicRoutes:
    """Serves public URLs (version discovery, the API document) without auth.

    Everything else goes to ``protected``.
    """

    def __init__(self, public, protected):
        self.public = public
        self.protected = protected
        self.paths = router.public_paths()

    @webob.dec.wsgify
    def __call__(self, req: webob.Request):
        if req.path_info.rstrip("/") in self.paths:
            return req.get_response(self.public)
        return req.get_response(self.protected)


class _AnonymousContext:
    """Public URLs need no caller: give them an anonymous context."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req: webob.Request):
        req.environ[auth.CONTEXT_KEY] = nova_context.RequestContext(
            request_id=req.environ.get("openstack.request_id"), overwrite=False
        )
        return req.get_response(self.application)


def build(conf: cfg.ConfigOpts = cfg.CONF):
    """The API's WSGI application for ``conf``."""
    routed = Router()
    protected = VersionHeaders(auth.wrap(routed, conf))
    return RequestId(fault.FaultWrapper(PublicRoutes(_AnonymousContext(routed), protected)))
