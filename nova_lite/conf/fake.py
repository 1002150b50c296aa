"""[fake] options: the capacity the fake virt driver reports."""

from oslo_config import cfg

opts = [
    cfg.IntOpt("vcpus", default=16, min=1, help="vCPUs of a fake host."),
    cfg.IntOpt("memory_mb", default=32768, min=1, help="Memory of a fake host."),
    cfg.IntOpt("local_gb", default=1024, min=1, help="Disk of a fake host."),
    cfg.BoolOpt(
        "persistent",
        default=False,
        help="Keep the fake guests in a file under state_path, so they survive a "
        "restart of the compute service (as guests of a real hypervisor do).",
    ),
    cfg.ListOpt(
        "fail_methods",
        default=[],
        help="Driver methods (spawn, destroy, power_off, ...) that always fail, to "
        "test error paths. Per instance: metadata fake:fail=spawn,power_off.",
    ),
    cfg.DictOpt(
        "hang_methods",
        default={},
        help="Driver methods that sleep this many seconds before running, e.g. "
        "spawn:30, to test crashes mid-operation. Per instance: metadata "
        "fake:hang=spawn=30.",
    ),
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
