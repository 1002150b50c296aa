"""Who nova-lite's calls to other services (Glance) authenticate as: a keystoneauth1
auth plugin chosen by the request context.

- The context carries a caller's token (a user's request): that token and the
  endpoints of the caller's service catalog; with ``[service_user]
  send_service_user_token`` the service user's token goes along as
  ``X-Service-Token``, so that the call still passes when the caller's token
  expires during a long operation.
- No caller's token (an admin context of start-up repairs and periodic tasks; any
  context under noauth2): the service user of ``[service_user]`` and its own
  service catalog.
- Neither (no-auth deployments, ``[service_user]`` without ``auth_type``): no
  token at all; the endpoint is then the client's ``endpoint_override``.
"""

from __future__ import annotations

import threading
from typing import Any

from keystoneauth1 import access, plugin, service_token
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg
from oslo_log import log as logging

from nova_lite.conf import service_user as service_user_conf

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

_NOT_LOADED = object()
_service_user: ServiceUserAuth | None | object = _NOT_LOADED
_lock = threading.Lock()


class CallerAuth(plugin.BaseAuthPlugin):
    """Authenticates as the request's caller: its token (none for an admin context
    or under noauth2) and the endpoints of its service catalog."""

    def __init__(self, context) -> None:
        super().__init__()
        self.context = context

    def get_token(self, session, **kwargs) -> str | None:
        return self.context.auth_token

    def get_headers(self, session, **kwargs) -> dict[str, str]:
        token = self.get_token(session)
        return {"X-Auth-Token": token} if token else {}

    def get_endpoint(
        self, session, service_type=None, interface=None, region_name=None, **kwargs
    ) -> str | None:
        # keystonemiddleware's X-Service-Catalog is in the v2 format.
        catalog = access.service_catalog.ServiceCatalogV2(self.context.service_catalog or [])
        return catalog.url_for(
            service_type=service_type, interface=interface, region_name=region_name
        )


class ServiceUserAuth(plugin.BaseAuthPlugin):
    """The ``[service_user]`` auth plugin, talking to Keystone through a session of
    the ``[service_user]`` session options (TLS, timeout) rather than the session of
    the service being called."""

    def __init__(self, auth: plugin.BaseAuthPlugin, session) -> None:
        super().__init__()
        self.auth = auth
        self.session = session

    def get_token(self, session, **kwargs) -> str | None:
        return self.auth.get_token(self.session)

    def get_headers(self, session, **kwargs) -> dict[str, str] | None:
        return self.auth.get_headers(self.session)

    def get_endpoint(self, session, **kwargs: Any) -> str | None:
        return self.auth.get_endpoint(self.session, **kwargs)

    def get_user_id(self, session) -> str | None:
        return self.auth.get_user_id(self.session)

    def get_project_id(self, session) -> str | None:
        return self.auth.get_project_id(self.session)

    def invalidate(self) -> bool:
        return self.auth.invalidate()


def service_user_auth() -> ServiceUserAuth | None:
    """The service user of ``[service_user]`` (loaded once per process; it keeps and
    renews its token), or None when no ``auth_type`` is set there."""
    global _service_user
    with _lock:
        if _service_user is _NOT_LOADED:
            _service_user = _load_service_user()
        return _service_user


def _load_service_user() -> ServiceUserAuth | None:
    group = service_user_conf.GROUP
    auth = ks_loading.load_auth_from_conf_options(CONF, group)
    if auth is None:
        if CONF.service_user.send_service_user_token:
            LOG.warning(
                "[service_user] send_service_user_token is true but no auth_type is set "
                "there: no service token is sent"
            )
        return None
    return ServiceUserAuth(auth, ks_loading.load_session_from_conf_options(CONF, group))


def reset() -> None:
    """Forget the loaded service user: the next call reads ``[service_user]`` again."""
    global _service_user
    with _lock:
        _service_user = _NOT_LOADED


def get_auth_plugin(context) -> plugin.BaseAuthPlugin:
    """The plugin a call on behalf of ``context`` authenticates with (see the module)."""
    service = service_user_auth()
    if not context.auth_token:
        return service or CallerAuth(context)
    caller = CallerAuth(context)
    if service is not None and CONF.service_user.send_service_user_token:
        return service_token.ServiceTokenAuthWrapper(user_auth=caller, service_auth=service)
    return caller
