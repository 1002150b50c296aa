"""[filter_scheduler] options."""

from oslo_config import cfg

opts = [
    cfg.ListOpt(
        "enabled_filters",
        default=[
            "ComputeFilter",
            "AvailabilityZoneFilter",
            "RamFilter",
            "CoreFilter",
            "DiskFilter",
            "ServerGroupAntiAffinityFilter",
            "ServerGroupAffinityFilter",
        ],
        help="Filters a host must pass, in order, by name.",
    ),
    cfg.ListOpt(
        "weight_classes",
        default=[
            "RAMWeigher",
            "ServerGroupSoftAffinityWeigher",
            "ServerGroupSoftAntiAffinityWeigher",
        ],
        help="Weighers that rank the hosts that passed, by name.",
    ),
    cfg.FloatOpt(
        "ram_weight_multiplier",
        default=1.0,
        help="Multiplier of the RAM weigher; negative values stack instances.",
    ),
    cfg.FloatOpt(
        "soft_affinity_weight_multiplier",
        default=1.0,
        min=0.0,
        help="Multiplier of the soft-affinity weigher: how strongly hosts with more "
        "members of the instance's soft-affinity server group are preferred.",
    ),
    cfg.FloatOpt(
        "soft_anti_affinity_weight_multiplier",
        default=1.0,
        min=0.0,
        help="Multiplier of the soft-anti-affinity weigher: how strongly hosts with "
        "fewer members of the instance's soft-anti-affinity server group are preferred.",
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
