"""Host aggregates for nova-lite-api (Nova's AggregateAPI): Nova's checks that
keep each host in one availability zone and every instance in its zone, then
the change, then a fanout telling the schedulers to fetch their view again."""

from __future__ import annotations

from nova_lite import exception
from nova_lite.objects.aggregate import AZ_KEY, Aggregate, AggregateList
from nova_lite.objects.instance import InstanceList
from nova_lite.objects.service import Service
from nova_lite.scheduler import rpcapi as scheduler_rpcapi

COMPUTE_BINARY = "nova-compute"
_MOVE_HINT = (
    "Changing the AZ of an existing instance is not supported by this action. Move the "
    "instances away from this host then try again. If you need to move the instances "
    "between AZs then you can use shelve_offload and unshelve to achieve this."
)


class AggregateAPI:
    def __init__(self) -> None:
        self.scheduler = scheduler_rpcapi.SchedulerAPI()

    def create_aggregate(self, context, name: str, availability_zone: str | None) -> Aggregate:
        aggregate = Aggregate(context, name=name)
        if availability_zone:
            aggregate.metadata = {AZ_KEY: availability_zone}
        aggregate.create()
        self.scheduler.update_aggregates(context, [aggregate])
        return aggregate

    def get_aggregate(self, context, aggregate_id: int) -> Aggregate:
        return Aggregate.get_by_id(context, aggregate_id)

    def get_aggregate_list(self, context) -> AggregateList:
        return AggregateList.get_all(context)

    def update_aggregate(self, context, aggregate_id: int, values: dict) -> Aggregate:
        """Rename and/or move the aggregate to another zone."""
        aggregate = Aggregate.get_by_id(context, aggregate_id)
        metadata = {k: v for k, v in values.items() if k == AZ_KEY}
        self._check_zone_change(
            context,
            metadata,
            aggregate,
            exception.InvalidAggregateActionUpdate,
            check_no_instances=True,
        )
        if "name" in values:
            aggregate.name = values["name"]
            aggregate.save()
        if metadata:
            aggregate.update_metadata(metadata)
        self.scheduler.update_aggregates(context, [aggregate])
        return aggregate

    def update_aggregate_metadata(self, context, aggregate_id: int, metadata: dict) -> Aggregate:
        """Set metadata keys; a null value deletes its key."""
        aggregate = Aggregate.get_by_id(context, aggregate_id)
        self._check_zone_change(
            context,
            metadata,
            aggregate,
            exception.InvalidAggregateActionUpdateMeta,
            check_no_instances=True,
        )
        aggregate.update_metadata(metadata)
        self.scheduler.update_aggregates(context, [aggregate])
        return aggregate

    def delete_aggregate(self, context, aggregate_id: int) -> None:
        aggregate = Aggregate.get_by_id(context, aggregate_id)
        if aggregate.hosts:
            raise exception.AggregateNotEmpty(
                aggregate_id=aggregate_id, reason="Host aggregate is not empty"
            )
        aggregate.destroy()
        self.scheduler.delete_aggregate(context, aggregate)

    def add_host_to_aggregate(self, context, aggregate_id: int, host: str) -> Aggregate:
        Service.get_by_host_and_binary(context, host, COMPUTE_BINARY)  # ComputeHostNotFound
        aggregate = Aggregate.get_by_id(context, aggregate_id)
        self._check_zone_change(
            context,
            aggregate.metadata,
            aggregate,
            exception.InvalidAggregateActionAdd,
            hosts=[host],
        )
        self._check_instances_stay_in_zone(
            context, aggregate, host, aggregate.availability_zone, adding=True
        )
        aggregate.add_host(host)
        self.scheduler.update_aggregates(context, [aggregate])
        return aggregate

    def remove_host_from_aggregate(self, context, aggregate_id: int, host: str) -> Aggregate:
        Service.get_by_host_and_binary(context, host, COMPUTE_BINARY)  # ComputeHostNotFound
        aggregate = Aggregate.get_by_id(context, aggregate_id)
        if aggregate.availability_zone:
            self._check_instances_stay_in_zone(context, aggregate, host, None, adding=False)
        aggregate.delete_host(host)
        self.scheduler.update_aggregates(context, [aggregate])
        return aggregate

    @staticmethod
    def _check_zone_change(
        context,
        metadata: dict,
        aggregate: Aggregate,
        error: type[exception.NovaLiteException],
        hosts: list[str] | None = None,
        check_no_instances: bool = False,
    ) -> None:
        """Nova's is_safe_to_update_az: a zone needs a name, no host may end up in
        two zones and (``check_no_instances``) the hosts of a re-zoned aggregate may have
        no instances."""
        if AZ_KEY not in metadata:
            return
        zone = metadata[AZ_KEY]
        if not zone:
            raise error(
                aggregate_id=aggregate.id,
                reason=f"Aggregate {aggregate.name} does not support empty named availability zone",
            )
        hosts = hosts or aggregate.hosts
        conflicting = [
            other.availability_zone
            for other in AggregateList.get_by_metadata_key(context, AZ_KEY, hosts=hosts)
            if other.availability_zone != zone and other.id != aggregate.id
        ]
        if conflicting:
            raise error(
                aggregate_id=aggregate.id,
                reason=f"One or more hosts already in availability zone(s) {conflicting}",
            )
        if check_no_instances and aggregate.availability_zone != zone and hosts:
            if InstanceList.get_by_filters(context, {"host": hosts}, limit=1):
                raise error(
                    aggregate_id=aggregate.id,
                    reason="One or more hosts contain instances in this zone",
                )

    @staticmethod
    def _check_instances_stay_in_zone(
        context, aggregate: Aggregate, host: str, zone: str | None, adding: bool
    ) -> None:
        """A host with instances may not change zone by joining or leaving ``aggregate``."""
        instances = InstanceList.get_by_host(context, host)
        if not instances or (adding and not zone):
            return
        zones = {
            other.availability_zone
            for other in AggregateList.get_by_host(context, host, key=AZ_KEY)
            if adding or other.id != aggregate.id
        }
        current = next(iter(zones), None)
        old, new = (current, zone) if adding else (aggregate.availability_zone, current)
        if old == new:
            return
        error = (
            exception.InvalidAggregateActionAdd
            if adding
            else exception.InvalidAggregateActionDelete
        )
        raise error(
            aggregate_id=aggregate.id,
            reason=f"The host cannot be {'added to' if adding else 'removed from'} the "
            f"aggregate as the availability zone of the host would change from '{old}' to "
            f"'{new}' but the host already has {len(instances)} instance(s). {_MOVE_HINT}",
        )
