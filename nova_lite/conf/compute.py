"""Options of the compute service and its resource tracker."""

from oslo_config import cfg

opts = [
    cfg.FloatOpt(
        "cpu_allocation_ratio",
        default=4.0,
        min=0.0,
        help="Virtual CPUs that may be allocated per physical CPU.",
    ),
    cfg.FloatOpt(
        "ram_allocation_ratio",
        default=1.0,
        min=0.0,
        help="Memory that may be allocated per MiB of physical memory.",
    ),
    cfg.FloatOpt(
        "disk_allocation_ratio",
        default=1.0,
        min=0.0,
        help="Disk that may be allocated per GiB of physical disk.",
    ),
    cfg.IntOpt(
        "reserved_host_memory_mb",
        default=512,
        min=0,
        help="Memory kept back for the host itself.",
    ),
    cfg.IntOpt(
        "reserved_host_disk_mb",
        default=0,
        min=0,
        help="Disk kept back for the host itself.",
    ),
    cfg.IntOpt(
        "sync_power_state_interval",
        default=600,
        min=-1,
        help="Seconds between two syncs of instances' power states with the "
        "hypervisor; -1 disables it.",
    ),
    cfg.IntOpt(
        "task_state_timeout",
        default=1800,
        min=1,
        help="Seconds an instance may stay in a transitional task_state without "
        "progress before it is repaired (rolled back, or ERROR with a fault).",
    ),
    cfg.DictOpt(
        "task_state_timeouts",
        default={"scheduling": "300", "deleting": "600"},
        help="Per task_state deadlines overriding task_state_timeout, e.g. "
        "scheduling:300,spawning:3600.",
    ),
    cfg.IntOpt(
        "task_state_check_interval",
        default=60,
        min=-1,
        help="Seconds between two searches for instances past their task deadline; -1 disables it.",
    ),
    cfg.BoolOpt(
        "allow_resize_to_same_host",
        default=False,
        help="Let the scheduler choose the instance's current host as the destination "
        "of a resize (the host then holds both flavors until the resize is confirmed "
        "or reverted). A cold migration always moves to another host.",
    ),
    cfg.IntOpt(
        "shelved_offload_time",
        default=0,
        help="Seconds a shelved instance stays on its host before a periodic task "
        "offloads it (destroys the guest and frees the host's resources): 0 offloads "
        "it as soon as it is shelved, a negative value never.",
    ),
    cfg.IntOpt(
        "shelved_poll_interval",
        default=3600,
        help="Seconds between two searches for shelved instances older than "
        "shelved_offload_time; 0 or less disables the search.",
    ),
    cfg.ListOpt(
        "non_inheritable_image_properties",
        default=["cache_in_nova", "bittorrent"],
        help="Image properties of an instance's image that its snapshots (createImage, "
        "shelve) do not inherit. Image signature and Cinder encryption properties "
        "and the os_glance namespace are never inherited.",
    ),
    cfg.IntOpt(
        "resize_confirm_window",
        default=0,
        min=0,
        help="Seconds after which a finished resize or cold migration still waiting "
        "in VERIFY_RESIZE is confirmed automatically by its destination host; 0 "
        "disables automatic confirmation.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts)


def list_opts() -> dict:
    return {"DEFAULT": opts}
