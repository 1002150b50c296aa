"""Server groups at server create: the ``group`` scheduler hint names the group
the new servers join (within the server_group_members quota)."""

from __future__ import annotations

from nova_lite import exception
from nova_lite.compute import quotas
from nova_lite.objects.instance_group import InstanceGroup


def requested_group(context, scheduler_hints: dict | None) -> InstanceGroup | None:
    """The group of the ``group`` hint; 400 when there is no such group."""
    group_uuid = (scheduler_hints or {}).get("group")
    if not group_uuid:
        return None
    try:
        return InstanceGroup.get_by_uuid(context, group_uuid)
    except exception.InstanceGroupNotFound as error:
        raise exception.InvalidRequest(reason=error.format_message()) from None


def check_room(context, group: InstanceGroup | None, count: int) -> None:
    """Refuse ``count`` more servers in the group beyond its quota (403)."""
    if group is not None:
        quotas.check_server_group_members(context, group.uuid, count)


def add_members(context, group: InstanceGroup | None, instances: list) -> None:
    """Make the new instances members of the group. When racing requests went
    over the quota meanwhile, the instances are deleted (leaving the group) and
    the 403 is raised."""
    if group is None:
        return
    InstanceGroup.add_members(context, group.uuid, [i.uuid for i in instances])

    def undo() -> None:
        for instance in instances:
            instance.destroy()

    quotas.recheck(lambda: quotas.check_server_group_members(context, group.uuid, 0), undo)
