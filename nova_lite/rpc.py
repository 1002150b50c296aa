"""oslo.messaging setup: the transport, RPC clients and servers."""

from __future__ import annotations

import oslo_messaging as messaging
from oslo_config import cfg

from nova_lite import context as nova_context
from nova_lite import exception
from nova_lite.objects import base as objects_base

ALLOWED_EXMODS = [exception.__name__]
TRANSPORT: messaging.Transport | None = None


class RequestContextSerializer(messaging.Serializer):
    """Carries the request context and versioned objects across RPC."""

    def __init__(self, base: messaging.Serializer):
        self._base = base

    def serialize_entity(self, ctxt, entity):
        return self._base.serialize_entity(ctxt, entity)

    def deserialize_entity(self, ctxt, entity):
        return self._base.deserialize_entity(ctxt, entity)

    def serialize_context(self, ctxt):
        return ctxt.to_dict()

    def deserialize_context(self, ctxt):
        return nova_context.RequestContext.from_dict(ctxt)


def init(conf: cfg.ConfigOpts) -> None:
    """Create the process's transport from ``[DEFAULT] transport_url``."""
    global TRANSPORT
    TRANSPORT = messaging.get_rpc_transport(conf, allowed_remote_exmods=ALLOWED_EXMODS)


def cleanup() -> None:
    global TRANSPORT
    if TRANSPORT is not None:
        TRANSPORT.cleanup()
        TRANSPORT = None


def _serializer() -> RequestContextSerializer:
    return RequestContextSerializer(objects_base.NovaLiteObjectSerializer())


def get_client(
    target: messaging.Target, version_cap: str | None = None, timeout: int | None = None
) -> messaging.RPCClient:
    assert TRANSPORT is not None, "rpc.init() was not called"
    return messaging.get_rpc_client(
        TRANSPORT, target, version_cap=version_cap, serializer=_serializer(), timeout=timeout
    )


def get_server(target: messaging.Target, endpoints: list) -> messaging.MessageHandlingServer:
    assert TRANSPORT is not None, "rpc.init() was not called"
    access_policy = messaging.rpc.dispatcher.DefaultRPCAccessPolicy
    return messaging.get_rpc_server(
        TRANSPORT,
        target,
        endpoints,
        executor="threading",
        serializer=_serializer(),
        access_policy=access_policy,
    )
