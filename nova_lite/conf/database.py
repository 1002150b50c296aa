"""[database] options; only the conductor sets ``connection``."""

from oslo_config import cfg

opts = [
    cfg.StrOpt(
        "connection",
        secret=True,
        help="SQLAlchemy URL of the database, e.g. "
        "mysql+pymysql://nova:secret@127.0.0.1/nova_lite?charset=utf8 or "
        "sqlite:////var/lib/nova-lite/nova.sqlite. Only nova-lite-conductor "
        "(and nova-lite-manage) may have it.",
    ),
    cfg.IntOpt(
        "max_pool_size",
        default=5,
        min=1,
        help="Connections kept open in the pool.",
    ),
    cfg.IntOpt(
        "max_overflow",
        default=50,
        min=0,
        help="Connections allowed above max_pool_size under load.",
    ),
    cfg.IntOpt(
        "pool_timeout",
        default=30,
        min=1,
        help="Seconds to wait for a free pooled connection.",
    ),
    cfg.IntOpt(
        "connection_recycle_time",
        default=3600,
        min=1,
        help="Seconds after which a pooled connection is replaced.",
    ),
    cfg.IntOpt(
        "max_retries",
        default=-1,
        min=-1,
        help="Attempts to open the first connection at start-up; -1 retries forever.",
    ),
    cfg.IntOpt(
        "retry_interval",
        default=2,
        min=1,
        help="Seconds between two start-up connection attempts (doubled after "
        "each failure, up to 30).",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group="database")


def list_opts() -> dict:
    return {"database": opts}
