"""ComputeFilter: only hosts whose compute service is up and enabled."""

from nova_lite.scheduler import filters


class ComputeFilter(filters.BaseHostFilter):
    def host_passes(self, host_state, spec) -> bool:
        service = host_state.service
        return service is not None and not service.disabled and service.is_up()
