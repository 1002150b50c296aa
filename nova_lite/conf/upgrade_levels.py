"""[upgrade_levels]: RPC version caps for rolling upgrades, as in Nova."""

from oslo_config import cfg

opts = [
    cfg.StrOpt(
        "compute",
        help="Highest compute RPC API version to send, e.g. 1.0, "
        "while older compute services still run.",
    ),
    cfg.StrOpt("conductor", help="Highest conductor RPC API version to send."),
    cfg.StrOpt("scheduler", help="Highest scheduler RPC API version to send."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group="upgrade_levels")


def list_opts() -> dict:
    return {"upgrade_levels": opts}
