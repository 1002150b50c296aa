"""RAMWeigher: prefer hosts with more free memory (spread)."""

from oslo_config import cfg

from nova_lite.scheduler import weights


class RAMWeigher(weights.BaseHostWeigher):
    def weight_multiplier(self, conf: cfg.ConfigOpts) -> float:
        return conf.filter_scheduler.ram_weight_multiplier

    def weigh(self, host_state, spec) -> float:
        return host_state.free("memory_mb")
