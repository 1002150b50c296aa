"""Questions about compute hosts that only the host can answer (Nova's HostAPI)."""

from __future__ import annotations

from nova_lite import exception
from nova_lite.compute import rpcapi as compute_rpcapi
from nova_lite.objects.service import Service

COMPUTE_BINARY = "nova-compute"


class HostAPI:
    def __init__(self) -> None:
        self.rpcapi = compute_rpcapi.ComputeAPI()

    def get_host_uptime(self, context, host: str, service: Service | None = None) -> str:
        """What ``uptime`` prints on ``host``.

        ComputeServiceUnavailable (400) when its compute service is down,
        FeatureNotSupported (501) when its virt driver cannot tell.
        """
        service = service or Service.get_by_host_and_binary(context, host, COMPUTE_BINARY)
        if not service.is_up():
            raise exception.ComputeServiceUnavailable(host=host)
        try:
            return self.rpcapi.get_host_uptime(context, host)
        except NotImplementedError:
            raise exception.FeatureNotSupported() from None
