"""[filter_scheduler] options."""

from oslo_config import cfg

opts = [
    cfg.ListOpt(
        "enabled_filters",
        default=["ComputeFilter", "RamFilter", "CoreFilter", "DiskFilter"],
        help="Filters a host must pass, in order, by name.",
    ),
    cfg.ListOpt(
        "weight_classes",
        default=["RAMWeigher"],
        help="Weighers that rank the hosts that passed, by name.",
    ),
    cfg.FloatOpt(
        "ram_weight_multiplier",
        default=1.0,
        help="Multiplier of the RAM weigher; negative values stack instances.",
    ),
    cfg.FloatOpt(
        "host_state_ttl",
        default=1.0,
        min=0.0,
        help="Seconds the scheduler reuses its view of the hosts (nodes, services, "
        "claims) between requests, accounting for its own picks meanwhile. A lost "
        "claim or no fitting host refreshes it at once; 0 fetches it for every request.",
    ),
    cfg.IntOpt(
        "host_subset_size",
        default=1,
        min=1,
        help="Pick at random among this many best-weighed hosts.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group="filter_scheduler")


def list_opts() -> dict:
    return {"filter_scheduler": opts}
