"""[fake] options: the capacity the fake virt driver reports."""

from oslo_config import cfg

opts = [
    cfg.IntOpt("vcpus", default=16, min=1, help="vCPUs of a fake host."),
    cfg.IntOpt("memory_mb", default=32768, min=1, help="Memory of a fake host."),
    cfg.IntOpt("local_gb", default=1024, min=1, help="Disk of a fake host."),
    cfg.FloatOpt(
        "spawn_delay",
        default=0.0,
        min=0.0,
        help="Seconds a fake spawn takes, to model a slow hypervisor.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group="fake")


def list_opts() -> dict:
    return {"fake": opts}
