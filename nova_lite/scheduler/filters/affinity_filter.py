"""Server group filters: affinity (all members on one host) and anti-affinity
(at most ``max_server_per_host`` members per host, 1 unless the group's rules
say otherwise)."""

from nova_lite.scheduler import filters


class ServerGroupAntiAffinityFilter(filters.BaseHostFilter):
    def host_passes(self, host_state, spec) -> bool:
        group = spec.instance_group
        if group is None or group.policy != "anti-affinity":
            return True
        # A move may stay on the instance's own host (resize to the same host).
        if spec.instance_uuid in host_state.instances:
            return True
        on_host = host_state.instances.intersection(group.members)
        return len(on_host) < group.rules.get("max_server_per_host", 1)


class ServerGroupAffinityFilter(filters.BaseHostFilter):
    def host_passes(self, host_state, spec) -> bool:
        group = spec.instance_group
        if group is None or group.policy != "affinity" or not group.hosts:
            return True
        return host_state.host in group.hosts
