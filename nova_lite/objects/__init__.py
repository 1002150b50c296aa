"""Versioned objects: the payloads of every RPC message."""


def register_all() -> None:
    """Import every object module so its classes are registered."""
    from nova_lite.objects import (  # noqa: F401
        compute_node,
        flavor,
        instance,
        instance_action,
        instance_fault,
        keypair,
        migration,
        request_spec,
        selection,
        service,
    )
