"""nova-lite-conductor: the object proxy and task orchestration; owns the database."""

from __future__ import annotations

import sys

from oslo_config import cfg

from nova_lite import service
from nova_lite.conductor import manager

CONF = cfg.CONF


def build_service() -> service.Service:
    from nova_lite.db import api as db_api

    db_api.configure(CONF)
    return service.Service(
        CONF.host,
        "nova-conductor",
        "conductor",
        manager.ConductorManager(),
        endpoints=[manager.ConductorManager(), manager.ComputeTaskManager()],
    )


def main(argv: list[str] | None = None) -> int:
    service.prepare(argv or sys.argv, "nova-lite-conductor")
    conductor = build_service()
    conductor.start()
    service.wait_for_signal([conductor.stop])
    return 0
