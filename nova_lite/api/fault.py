"""Errors to responses in Nova's format: ``{"itemNotFound": {"code": 404, ...}}``."""

from __future__ import annotations

import webob
import webob.dec
from oslo_log import log as logging
from oslo_serialization import jsonutils

from nova_lite import exception

LOG = logging.getLogger(__name__)

FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}


def fault_name(code: int) -> str:
    """The key of Nova's error body for ``code`` (``computeFault`` for unnamed codes)."""
    return FAULT_NAMES.get(code, "computeFault")


def error_response(code: int, message: str, headers: dict | None = None) -> webob.Response:
    name = fault_name(code)
    body = jsonutils.dump_as_bytes({name: {"code": code, "message": message}})
    response = webob.Response(
        status=code, body=body, content_type="application/json", charset="UTF-8"
    )
    response.headers.update(headers or {})
    return response


class FaultWrapper:
    """WSGI middleware: any exception becomes a Nova-format error, never a traceback."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req: webob.Request):
        try:
            return req.get_response(self.application)
        except exception.NovaLiteException as error:
            if error.code >= 500:
                LOG.exception("Request %s %s failed", req.method, req.path)
            return error_response(error.code, error.format_message())
        except Exception:
            LOG.exception("Unexpected error in %s %s", req.method, req.path)
            return error_response(
                500,
                "Unexpected API Error. Please report this at "
                "the nova-lite issue tracker and attach the API log if "
                "possible.",
            )
