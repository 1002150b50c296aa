"""/os-services: list (admin)."""

from __future__ import annotations

import webob

from nova_lite.api import handler, policy, views
from nova_lite.objects.service import ServiceList

COMPUTE_BINARY = "nova-compute"


def view(service) -> dict:
    return {
        "id": service.id,
        "binary": service.binary,
        "host": service.host,
        "zone": "nova" if service.binary == COMPUTE_BINARY else "internal",
        "status": "disabled" if service.disabled else "enabled",
        "state": "up" if service.is_up() else "down",
        "updated_at": views.isotime(service.updated_at),
        "disabled_reason": service.disabled_reason,
    }


@handler.handler()
def index(req: webob.Request) -> dict:
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:os-services:list")
    services = ServiceList.get_all(context, binary=req.GET.get("binary"), host=req.GET.get("host"))
    return {"services": [view(s) for s in services]}
