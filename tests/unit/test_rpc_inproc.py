"""The inproc:// transport: real oslo.messaging RPC servers and clients in one process."""

from __future__ import annotations

import threading
import time

import oslo_messaging as messaging
import pytest
from futurist import _thread as futurist_thread
from oslo_utils import uuidutils

from nova_lite import context as nova_context
from nova_lite import exception, rpc, rpc_inproc
from nova_lite.objects.flavor import Flavor


@pytest.fixture(autouse=True)
def _fast_executor_shutdown(monkeypatch):
    """futurist's idle workers look for work once a second, so every
    RPCServer.wait() lasts ~1 s whatever the transport; poll faster here."""
    monkeypatch.setattr(futurist_thread.ThreadWorker, "MAX_IDLE_FOR", 0.02)


@pytest.fixture
def transport(parsed_conf):
    transport = messaging.get_rpc_transport(
        parsed_conf, url="inproc://", allowed_remote_exmods=rpc.ALLOWED_EXMODS
    )
    yield transport
    transport.cleanup()


@pytest.fixture
def topic():
    """A topic of its own: exchanges are shared by every inproc transport of the process."""
    return f"test-{uuidutils.generate_uuid()}"


class Endpoint:
    target = messaging.Target(version="1.0")

    def __init__(self, name="server"):
        self.name = name
        self.casts = []
        self.cast_received = threading.Event()

    def echo(self, context, value):
        return value

    def whoami(self, context):
        return self.name

    def remember(self, context, value):
        self.casts.append(value)
        self.cast_received.set()

    def caller(self, context):
        return {
            "user_id": context.user_id,
            "request_id": context.request_id,
            "read_deleted": context.read_deleted,
            "is_admin": context.is_admin,
        }

    def double_flavor(self, context, flavor):
        flavor.memory_mb *= 2
        return flavor

    @messaging.expected_exceptions(exception.NoValidHost)
    def fail(self, context):
        raise exception.NoValidHost(reason="nothing fits")


class Servers:
    """Starts RPC servers and stops every one of them at the end of the test."""

    def __init__(self, transport):
        self.transport = transport
        self.servers = []

    def start(self, topic, endpoint, server="host-a", serializer=None):
        target = messaging.Target(topic=topic, server=server)
        rpc_server = messaging.get_rpc_server(
            self.transport,
            target,
            [endpoint],
            executor="threading",
            serializer=serializer,
            access_policy=messaging.rpc.dispatcher.DefaultRPCAccessPolicy,
        )
        rpc_server.start()
        self.servers.append(rpc_server)
        return rpc_server

    def stop_all(self):
        for rpc_server in self.servers:
            rpc_server.stop()
        for rpc_server in self.servers:
            rpc_server.wait()
        self.servers = []


@pytest.fixture
def servers(transport):
    started = Servers(transport)
    yield started
    started.stop_all()


def _client(transport, topic, serializer=None, timeout=5):
    return messaging.get_rpc_client(
        transport,
        messaging.Target(topic=topic, version="1.0"),
        serializer=serializer,
        timeout=timeout,
    )


def test_the_inproc_driver_is_used(transport):
    assert isinstance(transport._driver, rpc_inproc.InProcDriver)


def test_call_returns_the_value(transport, servers, topic):
    servers.start(topic, Endpoint())
    client = _client(transport, topic)
    assert client.call({}, "echo", value={"a": [1, 2]}) == {"a": [1, 2]}
    assert client.call({}, "echo", value="again") == "again"


def test_cast_is_delivered(transport, servers, topic):
    endpoint = Endpoint()
    servers.start(topic, endpoint)
    _client(transport, topic).cast({}, "remember", value=42)
    assert endpoint.cast_received.wait(5)
    assert endpoint.casts == [42]


def test_many_calls_in_a_row(transport, servers, topic):
    servers.start(topic, Endpoint())
    client = _client(transport, topic)
    assert [client.call({}, "echo", value=i) for i in range(50)] == list(range(50))


def test_concurrent_callers_get_their_own_replies(transport, servers, topic):
    servers.start(topic, Endpoint())
    client = _client(transport, topic)
    results = {}

    def call(i):
        results[i] = client.call({}, "echo", value=i)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == {i: i for i in range(20)}


def test_expected_exception_reaches_the_caller(transport, servers, topic):
    servers.start(topic, Endpoint())
    with pytest.raises(exception.NoValidHost) as info:
        _client(transport, topic).call({}, "fail")
    assert "nothing fits" in info.value.format_message()


def test_call_without_a_server_times_out(transport, topic):
    with pytest.raises(messaging.MessagingTimeout):
        _client(transport, topic, timeout=0.3).call({}, "echo", value=1)


def test_directed_messages_reach_only_their_server(transport, servers, topic):
    a, b = Endpoint("a"), Endpoint("b")
    servers.start(topic, a, server="a")
    servers.start(topic, b, server="b")
    client = _client(transport, topic)
    for _ in range(5):
        assert client.prepare(server="a").call({}, "whoami") == "a"
        assert client.prepare(server="b").call({}, "whoami") == "b"
    client.prepare(server="b").cast({}, "remember", value="for-b")
    assert b.cast_received.wait(5)
    assert b.casts == ["for-b"]
    assert a.casts == []


def test_topic_messages_reach_one_server(transport, servers, topic):
    a, b = Endpoint("a"), Endpoint("b")
    servers.start(topic, a, server="a")
    servers.start(topic, b, server="b")
    answers = [_client(transport, topic).call({}, "whoami") for _ in range(10)]
    assert set(answers) <= {"a", "b"}
    assert len(answers) == 10


def test_fanout_reaches_every_server(transport, servers, topic):
    a, b = Endpoint("a"), Endpoint("b")
    servers.start(topic, a, server="a")
    servers.start(topic, b, server="b")
    _client(transport, topic).prepare(fanout=True).cast({}, "remember", value="all")
    assert a.cast_received.wait(5)
    assert b.cast_received.wait(5)
    assert a.casts == b.casts == ["all"]


def test_context_and_objects_cross_with_nova_serializer(transport, servers, topic):
    serializer = rpc.RequestContextSerializer(rpc._serializer()._base)
    servers.start(topic, Endpoint(), serializer=serializer)
    client = _client(transport, topic, serializer=serializer)
    ctx = nova_context.RequestContext(
        user_id="u1", project_id="p1", request_id="req-123", read_deleted="yes"
    )
    assert client.call(ctx, "caller") == {
        "user_id": "u1",
        "request_id": "req-123",
        "read_deleted": "yes",
        "is_admin": False,
    }
    admin = nova_context.RequestContext(user_id="a", project_id="p", roles=["admin"])
    assert client.call(admin, "caller")["is_admin"] is True
    flavor = Flavor(id=1, flavorid="1", name="f", memory_mb=512, vcpus=1)
    doubled = client.call(ctx, "double_flavor", flavor=flavor)
    assert isinstance(doubled, Flavor)
    assert doubled is not flavor
    assert (doubled.memory_mb, flavor.memory_mb) == (1024, 512)


def test_server_stops_promptly_while_idle(transport, servers, topic):
    rpc_server = servers.start(topic, Endpoint())
    client = _client(transport, topic)
    assert client.call({}, "echo", value=1) == 1
    time.sleep(0.1)  # the listener is now blocked waiting for messages

    stopper = threading.Thread(target=servers.stop_all, daemon=True)
    stopper.start()
    stopper.join(5)
    assert not stopper.is_alive(), "the RPC server did not stop within 5 s"
    assert rpc_server.listener is not None
    # Nobody consumes the topic any more.
    with pytest.raises(messaging.MessagingTimeout):
        _client(transport, topic, timeout=0.2).call({}, "echo", value=2)


def _listener(transport, topic, server="s"):
    """The driver's poll-style listener for topic/server (no dispatch thread)."""
    adapter = transport._driver.listen(messaging.Target(topic=topic, server=server), 1, None)
    return adapter._poll_style_listener


def test_listener_poll_returns_on_stop(transport, topic):
    listener = _listener(transport, topic)
    results = []
    poller = threading.Thread(target=lambda: results.append(listener.poll()), daemon=True)
    poller.start()
    time.sleep(0.1)
    assert poller.is_alive()  # blocked: there is nothing to read
    listener.stop()
    poller.join(5)
    assert not poller.is_alive()
    assert results == [[]]


def test_listener_poll_timeout(transport, topic):
    listener = _listener(transport, topic)
    started = time.monotonic()
    assert listener.poll(batch_timeout=0.1) == []
    assert 0.05 < time.monotonic() - started < 5
    listener.stop()


def test_listener_poll_wakes_on_delivery(transport, topic):
    listener = _listener(transport, topic)
    received = []
    poller = threading.Thread(target=lambda: received.extend(listener.poll()), daemon=True)
    poller.start()
    time.sleep(0.05)
    _client(transport, topic).prepare(server="s").cast({}, "remember", value=1)
    poller.join(5)
    listener.stop()
    assert not poller.is_alive()
    assert len(received) == 1
    assert received[0].message["method"] == "remember"
    assert received[0].message["args"] == {"value": 1}


def test_listener_gets_topic_and_directed_messages(transport, topic):
    listener = _listener(transport, topic, server="s")
    client = _client(transport, topic)
    client.cast({}, "remember", value="topic")
    client.prepare(server="s").cast({}, "remember", value="direct")
    client.prepare(server="other").cast({}, "remember", value="not-mine")
    got = []
    for _ in range(3):
        got.extend(m.message["args"]["value"] for m in listener.poll(batch_timeout=0.1))
    listener.stop()
    assert sorted(got) == ["direct", "topic"]
