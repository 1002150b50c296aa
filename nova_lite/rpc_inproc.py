"""``inproc://``: an in-process oslo.messaging transport for one process.

oslo.messaging's ``fake://`` driver polls its queues every 50 ms, so every
call costs 50 ms. This driver keeps the same exchange semantics but wakes
listeners as soon as a message is delivered. It serves the all-in-one mode
and the functional tests, where all services share one process.
"""

from __future__ import annotations

import threading
import time

import oslo_messaging
from oslo_messaging._drivers import base, impl_fake


class _NotifyingExchange(impl_fake.FakeExchange):
    """A fake exchange that signals a condition on each delivery."""

    def __init__(self, name: str):
        super().__init__(name)
        self.delivered = threading.Condition(self._queues_lock)

    def deliver_message(self, *args, **kwargs) -> None:
        with self.delivered:
            super().deliver_message(*args, **kwargs)
            self.delivered.notify_all()


class _ExchangeManager(impl_fake.FakeExchangeManager):
    _exchanges_lock = threading.Lock()
    _exchanges: dict = {}

    def get_exchange(self, name):
        if name is None:
            name = self._default_exchange
        with self._exchanges_lock:
            return self._exchanges.setdefault(name, _NotifyingExchange(name))


class _Listener(impl_fake.FakeListener):
    """Waits on the exchange's condition instead of sleeping between polls."""

    @base.batch_poll_helper
    def poll(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        exchanges = {
            t.exchange: self._exchange_manager.get_exchange(t.exchange) for t in self._targets
        }
        (exchange,) = set(exchanges.values())
        with exchange.delivered:
            while not self._stopped.is_set():
                for target in self._targets:
                    ctxt, message, reply_q, requeue = exchange.poll(target, self._pool)
                    if message is not None:
                        return impl_fake.FakeIncomingMessage(ctxt, message, reply_q, requeue)
                wait = 0.5
                if deadline is not None:
                    wait = min(wait, deadline - time.monotonic())
                    if wait <= 0:
                        return None
                exchange.delivered.wait(wait)
        return None

    def stop(self):
        super().stop()
        for target in self._targets:
            exchange = self._exchange_manager.get_exchange(target.exchange)
            with exchange.delivered:
                exchange.delivered.notify_all()


class InProcDriver(impl_fake.FakeDriver):
    """The fake driver with event-driven listeners."""

    def __init__(self, conf, url, default_exchange=None, allowed_remote_exmods=None):
        super().__init__(conf, url, default_exchange, allowed_remote_exmods)
        self._exchange_manager = _ExchangeManager(default_exchange)

    def listen(self, target, batch_size, batch_timeout):
        exchange = target.exchange or self._default_exchange
        targets = [
            oslo_messaging.Target(topic=target.topic, server=target.server, exchange=exchange),
            oslo_messaging.Target(topic=target.topic, exchange=exchange),
        ]
        listener = _Listener(self._exchange_manager, targets)
        return base.PollStyleListenerAdapter(listener, batch_size, batch_timeout)
