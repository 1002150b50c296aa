"""AvailabilityZoneFilter: only hosts in the availability zone the request asks for."""

from nova_lite.scheduler import filters


class AvailabilityZoneFilter(filters.BaseHostFilter):
    def host_passes(self, host_state, spec) -> bool:
        zone = spec.availability_zone if "availability_zone" in spec else None
        return not zone or host_state.availability_zone == zone
