"""Entry point of oslo-config-generator: every nova-lite option by group."""

from nova_lite.conf import (
    api,
    availability_zone,
    compute,
    database,
    default,
    fake,
    glance,
    quota,
    scheduler,
    service_user,
    upgrade_levels,
)


def list_opts() -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for module in (
        default,
        database,
        api,
        availability_zone,
        compute,
        scheduler,
        fake,
        glance,
        quota,
        service_user,
        upgrade_levels,
    ):
        for group, opts in module.list_opts().items():
            groups.setdefault(group, []).extend(opts)
    return sorted(groups.items())
