"""Quota limits and usage, as Nova's DbQuotaDriver (run by the conductor).

A limit is the user's ``project_user_quotas`` row, else the project's
``quotas`` row, else the ``default`` quota class's row, else its ``[quota]``
option; -1 is unlimited. Usage is counted when asked, from the instances,
key_pairs and instance_groups tables (no reservations). Only the conductor
runs this module, behind the remotable methods of objects/quotas.py.
"""

from __future__ import annotations

import math

from oslo_config import cfg

from nova_lite import exception
from nova_lite.objects.base import db_api

CONF = cfg.CONF
UNLIMITED = -1
DEFAULT_CLASS = "default"

# Every resource and the [quota] option of its default (None: unlimited).
RESOURCES: dict[str, str | None] = {
    "instances": "instances",
    "cores": "cores",
    "ram": "ram",
    "metadata_items": "metadata_items",
    "injected_files": "injected_files",
    "injected_file_content_bytes": "injected_file_content_bytes",
    "injected_file_path_bytes": "injected_file_path_length",
    "key_pairs": "key_pairs",
    "server_groups": "server_groups",
    "server_group_members": "server_group_members",
    # nova-network's, still answered by the API below 2.36
    "fixed_ips": None,
    "floating_ips": None,
    "security_groups": None,
    "security_group_rules": None,
}
# Counted for the user only, against the lower of the user's and project's limits.
COUNTED_BY_USER = ("key_pairs", "server_group_members")
# Limits that stay the project's when set for a user (nova-network's).
PER_PROJECT = ("fixed_ips", "floating_ips")


def _resolve(*layers: dict[str, int]) -> dict[str, int]:
    """Each resource's limit from the first layer that has it, else its option."""
    limits = {}
    for name, option in RESOURCES.items():
        layer = next((layer for layer in layers if name in layer), None)
        if layer is not None:
            limits[name] = layer[name]
        else:
            limits[name] = CONF.quota[option] if option else UNLIMITED
    return limits


def _unlimited(limit: int) -> bool:
    return limit <= UNLIMITED


def _minus(a: int, b: int) -> int:
    return UNLIMITED if _unlimited(a) or _unlimited(b) else a - b


def _plus(a: int, b: int) -> int:
    return UNLIMITED if _unlimited(a) or _unlimited(b) else a + b


def _lower(a: int, b: int) -> int:
    if _unlimited(a):
        return b
    return a if _unlimited(b) else min(a, b)


def get_class_quotas(context, class_name: str) -> dict[str, int]:
    """A quota class's limits (the options' where it has none)."""
    return _resolve(db_api().quota_class_get_all_by_name(context, class_name))


def get_defaults(context) -> dict[str, int]:
    """The limits of projects that have none of their own."""
    return get_class_quotas(context, DEFAULT_CLASS)


def set_class_quotas(context, class_name: str, limits: dict[str, int]) -> dict[str, int]:
    db_api().quota_class_set_limits(context, class_name, limits)
    return get_class_quotas(context, class_name)


def _stored_limits(context, project_id: str, user_id: str | None) -> tuple[dict, dict, dict]:
    """(project limits, user limits, the user's own rows)."""
    stored = db_api().quota_get_limits(context, project_id, user_id, DEFAULT_CLASS)
    project = _resolve(stored["project"], stored["class"])
    user = _resolve(stored["user"], stored["project"], stored["class"])
    return project, user, stored["user"]


def get_usages(context, project_id: str, user_id: str | None = None) -> dict[str, int]:
    """Nova's ``in_use``: instances, cores, RAM and server groups of the project
    (of the user, with user_id); 0 for the others, key pairs and group members
    included."""
    scope = "user" if user_id else "project"
    counts = {
        **db_api().quota_count_instances(context, project_id, user_id)[scope],
        **db_api().instance_group_count(context, project_id, user_id)[scope],
    }
    return {name: counts.get(name, 0) for name in RESOURCES}


def get_quotas(
    context, project_id: str, user_id: str | None = None, usages: bool = False
) -> dict[str, int] | dict[str, dict[str, int]]:
    """The project's (or user's) limits; with ``usages``, ``{"limit", "in_use"}``
    for each resource."""
    project, user, _own = _stored_limits(context, project_id, user_id)
    limits = user if user_id else project
    if not usages:
        return limits
    in_use = get_usages(context, project_id, user_id)
    return {name: {"limit": limit, "in_use": in_use[name]} for name, limit in limits.items()}


def get_settable_quotas(
    context, project_id: str, user_id: str | None = None
) -> dict[str, dict[str, int]]:
    """The range (``minimum``, ``maximum``; -1 unlimited) each limit may be set to.

    A project's limit may not go below its usage nor below what its users'
    limits add up to; a user's not below the user's usage nor above what the
    project's limit leaves beside the other users' limits.
    """
    project, _user, own = _stored_limits(context, project_id, user_id)
    totals = db_api().quota_get_user_totals(context, project_id)
    remains = {name: limit - totals.get(name, 0) for name, limit in project.items()}
    in_use = get_usages(context, project_id, user_id)
    if user_id:
        return {
            name: {"minimum": in_use[name], "maximum": _plus(remains[name], own.get(name, 0))}
            for name in RESOURCES
        }
    return {
        name: {
            "minimum": max(_minus(project[name], remains[name]), in_use[name]),
            "maximum": UNLIMITED,
        }
        for name in RESOURCES
    }


def set_limits(
    context, project_id: str, limits: dict[str, int], user_id: str | None = None
) -> None:
    db_api().quota_set_limits(context, project_id, limits, user_id, PER_PROJECT)


def destroy_all(context, project_id: str, user_id: str | None = None) -> None:
    db_api().quota_destroy_all(context, project_id, user_id)


def limit_check(context, values: dict[str, int], project_id: str, user_id: str) -> None:
    """Raise OverQuota when a value (e.g. metadata items) exceeds its limit,
    the lower of the project's and the user's."""
    project, user, _own = _stored_limits(context, project_id, user_id)
    limits = {name: _lower(project[name], user[name]) for name in values}
    overs = [n for n, v in values.items() if not _unlimited(limits[n]) and v > limits[n]]
    if overs:
        raise exception.OverQuota(overs=sorted(overs), quotas=limits, usages={})


def _count(
    context, resources, project_id: str, user_id: str | None, group_uuid: str | None
) -> dict[str, dict[str, int]]:
    """``{"project": {...}, "user": {...}}`` usage of ``resources``."""
    counts: dict[str, dict[str, int]] = {"project": {}, "user": {}}
    db = db_api()
    if {"instances", "cores", "ram"} & set(resources):
        for scope, values in db.quota_count_instances(context, project_id, user_id).items():
            counts[scope].update(values)
    if "server_groups" in resources:
        for scope, values in db.instance_group_count(context, project_id, user_id).items():
            counts[scope].update(values)
    if "key_pairs" in resources:
        counts["user"]["key_pairs"] = db.key_pair_count_by_user(context, user_id)
    if "server_group_members" in resources:
        counts["user"]["server_group_members"] = db.instance_group_member_count_by_user(
            context, group_uuid, user_id
        )
    return counts


def _headroom(scope: tuple[int, int]) -> float:
    limit, used = scope
    return math.inf if _unlimited(limit) else limit - used


def check_deltas(
    context,
    deltas: dict[str, int],
    project_id: str,
    user_id: str,
    group_uuid: str | None = None,
) -> None:
    """Raise OverQuota when usage plus ``deltas`` exceeds a limit.

    Instances, cores, RAM and server groups are counted for the project and,
    where the user has limits of their own, for the user; key pairs and the
    members of server group ``group_uuid`` for the user only; a resource that
    is unlimited in every scope is not counted. The error's ``quotas`` give,
    for each resource in ``deltas``, the limit of the scope with the least
    room, and its ``usages`` the usage there of each limited resource.
    """
    project, user, own = _stored_limits(context, project_id, user_id)
    by_user = [name for name in deltas if name in COUNTED_BY_USER or name in own]
    limited = [
        name
        for name in deltas
        if not _unlimited(project[name]) or (name in by_user and not _unlimited(user[name]))
    ]
    by_user_limited = [name for name in by_user if name in limited]
    counts = _count(context, limited, project_id, user_id if by_user_limited else None, group_uuid)
    quotas, usages, overs = {}, {}, []
    for name, delta in deltas.items():
        if name not in limited:
            quotas[name] = UNLIMITED
            continue
        scopes = []
        if name in COUNTED_BY_USER:
            scopes.append((project[name], counts["user"][name]))
        else:
            scopes.append((project[name], counts["project"][name]))
        if name in by_user:
            scopes.append((user[name], counts["user"][name]))
        quotas[name], usages[name] = min(scopes, key=_headroom)
        if not _unlimited(quotas[name]) and usages[name] + delta > quotas[name]:
            overs.append(name)
    if overs:
        raise exception.OverQuota(overs=sorted(overs), quotas=quotas, usages=usages)
