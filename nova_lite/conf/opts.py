"""Entry point of oslo-config-generator: every nova-lite option by group."""

from nova_lite.conf import MODULES


def list_opts() -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for module in MODULES:
        for group, opts in module.list_opts().items():
            groups.setdefault(group, []).extend(opts)
    return sorted(groups.items())
