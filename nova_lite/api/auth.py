"""Authentication: noauth2 for development, keystonemiddleware for real use.

Both end with a RequestContext in ``environ['nova_lite.context']``.
"""

from __future__ import annotations

import webob
import webob.dec
from oslo_config import cfg
from oslo_serialization import jsonutils

from nova_lite import context as nova_context
from nova_lite.api import fault

CONTEXT_KEY = "nova_lite.context"


class NoAuth2:
    """``X-Auth-Token: <user>:<project>`` names the caller; user ``admin`` is admin."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req: webob.Request):
        token = req.headers.get("X-Auth-Token")
        if not token:
            return fault.error_response(401, "Authentication required")
        user_id, _, project_id = token.partition(":")
        project_id = project_id or user_id
        roles = ["admin", "member", "reader"] if user_id == "admin" else ["member", "reader"]
        req.environ[CONTEXT_KEY] = nova_context.RequestContext(
            user_id=user_id,
            project_id=project_id,
            roles=roles,
            is_admin=user_id == "admin",
            request_id=req.environ.get("openstack.request_id"),
        )
        return req.get_response(self.application)


class KeystoneContext:
    """Builds the context from the headers keystonemiddleware's auth_token sets."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req: webob.Request):
        if req.headers.get("X-Identity-Status", "Confirmed") != "Confirmed":
            return fault.error_response(401, "Authentication required")
        catalog = req.headers.get("X-Service-Catalog")
        context = nova_context.RequestContext.from_environ(
            req.environ,
            request_id=req.environ.get("openstack.request_id"),
            service_catalog=jsonutils.loads(catalog) if catalog else None,
        )
        req.environ[CONTEXT_KEY] = context
        return req.get_response(self.application)


def wrap(application, conf: cfg.ConfigOpts):
    """Put the configured authentication in front of ``application``."""
    if conf.api.auth_strategy == "keystone":
        from keystonemiddleware import auth_token

        return auth_token.AuthProtocol(KeystoneContext(application), {"oslo_config_config": conf})
    return NoAuth2(application)
