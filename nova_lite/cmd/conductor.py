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
    tasks = manager.ComputeTaskManager()
    return service.Service(
        CONF.host,
        "nova-conductor",
        "conductor",
        tasks,
        endpoints=[manager.ConductorManager(), tasks],
    )


def main(argv: list[str] | None = None) -> int:
    return service.run(
        argv or sys.argv, "nova-lite-conductor", build_service, through_conductor=False
    )
