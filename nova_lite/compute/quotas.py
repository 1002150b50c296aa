"""Quota enforcement in nova-lite-api: Nova's checks and 403 messages.

Each check is one call to the conductor (objects.quotas.Quotas). After a
creation, ``recheck`` runs the check again with nothing more requested and
undoes the creation when racing requests went over a limit (``[quota]
recheck_quota``, as Nova); new servers' instances are rechecked by the
conductor call that creates them (``create_instances``).
"""

from __future__ import annotations

from collections.abc import Callable

from oslo_config import cfg
from oslo_log import log as logging

from nova_lite import exception
from nova_lite.objects.instance import InstanceList
from nova_lite.objects.quotas import Quotas
from nova_lite.quota import UNLIMITED

LOG = logging.getLogger(__name__)
CONF = cfg.CONF


def _too_many(
    overs: list[str], requested: dict, quotas: dict, used: dict
) -> exception.TooManyInstances:
    """TooManyInstances naming each exceeded resource, in Nova's words."""

    def joined(values: dict) -> str:
        return ", ".join(str(values[name]) for name in overs)

    return exception.TooManyInstances(
        overs=", ".join(overs), req=joined(requested), used=joined(used), allowed=joined(quotas)
    )


def _fitting(flavor, quotas: dict, usages: dict) -> int:
    """How many more instances of ``flavor`` the limited resources leave room for."""
    per_instance = {"instances": 1, "cores": flavor.vcpus, "ram": flavor.memory_mb}
    return min(
        (quotas[name] - usages[name]) // per
        for name, per in per_instance.items()
        if per and quotas[name] != UNLIMITED
    )


def check_num_instances(
    context,
    flavor,
    min_count: int,
    max_count: int,
    project_id: str | None = None,
    user_id: str | None = None,
) -> int:
    """How many instances of ``flavor`` to create: ``max_count``, or fewer as
    long as ``min_count`` fit; TooManyInstances (403) otherwise."""
    project_id = project_id or context.project_id
    user_id = user_id or context.user_id
    deltas = {
        "instances": max_count,
        "cores": max_count * flavor.vcpus,
        "ram": max_count * flavor.memory_mb,
    }
    try:
        Quotas.check_deltas(context, deltas, project_id, user_id)
        return max_count
    except exception.OverQuota as error:
        overs, quotas, usages = (error.kwargs[k] for k in ("overs", "quotas", "usages"))
    allowed = _fitting(flavor, quotas, usages)
    if 0 < allowed and min_count <= allowed < max_count:
        return check_num_instances(context, flavor, min_count, allowed, project_id, user_id)
    LOG.debug(
        "%s quota exceeded for %s, tried to run %s-%s instances; %s fit",
        overs,
        project_id,
        min_count,
        max_count,
        max(allowed, 0),
    )
    count = str(min_count) if min_count == max_count else f"{min_count}-{max_count}"
    requested = {"instances": count, "cores": deltas["cores"], "ram": deltas["ram"]}
    raise _too_many(overs, requested, quotas, usages)


def check_resize(context, instance, current, new) -> None:
    """Refuse growing ``instance`` from flavor ``current`` to ``new`` beyond the
    cores or RAM left to its project or user (TooManyInstances, 403)."""
    deltas = {
        "cores": max(new.vcpus - current.vcpus, 0),
        "ram": max(new.memory_mb - current.memory_mb, 0),
    }
    if not any(deltas.values()):
        return
    try:
        Quotas.check_deltas(context, deltas, instance.project_id, instance.user_id)
    except exception.OverQuota as error:
        overs, quotas, usages = (error.kwargs[k] for k in ("overs", "quotas", "usages"))
        raise _too_many(overs, deltas, quotas, usages) from None


def check_metadata_items(
    context, metadata: dict | None, project_id: str | None = None, user_id: str | None = None
) -> None:
    """Refuse more metadata items than the limit (MetadataLimitExceeded, 403)."""
    if not metadata:
        return
    try:
        Quotas.limit_check(
            context,
            {"metadata_items": len(metadata)},
            project_id or context.project_id,
            user_id or context.user_id,
        )
    except exception.OverQuota as error:
        allowed = error.kwargs["quotas"]["metadata_items"]
        raise exception.MetadataLimitExceeded(allowed=allowed) from None


def check_key_pairs(context, user_id: str, delta: int = 1) -> None:
    """Refuse the user ``delta`` more key pairs beyond the limit (403)."""
    try:
        Quotas.check_deltas(context, {"key_pairs": delta}, context.project_id, user_id)
    except exception.OverQuota:
        raise exception.KeypairLimitExceeded() from None


def check_server_groups(context, delta: int = 1) -> None:
    """Refuse the caller ``delta`` more server groups beyond the limit (403)."""
    try:
        Quotas.check_deltas(context, {"server_groups": delta}, context.project_id, context.user_id)
    except exception.OverQuota:
        raise exception.ServerGroupLimitExceeded() from None


def check_server_group_members(context, group_uuid: str, count: int) -> None:
    """Refuse ``count`` more of the caller's servers in the group beyond the
    limit (GroupMemberLimitExceeded, 403); ``count=0`` rechecks after adding."""
    try:
        Quotas.check_deltas(
            context,
            {"server_group_members": count},
            context.project_id,
            context.user_id,
            group_uuid,
        )
    except exception.OverQuota:
        raise exception.GroupMemberLimitExceeded() from None


def recheck(check: Callable[[], None], undo: Callable[[], None]) -> None:
    """After a creation, run ``check`` (asking for nothing more) if ``[quota]
    recheck_quota`` is set; when it fails, ``undo`` the creation and re-raise."""
    if not CONF.quota.recheck_quota:
        return
    try:
        check()
    except exception.OverQuota:
        undo()
        raise


def create_instances(context, flavor, instances: list) -> list:
    """Create new servers' ``instances`` of ``flavor`` (action "create") in one
    conductor call, which with ``[quota] recheck_quota`` rechecks the quota
    counting them: over it, they are destroyed and TooManyInstances raised."""
    try:
        return InstanceList.create(
            context, instances, action="create", recheck_quota=CONF.quota.recheck_quota
        ).objects
    except exception.OverQuota as error:
        overs, quotas = error.kwargs["overs"], error.kwargs["quotas"]
    count = len(instances)
    requested = {"instances": count, "cores": count * flavor.vcpus, "ram": count * flavor.memory_mb}
    # Nova reports the limit as used: the new instances are in the count.
    raise _too_many(overs, requested, quotas, quotas)
