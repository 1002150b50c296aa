"""Quotas: limits and usage checks, run by the conductor (nova_lite/quota.py)."""

from __future__ import annotations

from nova_lite import quota
from nova_lite.objects import base


@base.register
class Quotas(base.NovaLiteObject):
    """No state: each remotable classmethod is one call to the conductor."""

    VERSION = "1.0"
    fields: dict = {}

    @base.remotable_classmethod
    def get_defaults(cls, context) -> dict[str, int]:
        return quota.get_defaults(context)

    @base.remotable_classmethod
    def get_class_quotas(cls, context, class_name: str) -> dict[str, int]:
        return quota.get_class_quotas(context, class_name)

    @base.remotable_classmethod
    def update_class(cls, context, class_name: str, limits: dict[str, int]) -> dict[str, int]:
        """Set the class's limits; return all of them."""
        return quota.set_class_quotas(context, class_name, limits)

    @base.remotable_classmethod
    def get_quotas(
        cls, context, project_id: str, user_id: str | None = None, usages: bool = False
    ) -> dict:
        """Limits by resource; with ``usages``, ``{"limit": .., "in_use": ..}``."""
        return quota.get_quotas(context, project_id, user_id, usages)

    @base.remotable_classmethod
    def get_settable_quotas(cls, context, project_id: str, user_id: str | None = None) -> dict:
        return quota.get_settable_quotas(context, project_id, user_id)

    @base.remotable_classmethod
    def update_limits(
        cls, context, project_id: str, limits: dict[str, int], user_id: str | None = None
    ) -> None:
        quota.set_limits(context, project_id, limits, user_id)

    @base.remotable_classmethod
    def destroy_all(cls, context, project_id: str, user_id: str | None = None) -> None:
        """Back to the defaults: forget the project's (or the user's) limits."""
        quota.destroy_all(context, project_id, user_id)

    @base.remotable_classmethod
    def limit_check(cls, context, values: dict[str, int], project_id: str, user_id: str) -> None:
        """OverQuota when a value exceeds its limit (no usage counted)."""
        quota.limit_check(context, values, project_id, user_id)

    @base.remotable_classmethod
    def check_deltas(
        cls,
        context,
        deltas: dict[str, int],
        project_id: str,
        user_id: str,
        group_uuid: str | None = None,
    ) -> None:
        """OverQuota when usage plus ``deltas`` exceeds a limit."""
        quota.check_deltas(context, deltas, project_id, user_id, group_uuid)
