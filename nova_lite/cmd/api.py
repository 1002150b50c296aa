"""nova-lite-api: serves the Compute API with cheroot's threaded WSGI server."""

from __future__ import annotations

import sys
import threading

from cheroot import wsgi
from oslo_config import cfg
from oslo_log import log as logging

from nova_lite import service
from nova_lite.api import app

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


def init_application(argv: list[str]):
    """Parse options, set up RPC through the conductor, return the WSGI app."""
    service.prepare(argv, "nova-lite-api")
    service.use_conductor()
    return app.build(CONF)


class APIServer:
    """The WSGI server on ``osapi_compute_listen:osapi_compute_listen_port``."""

    def __init__(self, application, host: str | None = None, port: int | None = None):
        self.server = wsgi.Server(
            (
                host or CONF.osapi_compute_listen,
                CONF.osapi_compute_listen_port if port is None else port,
            ),
            application,
            numthreads=CONF.osapi_compute_workers,
            server_name="nova-lite-api",
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server.bind_addr[1]

    def start(self) -> None:
        self.server.prepare()
        self._thread = threading.Thread(target=self.server.serve, name="nova-lite-api", daemon=True)
        self._thread.start()
        LOG.info("nova-lite-api listening on %s:%s", *self.server.bind_addr[:2])

    def stop(self) -> None:
        self.server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)


def main(argv: list[str] | None = None) -> int:
    application = init_application(argv or sys.argv)
    server = APIServer(application)
    server.start()
    service.wait_for_signal([server.stop])
    return 0
