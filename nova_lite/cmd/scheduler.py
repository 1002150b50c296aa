"""nova-lite-scheduler: chooses compute hosts for instances."""

from __future__ import annotations

import sys

from oslo_config import cfg

from nova_lite import service
from nova_lite.scheduler import manager

CONF = cfg.CONF


def build_service() -> service.Service:
    return service.Service(CONF.host, "nova-scheduler", "scheduler", manager.SchedulerManager())


def main(argv: list[str] | None = None) -> int:
    return service.run(argv or sys.argv, "nova-lite-scheduler", build_service)
