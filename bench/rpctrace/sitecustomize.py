"""Benchmark-only RPC tracer, loaded into the daemons through PYTHONPATH.

Wraps oslo.messaging's RPC client call/cast and the RPC dispatcher once those
modules are imported (without importing anything early), and appends one line
per RPC to ``$NOVA_LITE_RPC_TRACE.<pid>``:

    start_epoch  kind(call|cast|dispatch)  method  detail  duration_ms  request_id  thread
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
import threading
import time

_PATH = os.environ.get("NOVA_LITE_RPC_TRACE")
_lock = threading.Lock()
_file = None


def _write(kind: str, method: str, detail: str, start: float, duration: float, rid) -> None:
    global _file
    with _lock:
        if _file is None:
            _file = open(f"{_PATH}.{os.getpid()}", "a", buffering=1)
        _file.write(
            f"{start:.6f} {kind} {method} {detail or '-'} {duration * 1000:.3f} {rid or '-'} "
            f"{threading.current_thread().name}\n"
        )


def _detail(method: str, kwargs: dict) -> str:
    if method == "object_class_action_versions":
        return f"{kwargs.get('objname')}.{kwargs.get('objmethod')}"
    if method == "object_action":
        objinst = kwargs.get("objinst")
        if isinstance(objinst, dict):
            name = objinst.get("nova_object.name")
        else:
            name = objinst.obj_name() if hasattr(objinst, "obj_name") else type(objinst).__name__
        return f"{name}.{kwargs.get('objmethod')}"
    return ""


def _patch_client(module) -> None:
    base = module._BaseCallContext

    def wrap(original, kind):
        def traced(self, ctxt, method, **kwargs):
            start = time.time()
            t0 = time.perf_counter()
            try:
                return original(self, ctxt, method, **kwargs)
            finally:
                rid = getattr(ctxt, "request_id", None)
                _write(kind, method, _detail(method, kwargs), start, time.perf_counter() - t0, rid)

        return traced

    base.call = wrap(base.call, "call")
    base.cast = wrap(base.cast, "cast")


def _patch_dispatcher(module) -> None:
    original = module.RPCDispatcher.dispatch

    def dispatch(self, incoming):
        start = time.time()
        t0 = time.perf_counter()
        try:
            return original(self, incoming)
        finally:
            message = incoming.message
            method = message.get("method", "?")
            args = message.get("args", {})
            detail = _detail(method, args)
            if method == "object_action" and isinstance(args.get("objinst"), dict):
                detail = f"{args['objinst'].get('nova_object.name')}.{args.get('objmethod')}"
            rid = (incoming.ctxt or {}).get("request_id")
            _write("dispatch", method, detail, start, time.perf_counter() - t0, rid)

    module.RPCDispatcher.dispatch = dispatch


_PATCHES = {
    "oslo_messaging.rpc.client": _patch_client,
    "oslo_messaging.rpc.dispatcher": _patch_dispatcher,
}


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in _PATCHES:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original_exec = loader.exec_module

        def exec_module(module):
            original_exec(module)
            _PATCHES[name](module)

        loader.exec_module = exec_module
        return spec


if _PATH:
    sys.meta_path.insert(0, _Finder())
