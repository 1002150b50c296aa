"""Request context: who is calling, carried with every RPC message."""

from __future__ import annotations

import copy

from oslo_context import context as oslo_context

# The services of the caller's catalog nova-lite talks to with the caller's token.
CATALOG_SERVICE_TYPES = ("image",)


class RequestContext(oslo_context.RequestContext):
    """The caller of a request (user, project, roles, token, the part of its
    service catalog nova-lite uses) and its request id."""

    def __init__(
        self, *args, read_deleted: str = "no", service_catalog: list | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.read_deleted = read_deleted
        self.service_catalog = [
            service
            for service in service_catalog or []
            if service.get("type") in CATALOG_SERVICE_TYPES
        ]
        if not self.is_admin and "admin" in (self.roles or []):
            self.is_admin = True

    def to_dict(self) -> dict:
        values = super().to_dict()
        values["read_deleted"] = self.read_deleted
        values["service_catalog"] = self.service_catalog
        return values

    @classmethod
    def from_dict(cls, values: dict) -> RequestContext:
        return super().from_dict(
            values,
            read_deleted=values.get("read_deleted", "no"),
            service_catalog=values.get("service_catalog"),
        )

    def get_logging_values(self) -> dict:
        values = super().get_logging_values()
        values["roles"] = ",".join(self.roles or []) or "-"
        return values

    def elevated(self, read_deleted: str | None = None) -> RequestContext:
        """A copy with admin rights, for work done on the caller's behalf."""
        ctx = copy.copy(self)
        ctx.roles = list(self.roles or [])
        ctx.is_admin = True
        if "admin" not in ctx.roles:
            ctx.roles.append("admin")
        if read_deleted is not None:
            ctx.read_deleted = read_deleted
        return ctx


def get_admin_context(read_deleted: str = "no") -> RequestContext:
    """A context for the services' own work (periodic tasks, start-up)."""
    return RequestContext(
        is_admin=True, roles=["admin"], read_deleted=read_deleted, overwrite=False
    )
