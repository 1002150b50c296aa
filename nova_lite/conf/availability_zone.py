"""[DEFAULT] options of availability zones."""

from oslo_config import cfg

opts = [
    cfg.StrOpt(
        "internal_service_availability_zone",
        default="internal",
        help="Availability zone of the services other than nova-compute (conductor, "
        "scheduler). GET /os-availability-zone does not list it.",
    ),
    cfg.StrOpt(
        "default_availability_zone",
        default="nova",
        help="Availability zone of the compute hosts that are in no aggregate with "
        "availability_zone metadata.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts)


def list_opts() -> dict:
    return {"DEFAULT": opts}
