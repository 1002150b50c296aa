"""nova-lite-all: api, conductor, scheduler and compute in one process.

With no ``transport_url`` it uses the in-process transport; with no
``[database] connection`` an SQLite file under ``state_path`` (schema synced
on start). Compute uses ``compute_driver`` (the fake driver by default).
"""

from __future__ import annotations

import os
import sys

from oslo_config import cfg
from oslo_log import log as logging

from nova_lite import service
from nova_lite.cmd import api as api_cmd
from nova_lite.cmd import compute as compute_cmd
from nova_lite.cmd import conductor as conductor_cmd
from nova_lite.cmd import scheduler as scheduler_cmd

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

EMBEDDED_TRANSPORT = "inproc://"

all_opts = [
    cfg.IntOpt(
        "compute_count",
        default=1,
        min=1,
        help="Compute services to run in the process (hosts <host>, <host>-2, ...).",
    ),
]


def embedded_defaults(conf: cfg.ConfigOpts) -> None:
    """Fill in the in-process transport and the SQLite database when unset."""
    if conf.get_location("transport_url").location == cfg.Locations.opt_default:
        conf.set_override("transport_url", EMBEDDED_TRANSPORT)
    if not conf.database.connection:
        os.makedirs(conf.state_path, exist_ok=True)
        path = os.path.join(conf.state_path, "nova-lite.sqlite")
        conf.set_override("connection", f"sqlite:///{path}", group="database")


def start_all(conf: cfg.ConfigOpts = CONF, api_port: int | None = None) -> list:
    """Start every service in this process; return them in stop order."""
    from nova_lite.db import migration

    conductor = conductor_cmd.build_service()
    migration.db_sync()
    conductor.start()
    scheduler = scheduler_cmd.build_service()
    scheduler.start()
    computes = []
    for index in range(conf.compute_count):
        host = conf.host if index == 0 else f"{conf.host}-{index + 1}"
        computes.append(compute_cmd.build_service(host))
        computes[-1].start()
    api = api_cmd.APIServer(api_cmd.app.build(conf), port=api_port)
    api.start()
    return [api, *computes, scheduler, conductor]


def main(argv: list[str] | None = None) -> int:
    CONF.register_cli_opts(all_opts)
    service.prepare(argv or sys.argv, "nova-lite-all", adjust=embedded_defaults)
    services = start_all(CONF)
    LOG.info(
        "nova-lite-all ready: http://%s:%s/v2.1 (transport %s)",
        CONF.osapi_compute_listen,
        services[0].port,
        CONF.transport_url,
    )
    service.wait_for_signal([s.stop for s in services])
    return 0
