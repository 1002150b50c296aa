"""[DEFAULT] options shared by every service."""

import os
import socket

from oslo_config import cfg
from oslo_utils import netutils

opts = [
    cfg.HostAddressOpt(
        "my_ip",
        default=netutils.get_my_ipv4(),
        sample_default="<host_ipv4>",
        help="IP address of this host, shown as the hypervisor's host_ip.",
    ),
    cfg.StrOpt(
        "state_path",
        default=os.path.join(os.path.expanduser("~"), ".nova-lite"),
        sample_default="$HOME/.nova-lite",
        help="Directory for the service's state: the embedded SQLite database of "
        "nova-lite-all, instance files of the libvirt driver.",
    ),
    cfg.StrOpt(
        "host",
        default=socket.gethostname(),
        sample_default="<current_hostname>",
        help="Name of this node. Compute services use it as their RPC server "
        "name and as the host of the instances they run.",
    ),
    cfg.StrOpt(
        "compute_driver",
        default="fake.FakeDriver",
        help="Virt driver of a compute service, as a module.Class under "
        "nova_lite.virt: fake.FakeDriver or libvirt.LibvirtDriver.",
    ),
    cfg.IntOpt(
        "report_interval",
        default=10,
        min=1,
        help="Seconds between two service heartbeats.",
    ),
    cfg.IntOpt(
        "service_down_time",
        default=60,
        min=1,
        help="A service whose last heartbeat is older than this many seconds is considered down.",
    ),
    cfg.IntOpt(
        "periodic_interval",
        default=60,
        min=1,
        help="Seconds between two runs of a service's periodic tasks.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts)


def list_opts() -> dict:
    return {"DEFAULT": opts}
