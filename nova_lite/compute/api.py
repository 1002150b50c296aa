"""The compute API used by nova-lite-api: checks, records, then RPC casts."""

from __future__ import annotations

import random
import string

from oslo_log import log as logging
from oslo_utils import timeutils

from nova_lite import exception
from nova_lite.compute import power_state, task_states, vm_states
from nova_lite.compute import rpcapi as compute_rpcapi
from nova_lite.conductor import rpcapi as conductor_rpcapi
from nova_lite.objects.instance import Instance, InstanceList
from nova_lite.objects.instance_action import InstanceAction
from nova_lite.objects.request_spec import RequestSpec
from nova_lite.objects.service import Service

LOG = logging.getLogger(__name__)
COMPUTE_BINARY = "nova-compute"


def _reservation_id() -> str:
    return "r-" + "".join(random.choices(string.ascii_lowercase + string.digits, k=8))


class API:
    def __init__(self) -> None:
        self.compute_task_api = conductor_rpcapi.ComputeTaskAPI()
        self.compute_rpcapi = compute_rpcapi.ComputeAPI()

    # -- read -----------------------------------------------------------------------
    def get(self, context, uuid: str, expected_attrs: list[str] | None = None) -> Instance:
        """The instance, if the caller may see it; another project's is a 404."""
        instance = Instance.get_by_uuid(context, uuid, expected_attrs=expected_attrs)
        if not context.is_admin and instance.project_id != context.project_id:
            raise exception.InstanceNotFound(instance_id=uuid)
        return instance

    def get_all(self, context, filters: dict, **kwargs) -> InstanceList:
        """Instances matching ``filters``; kwargs as InstanceList.get_by_filters."""
        return InstanceList.get_by_filters(context, filters, **kwargs)

    # -- create -----------------------------------------------------------------------
    def create(
        self,
        context,
        flavor,
        image_href: str,
        name: str,
        min_count: int = 1,
        max_count: int = 1,
        metadata: dict | None = None,
        availability_zone: str | None = None,
        key_name: str | None = None,
        user_data: str | None = None,
        description: str | None = None,
    ) -> tuple[list[Instance], str]:
        """Record the instances (BUILDING/scheduling) and cast the build."""
        if min_count > max_count:
            raise exception.InvalidRequest(reason="min_count must be <= max_count")
        reservation_id = _reservation_id()
        instances = []
        for index in range(max_count):
            display_name = name if max_count == 1 else f"{name}-{index + 1}"
            instance = Instance(
                context,
                user_id=context.user_id,
                project_id=context.project_id,
                display_name=display_name,
                display_description=description,
                hostname=display_name.lower().replace(" ", "-")[:63],
                image_ref=image_href,
                flavor=flavor,
                vm_state=vm_states.BUILDING,
                task_state=task_states.SCHEDULING,
                power_state=power_state.NOSTATE,
                availability_zone=availability_zone,
                key_name=key_name,
                user_data=user_data,
                reservation_id=reservation_id,
                launch_index=index,
                locked=False,
                metadata=metadata or {},
                system_metadata={"image_base_image_ref": image_href},
            )
            instance.create()
            InstanceAction.action_start(context, instance.uuid, "create")
            instances.append(instance)
        spec = RequestSpec.from_instance(
            context, instances[0], num_instances=max_count, image={"id": image_href}
        )
        self.compute_task_api.build_instances(context, instances, {"id": image_href}, spec)
        return instances, reservation_id

    # -- delete -------------------------------------------------------------------------
    def delete(self, context, instance: Instance) -> None:
        """Mark the instance deleting and have its host destroy it.

        Instances never placed, or on a host whose compute service is down,
        are deleted here (a local delete, as Nova does).
        """
        if instance.task_state == task_states.DELETING:
            LOG.info("Instance %s is already being deleted", instance.uuid)
            return
        expected = instance.task_state
        instance.task_state = task_states.DELETING
        instance.save(expected_task_state=[expected])
        InstanceAction.action_start(context, instance.uuid, "delete")
        if instance.host and self._host_is_up(context, instance.host):
            self.compute_rpcapi.terminate_instance(context, instance)
            return
        self._local_delete(context, instance)

    @staticmethod
    def _host_is_up(context, host: str) -> bool:
        try:
            return Service.get_by_host_and_binary(context, host, COMPUTE_BINARY).is_up()
        except exception.ComputeHostNotFound:
            return False

    @staticmethod
    def _local_delete(context, instance: Instance) -> None:
        LOG.info("Deleting instance %s locally (host %s)", instance.uuid, instance.host)
        instance.vm_state = vm_states.DELETED
        instance.task_state = None
        instance.terminated_at = timeutils.utcnow()
        instance.destroy(expected_task_state=[task_states.DELETING])
