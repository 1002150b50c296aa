"""nova-lite-compute: runs instances on this host through the virt driver."""

from __future__ import annotations

import sys

from oslo_config import cfg

from nova_lite import service
from nova_lite.compute import manager

CONF = cfg.CONF


def build_service(host: str | None = None) -> service.Service:
    host = host or CONF.host
    return service.Service(host, "nova-compute", "compute", manager.ComputeManager(host))


def main(argv: list[str] | None = None) -> int:
    return service.run(argv or sys.argv, "nova-lite-compute", build_service)
