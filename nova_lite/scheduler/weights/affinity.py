"""Server group weighers: soft-affinity prefers hosts with more members of the
group, soft-anti-affinity hosts with fewer."""

from oslo_config import cfg

from nova_lite.scheduler import weights


class _GroupMembersWeigher(weights.BaseHostWeigher):
    policy = ""

    def members_on_host(self, host_state, spec) -> int:
        group = spec.instance_group
        if group is None or group.policy != self.policy:
            return 0
        return len(host_state.instances.intersection(group.members))


class ServerGroupSoftAffinityWeigher(_GroupMembersWeigher):
    policy = "soft-affinity"

    def weight_multiplier(self, conf: cfg.ConfigOpts) -> float:
        return conf.filter_scheduler.soft_affinity_weight_multiplier

    def weigh(self, host_state, spec) -> float:
        return self.members_on_host(host_state, spec)


class ServerGroupSoftAntiAffinityWeigher(_GroupMembersWeigher):
    policy = "soft-anti-affinity"

    def weight_multiplier(self, conf: cfg.ConfigOpts) -> float:
        return conf.filter_scheduler.soft_anti_affinity_weight_multiplier

    def weigh(self, host_state, spec) -> float:
        return -self.members_on_host(host_state, spec)
