"""The common runner of RPC services: registration, RPC server, heartbeat,
periodic tasks and graceful stop."""

from __future__ import annotations

import signal
import threading

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_log import log as logging

from nova_lite import context as nova_context
from nova_lite import exception, objects, rpc
from nova_lite.objects import base as objects_base
from nova_lite.objects.service import Service as ServiceObject

LOG = logging.getLogger(__name__)
CONF = cfg.CONF


# oslo.log's default plus the caller's roles, so each request's lines say who did it.
LOG_CONTEXT_FORMAT = (
    "%(asctime)s.%(msecs)03d %(process)d %(levelname)s %(name)s "
    "[%(global_request_id)s %(request_id)s %(user_identity)s %(roles)s] "
    "%(instance)s%(message)s"
)


def use_conductor() -> None:
    """Make remotable object methods run on the conductor (all but the conductor)."""
    from nova_lite.conductor import rpcapi as conductor_rpcapi

    objects_base.NovaLiteObject.indirection_api = conductor_rpcapi.ConductorAPI()


def retry_until_ready(what: str, fn, stop: threading.Event, first_delay: float = 1.0):
    """Call ``fn`` until it works, logging one line per failure with back-off."""
    delay = first_delay
    while True:
        try:
            return fn()
        except Exception as error:  # noqa: BLE001 - anything transient is retried
            if stop.is_set():
                raise
            LOG.error(
                "%s failed (%s: %s); retrying in %.0f s", what, type(error).__name__, error, delay
            )
            if stop.wait(delay):
                raise
            delay = min(delay * 2, 30.0)


class Service:
    """One RPC service (conductor, scheduler or compute) on one host."""

    def __init__(self, host: str, binary: str, topic: str, manager, endpoints: list | None = None):
        self.host = host
        self.binary = binary
        self.topic = topic
        self.manager = manager
        self.endpoints = endpoints or [manager]
        self.server: messaging.MessageHandlingServer | None = None
        self.service_ref: ServiceObject | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._stop = threading.Event()
        self._threads = []
        context = nova_context.get_admin_context()
        self.service_ref = retry_until_ready(
            f"Registering {self.binary} on {self.host}", lambda: self._register(context), self._stop
        )
        if hasattr(self.manager, "init_host"):
            retry_until_ready(
                f"Starting {self.binary}", lambda: self.manager.init_host(context), self._stop
            )
        target = messaging.Target(topic=self.topic, server=self.host)
        self.server = rpc.get_server(target, self.endpoints)
        self.server.start()
        self._spawn(self._heartbeat_loop, "heartbeat")
        if hasattr(self.manager, "run_periodic_tasks"):
            self._spawn(self._periodic_loop, "periodic")
        LOG.info("%s started on %s (topic %s)", self.binary, self.host, self.topic)

    def _register(self, context) -> ServiceObject:
        try:
            ref = ServiceObject.get_by_host_and_binary(context, self.host, self.binary)
        except exception.ComputeHostNotFound:
            ref = ServiceObject(context, host=self.host, binary=self.binary, topic=self.topic)
            ref.create()
        ref.heartbeat()
        return ref

    def _spawn(self, fn, name: str) -> None:
        thread = threading.Thread(target=fn, name=f"{self.binary}-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _heartbeat_loop(self) -> None:
        failing = False
        while not self._stop.wait(CONF.report_interval):
            try:
                self.service_ref.heartbeat()
                if failing:
                    LOG.info("%s heartbeat recovered", self.binary)
                failing = False
            except Exception as error:  # noqa: BLE001 - logged once, retried next tick
                if not failing:
                    LOG.error(
                        "%s heartbeat failed: %s: %s", self.binary, type(error).__name__, error
                    )
                failing = True

    def _periodic_loop(self) -> None:
        context = nova_context.get_admin_context()
        while not self._stop.wait(CONF.periodic_interval):
            try:
                self.manager.run_periodic_tasks(context, raise_on_error=False)
            except Exception:  # noqa: BLE001 - a periodic task never kills the service
                LOG.exception("Periodic tasks of %s failed", self.binary)

    def stop(self) -> None:
        """Stop consuming, finish the requests in flight, then stop the threads."""
        self._stop.set()
        if self.server is not None:
            self.server.stop()
            self.server.wait()
        for thread in self._threads:
            thread.join(timeout=5)
        if hasattr(self.manager, "cleanup_host"):
            self.manager.cleanup_host()
        LOG.info("%s on %s stopped", self.binary, self.host)


def prepare(argv: list[str], prog: str, adjust=None) -> None:
    """Parse options, set up logging and RPC, register objects.

    ``adjust(conf)`` may change options after parsing, before anything uses them.
    """
    from nova_lite import conf  # noqa: F401 - registers the options

    logging.register_options(CONF)
    CONF(argv[1:], project="nova-lite", prog=prog)
    if adjust is not None:
        adjust(CONF)
    logging.setup(CONF, "nova-lite")
    objects.register_all()
    rpc.init(CONF)


def wait_for_signal(stop_callbacks: list) -> None:
    """Block until SIGTERM or SIGINT, then run the stop callbacks in order."""
    stopped = threading.Event()

    def handler(signum, frame):
        LOG.info("Caught %s, stopping", signal.Signals(signum).name)
        stopped.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    while not stopped.wait(1.0):
        pass
    for callback in stop_callbacks:
        callback()
    rpc.cleanup()


def run(argv: list[str], prog: str, build, through_conductor: bool = True) -> int:
    """Entry point body of one RPC daemon: prepare, start, serve until signalled."""
    prepare(argv, prog)
    if through_conductor:
        use_conductor()
    daemon = build()
    daemon.start()
    wait_for_signal([daemon.stop])
    return 0
