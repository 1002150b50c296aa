"""Filters on free memory, vCPUs and disk (after allocation ratios)."""

from nova_lite.scheduler import filters


class _ResourceFilter(filters.BaseHostFilter):
    resource = ""

    def host_passes(self, host_state, spec) -> bool:
        return host_state.free(self.resource) >= spec.resources[self.resource]


class RamFilter(_ResourceFilter):
    resource = "memory_mb"


class CoreFilter(_ResourceFilter):
    resource = "vcpus"


class DiskFilter(_ResourceFilter):
    resource = "disk_gb"
