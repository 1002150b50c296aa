"""[quota] options: default limits per project (or user), as Nova's DbQuotaDriver.

A limit of -1 means unlimited. Limits set through ``os-quota-sets`` or the
``default`` quota class (``os-quota-class-sets``) override these defaults.
"""

from oslo_config import cfg


def _limit(name: str, default: int, what: str) -> cfg.IntOpt:
    return cfg.IntOpt(
        name,
        default=default,
        min=-1,
        help=f"{what} A positive integer or 0; -1 disables the limit.",
    )


opts = [
    _limit("instances", 10, "Instances allowed per project."),
    _limit("cores", 20, "Instance cores (vCPUs) allowed per project."),
    _limit("ram", 50 * 1024, "Megabytes of instance RAM allowed per project."),
    _limit("metadata_items", 128, "Metadata items allowed per instance."),
    _limit(
        "injected_files",
        5,
        "Injected (personality) files allowed per instance; shown by the API up to 2.56.",
    ),
    _limit(
        "injected_file_content_bytes",
        10 * 1024,
        "Bytes allowed per injected file; shown by the API up to 2.56.",
    ),
    _limit(
        "injected_file_path_length",
        255,
        "Longest injected file path (the ``injected_file_path_bytes`` quota); shown "
        "by the API up to 2.56.",
    ),
    _limit("key_pairs", 100, "Key pairs allowed per user."),
    _limit("server_groups", 10, "Server groups allowed per project."),
    _limit("server_group_members", 10, "Servers allowed per server group."),
    cfg.BoolOpt(
        "recheck_quota",
        default=True,
        help="Check quota a second time after creating servers, key pairs or server "
        "groups, and undo the creation (403) when racing requests went over a limit. "
        "Without it, parallel requests may exceed a limit.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group="quota")


def list_opts() -> dict:
    return {"quota": opts}
