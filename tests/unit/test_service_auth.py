"""Which keystoneauth1 plugin a call to another service authenticates with
(nova_lite.service_auth), for a caller's context and for an admin context."""

from __future__ import annotations

import pytest
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import plugin, service_token
from keystoneauth1 import session as ks_session

from nova_lite import context as nova_context
from nova_lite import service_auth

CATALOG = [
    {
        "type": "image",
        "name": "glance",
        "endpoints": [{"region": "RegionOne", "publicURL": "http://caller-glance:9292"}],
    }
]
SERVICE_USER = """\
[service_user]
auth_type = admin_token
token = service-token
endpoint = http://service-glance:9292
timeout = 7
"""


@pytest.fixture
def configure(conf, tmp_path):
    """``configure(text)``: parse CONF from a config file holding ``text``, as a daemon."""

    def parse(text: str) -> None:
        path = tmp_path / "nova-lite.conf"
        path.write_text(text)
        conf(["--config-file", str(path)], project="nova-lite")
        service_auth.reset()

    service_auth.reset()
    yield parse
    service_auth.reset()


def _caller() -> nova_context.RequestContext:
    return nova_context.RequestContext(
        user_id="alice", project_id="demo", auth_token="user-token", service_catalog=CATALOG
    )


def _headers(auth: plugin.BaseAuthPlugin) -> dict:
    return auth.get_headers(ks_session.Session())


def _endpoint(auth: plugin.BaseAuthPlugin) -> str | None:
    return auth.get_endpoint(ks_session.Session(), service_type="image", interface="public")


def test_caller_with_service_token(configure):
    configure(SERVICE_USER + "send_service_user_token = true\n")
    auth = service_auth.get_auth_plugin(_caller())
    assert isinstance(auth, service_token.ServiceTokenAuthWrapper)
    assert _headers(auth) == {"X-Auth-Token": "user-token", "X-Service-Token": "service-token"}
    assert _endpoint(auth) == "http://caller-glance:9292"  # the caller's catalog


def test_caller_alone_unless_service_tokens_are_asked_for(configure):
    configure(SERVICE_USER)
    auth = service_auth.get_auth_plugin(_caller())
    assert isinstance(auth, service_auth.CallerAuth)
    assert _headers(auth) == {"X-Auth-Token": "user-token"}
    assert _endpoint(auth) == "http://caller-glance:9292"


def test_send_service_user_token_without_a_service_user_sends_the_callers_only(configure):
    configure("[service_user]\nsend_service_user_token = true\n")
    auth = service_auth.get_auth_plugin(_caller())
    assert _headers(auth) == {"X-Auth-Token": "user-token"}


def test_admin_context_authenticates_as_the_service_user(configure):
    configure(SERVICE_USER)
    auth = service_auth.get_auth_plugin(nova_context.get_admin_context())
    assert isinstance(auth, service_auth.ServiceUserAuth)
    assert _headers(auth) == {"X-Auth-Token": "service-token"}
    assert _endpoint(auth) == "http://service-glance:9292"  # the service user's own
    assert auth is service_auth.get_auth_plugin(nova_context.get_admin_context())  # kept


def test_admin_context_without_a_service_user_sends_no_token(configure):
    configure("")
    context = nova_context.get_admin_context()
    auth = service_auth.get_auth_plugin(context)
    assert isinstance(auth, service_auth.CallerAuth)
    assert _headers(auth) == {}
    with pytest.raises(ks_exceptions.EmptyCatalog):  # [glance] endpoint_override must be set
        _endpoint(auth)


def test_an_elevated_caller_still_calls_as_the_caller(configure):
    configure(SERVICE_USER)
    auth = service_auth.get_auth_plugin(_caller().elevated())
    assert _headers(auth) == {"X-Auth-Token": "user-token"}


class _RecordingAuth(plugin.BaseAuthPlugin):
    """Answers with a fixed token, remembering the sessions it was asked through."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list = []

    def get_token(self, session, **kwargs) -> str:
        self.sessions.append(session)
        return "t"


def test_the_service_user_asks_keystone_through_its_own_session(configure):
    configure(SERVICE_USER)
    assert service_auth.service_user_auth().session.timeout == 7.0  # [service_user] timeout

    own, callers = ks_session.Session(), ks_session.Session()
    recording = _RecordingAuth()
    auth = service_auth.ServiceUserAuth(recording, own)
    assert auth.get_headers(callers) == {"X-Auth-Token": "t"}
    wrapped = service_token.ServiceTokenAuthWrapper(service_auth.CallerAuth(_caller()), auth)
    assert wrapped.get_headers(callers)["X-Service-Token"] == "t"
    assert recording.sessions == [own, own]
