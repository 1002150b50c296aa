"""Host weighers: plug-ins that rank the hosts that passed the filters."""

from __future__ import annotations

from oslo_config import cfg
from stevedore import named

NAMESPACE = "nova_lite.scheduler.weighers"


class BaseHostWeigher:
    """Gives each host a raw weight; higher is better before the multiplier."""

    def weight_multiplier(self, conf: cfg.ConfigOpts) -> float:
        return 1.0

    def weigh(self, host_state, spec) -> float:
        raise NotImplementedError()


def load(names: list[str]) -> list[BaseHostWeigher]:
    manager = named.NamedExtensionManager(
        NAMESPACE, names=names, name_order=True, on_missing_entrypoints_callback=_missing
    )
    return [ext.plugin() for ext in manager]


def _missing(names) -> None:
    raise ValueError(f"Unknown scheduler weighers: {', '.join(sorted(names))}")


def weigh_hosts(
    weighers: list[BaseHostWeigher], host_states: list, spec, conf: cfg.ConfigOpts
) -> list:
    """Hosts sorted best first: each weigher's weights normalised to 0..1, times
    its multiplier, summed."""
    totals = [0.0] * len(host_states)
    for weigher in weighers:
        raw = [weigher.weigh(h, spec) for h in host_states]
        low, high = (min(raw), max(raw)) if raw else (0, 0)
        span = high - low
        multiplier = weigher.weight_multiplier(conf)
        for i, value in enumerate(raw):
            totals[i] += multiplier * ((value - low) / span if span else 0.0)
    order = sorted(range(len(host_states)), key=lambda i: totals[i], reverse=True)
    return [host_states[i] for i in order]
