"""Calls started in a background thread (nova_lite/background.py)."""

from __future__ import annotations

import threading

import pytest
from oslo_context import context as oslo_context

from nova_lite import background, exception
from tests.unit.conftest import user_context


def test_result_comes_from_another_thread_logging_as_the_request():
    ctx = user_context()
    seen = {}

    called = threading.Event()

    def call(context, value):
        seen["thread"] = threading.current_thread()
        seen["current"] = oslo_context.get_current()
        called.set()
        return value * 2

    result = background.start(ctx, call, 21)
    # Once a thread has taken the call, the result is that thread's.
    assert called.wait(10)
    assert result() == 42
    assert seen["thread"] is not threading.current_thread()
    assert seen["current"] is ctx


def test_the_calls_exception_is_raised_by_the_result():
    def call(context):
        raise exception.ImageNotFound(image_id="x")

    result = background.start(user_context(), call)
    with pytest.raises(exception.ImageNotFound):
        result()


def test_the_caller_makes_the_call_when_no_thread_is_free():
    release = threading.Event()
    busy = [
        background.start(user_context(), lambda context: release.wait(10))
        for _ in range(background._get_executor()._max_workers)
    ]
    callers = []
    result = background.start(
        user_context(), lambda context: callers.append(threading.current_thread()) or "done"
    )
    try:
        assert result() == "done"
        assert callers == [threading.current_thread()]
    finally:
        release.set()
        for wait in busy:
            wait()
