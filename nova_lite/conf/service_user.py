"""[service_user] options: the Keystone user nova-lite itself authenticates as
when it calls other services (as Nova's [service_user] group).

With a caller's token, its service token goes along when
``send_service_user_token`` is true; work done without a caller (start-up
repairs, periodic tasks) authenticates as this user. The credentials are a
keystoneauth1 auth plugin (``auth_type`` and that plugin's options); the
session options apply to its requests to Keystone.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = "service_user"

opts = [
    cfg.BoolOpt(
        "send_service_user_token",
        default=False,
        help="Send a service token (X-Service-Token, of the user configured in this "
        "group) along with the caller's token on calls to other services, such as "
        "Glance. The called service then knows the call comes from nova-lite on the "
        "caller's behalf, and keeps accepting it when the caller's token expires during "
        "a long operation (a snapshot upload, a shelve). Calls made without a caller "
        "use this user whenever its auth_type is set, whatever this option says.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)
    ks_loading.register_session_conf_options(conf, GROUP)
    ks_loading.register_auth_conf_options(conf, GROUP)


# Clearer words in the sample than keystoneauth1's "User id" and "Username".
PASSWORD_HELP = {
    "user-id": "ID of the service user (instead of username and its domain).",
    "username": "Name of the service user (its domain: user_domain_name or user_domain_id).",
}


def _password_opts() -> list[cfg.Opt]:
    plugin_opts = ks_loading.get_auth_plugin_conf_options("password")
    for opt in plugin_opts:
        opt.help = PASSWORD_HELP.get(opt.name, opt.help)
    return plugin_opts


def list_opts() -> dict:
    """The options of the sample: ours, the session's and the password plugin's."""
    return {
        GROUP: opts
        + ks_loading.get_session_conf_options()
        + ks_loading.get_auth_common_conf_options()
        + _password_opts()
    }
