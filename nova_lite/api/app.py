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
        response = handler.dispatch(req, handlers, match)
        if versioned:
            response.headers.update(microversion.response_headers(version))
        return response


class VersionHeaders:
    """Answers 406 in Nova's format before auth when the version is unacceptable."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req: webob.Request):
        if req.path_info.startswith(router.V21):
            microversion.from_headers(req.headers)
        return req.get_response(self.application)


class PublicVersions:
    """Serves version discovery without auth; everything else goes to ``protected``."""

    def __init__(self, public, protected):
        self.public = public
        self.protected = protected

    @webob.dec.wsgify
    def __call__(self, req: webob.Request):
        if req.path_info.rstrip("/") in ("", router.V21):
            return req.get_response(self.public)
        return req.get_response(self.protected)


class _AnonymousContext:
    """Version discovery needs no caller: give it an anonymous context."""

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
    return RequestId(fault.FaultWrapper(PublicVersions(_AnonymousContext(routed), protected)))
