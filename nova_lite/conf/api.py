"""Options of the API service: [DEFAULT] listen options and [api]."""

from oslo_config import cfg

default_opts = [
    cfg.HostAddressOpt(
        "osapi_compute_listen",
        default="0.0.0.0",
        help="Address nova-lite-api listens on.",
    ),
    cfg.PortOpt(
        "osapi_compute_listen_port",
        default=8774,
        help="Port nova-lite-api listens on.",
    ),
    cfg.IntOpt(
        "osapi_compute_workers",
        default=16,
        min=1,
        help="Threads serving API requests.",
    ),
    cfg.IntOpt(
        "password_length",
        default=12,
        min=1,
        help="Length of the admin passwords generated for servers.",
    ),
]

api_opts = [
    cfg.StrOpt(
        "auth_strategy",
        default="noauth2",
        choices=[
            (
                "noauth2",
                "X-Auth-Token '<user>:<project>' names the caller; "
                "user 'admin' is an admin. For development only.",
            ),
            ("keystone", "Tokens are validated by keystonemiddleware."),
        ],
        help="How API requests are authenticated.",
    ),
    cfg.IntOpt(
        "max_limit",
        default=1000,
        min=1,
        help="Most items one list request returns.",
    ),
    cfg.BoolOpt(
        "enable_instance_password",
        default=True,
        help="Return the server's admin password in the responses of create, rebuild, "
        "rescue and evacuate.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(default_opts)
    conf.register_opts(api_opts, group="api")


def list_opts() -> dict:
    return {"DEFAULT": default_opts, "api": api_opts}
