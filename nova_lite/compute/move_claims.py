"""What moves (cold migration, resize) use on a compute host.

Besides the instances it runs, a host keeps room for the moves in progress
from or to it: the destination holds the new flavor until the instance
arrives there, then the source keeps the old flavor until the move is
confirmed or reverted. The instance counts on the host it is recorded on
(its source until the source has handed it over, then its destination),
with its current flavor. The room is tracked under the migration's key
(``move_key``), never as a running guest. Every step of a move calls
``refresh_move`` once its state is saved, and the periodic audit derives the
same from the database, so both always agree.
"""

from __future__ import annotations

from typing import NamedTuple

from oslo_log import log as logging

from nova_lite import exception
from nova_lite.compute import vm_states
from nova_lite.objects.instance import Instance
from nova_lite.objects.migration import IN_PROGRESS, MigrationList

LOG = logging.getLogger(__name__)

MOVE_PREFIX = "migration:"
_GONE = (vm_states.DELETED, vm_states.SHELVED_OFFLOADED)


def move_key(migration_uuid: str) -> str:
    """The resource tracker's key of the room a migration holds."""
    return MOVE_PREFIX + migration_uuid


def is_move_key(key: str) -> bool:
    return key.startswith(MOVE_PREFIX)


def held_by_move(instance, migration) -> tuple[str, str | None, object] | None:
    """(host, node, flavor) a move keeps room for beside the instance itself.

    None when the move is over (or failed) or has no destination yet.
    """
    if migration.status not in IN_PROGRESS or not migration.dest_compute:
        return None
    if migration.source_compute == migration.dest_compute:
        # On one host the instance "arrives" when it takes the new flavor.
        new = instance.new_flavor if "new_flavor" in instance else None
        arrived = new is not None and "flavor" in instance and instance.flavor.id == new.id
    else:
        arrived = instance.host == migration.dest_compute
    if arrived:
        host, node, name = migration.source_compute, migration.source_node, "old_flavor"
    else:
        host, node, name = migration.dest_compute, migration.dest_node, "new_flavor"
    flavor = getattr(instance, name) if name in instance else None
    return None if flavor is None else (host, node, flavor)


class _MoveConsumer(NamedTuple):
    """What ResourceTracker.instance_claim needs of a consumer."""

    uuid: str
    flavor: object


def _usage(flavor) -> dict[str, int]:
    # Imported here: resource_tracker imports this module for its mixin.
    from nova_lite.compute.resource_tracker import instance_usage

    return instance_usage(flavor)


class MoveClaims:
    """Mixed into ResourceTracker (uses its lock, tracked usage and nodes)."""

    def move_claim(self, context, migration, flavor, nodename: str):
        """Claim ``flavor`` on ``nodename`` for an incoming move.

        A context manager, like instance_claim: undone if its block fails.
        """
        return self.instance_claim(
            context, _MoveConsumer(move_key(migration.uuid), flavor), nodename
        )

    def refresh_move(self, context, instance, migration) -> None:
        """Track what an instance and its move use here now, after a step of the move."""
        with self._lock:
            self.tracked.pop(instance.uuid, None)
            self.tracked.pop(move_key(migration.uuid), None)
            if (
                instance.host == self.host
                and instance.vm_state not in _GONE
                and "flavor" in instance
            ):
                self.tracked[instance.uuid] = _usage(instance.flavor)
            held = held_by_move(instance, migration)
            if held is not None and held[0] == self.host:
                self.tracked[move_key(migration.uuid)] = _usage(held[2])
            nodes = list(self.compute_nodes.values())
            for node in nodes:
                self._update_usage(node)
        for node in nodes:
            self._save(node)

    def drop_move(self, context, instance, migration) -> None:
        """Forget an instance's move here (the instance is gone)."""
        self.release(context, move_key(migration.uuid))
        self.release(context, instance.uuid)

    def _tracked_moves(self, context, instances) -> dict[str, dict[str, int]]:
        """The room held here by moves in progress, by move key (for the audit)."""
        migrations = MigrationList.get_in_progress_by_host(context, self.host)
        local = {i.uuid: i for i in instances}
        held_here = {}
        for migration in migrations:
            instance = local.get(migration.instance_uuid)
            if instance is None:
                try:
                    instance = Instance.get_by_uuid(context, migration.instance_uuid)
                except exception.InstanceNotFound:
                    continue
            held = held_by_move(instance, migration)
            if held is not None and held[0] == self.host:
                held_here[move_key(migration.uuid)] = _usage(held[2])
        return held_here
