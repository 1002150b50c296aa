"""[glance] options: how nova-lite reaches the Image service (keystoneauth1
session and adapter options, as Nova's [glance] group)."""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = "glance"


def _ksa_opts() -> list[cfg.Opt]:
    """keystoneauth1's session and adapter options, with the Image service's defaults."""
    opts = ks_loading.get_session_conf_options() + ks_loading.get_adapter_conf_options(
        include_deprecated=False
    )
    defaults = {"service-type": "image", "valid-interfaces": ["internal", "public"]}
    for opt in opts:
        if opt.name in defaults:
            opt.default = defaults[opt.name]
    return opts


opts = _ksa_opts()


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: opts}
