"""Steps shared by the conductor's move tasks (migrate, live-migrate, evacuate)."""

from __future__ import annotations

from nova_lite import exception
from nova_lite.objects.compute_node import Allocations, ComputeNodeList


def claim_on_host(context, instance, request_spec, host: str) -> tuple[str, str]:
    """Claim the instance's flavor on the named host; its (host, node name).

    Raises ComputeHostNotFound for an unknown host and NoValidHost when the
    host lacks the room.
    """
    nodes = ComputeNodeList.get_all(context, host=host)
    if not nodes:
        raise exception.ComputeHostNotFound(host=host)
    node = nodes[0]
    request_spec.flavor = instance.flavor
    claim = dict(consumer_uuid=instance.uuid, compute_node_uuid=node.uuid, **request_spec.resources)
    if Allocations.claim(context, [claim]):
        raise exception.NoValidHost(
            reason=f"Unable to move instance {instance.uuid} to host {host}. "
            "There is not enough capacity on the host for the instance."
        )
    return host, node.hypervisor_hostname
