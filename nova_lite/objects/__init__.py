"""Versioned objects: the payloads of every RPC message."""


def register_all() -> None:
    """Import every object module so its classes are registered."""
    from nova_lite.objects import (  # noqa: F401
        aggregate,
        compute_node,
        flavor,
        instance,
        instance_action,
        instance_fault,
        instance_group,
        keypair,
        migration,
        quotas,
        request_spec,
        selection,
        service,
        tag,
    )
