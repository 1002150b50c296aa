"""Unshelve, the conductor's part (Nova's ComputeTaskManager.unshelve_instance).

A SHELVED instance still has its guest on its host: the host starts it
(and deletes its shelved image). A SHELVED_OFFLOADED one is scheduled again
with its request spec (holding the zone, and the host an admin named, that
the API set), possibly onto another host, which spawns it from its shelved
image (nova_lite.compute.shelve). When no host fits, or anything else fails
here, the instance stays SHELVED_OFFLOADED with no task and a fault; a
shelved image that is gone puts it in ERROR (as Nova does).
"""

from __future__ import annotations

from oslo_log import log as logging

from nova_lite import exception
from nova_lite.compute import snapshot_images, task_states, utils, vm_states
from nova_lite.conductor import move_common
from nova_lite.image import glance
from nova_lite.objects.compute_node import Allocations

LOG = logging.getLogger(__name__)

IMAGE_EVENT = "get_image_info"
SCHEDULE_EVENT = "schedule_instances"


def unshelve_instance(context, instance, request_spec, scheduler, compute) -> None:
    """Start a SHELVED instance on its host, or place and spawn an offloaded one."""
    if instance.vm_state == vm_states.SHELVED:
        instance.task_state = task_states.POWERING_ON
        instance.save(expected_task_state=[task_states.UNSHELVING])
        compute.start_instance(context, instance)
        return
    try:
        image = _shelved_image(context, instance)
        with utils.event_reporter(context, instance.uuid, SCHEDULE_EVENT, None):
            host, node = _schedule(context, instance, request_spec, scheduler)
            LOG.info("Unshelving instance %s on %s", instance.uuid, host)
            move_common.set_destination_zone(context, instance, host)
            compute.unshelve_instance(context, instance, host, node, image)
    except exception.UnshelveException as error:
        LOG.error("%s", error)
        instance.set_error(error, expected_task_state=[task_states.UNSHELVING])
    except Exception as error:  # noqa: BLE001 - recorded; the instance stays offloaded
        LOG.warning("Cannot unshelve instance %s: %s", instance.uuid, error)
        Allocations.release(context, instance.uuid)
        move_common.end_failed_task(context, instance, error, task_states.UNSHELVING, "unshelve")


def _shelved_image(context, instance) -> dict:
    """The instance's shelved image (UnshelveException when it is gone)."""
    image_id = instance.system_metadata.get(snapshot_images.SHELVED_IMAGE)
    with utils.event_reporter(context, instance.uuid, IMAGE_EVENT, None):
        try:
            if not image_id:
                raise exception.ImageNotFound(image_id="")
            return glance.API().get(context, image_id)
        except exception.ImageNotFound:
            raise exception.UnshelveException(
                instance_id=instance.uuid,
                reason=f"Unshelve attempted but the image {image_id} cannot be found.",
            ) from None


def _schedule(context, instance, spec, scheduler) -> tuple[str, str]:
    """Claim a host for the instance as its request spec says; (host, node)."""
    spec.instance_uuid = instance.uuid
    spec.project_id = instance.project_id
    spec.user_id = instance.user_id
    spec.flavor = instance.flavor
    spec.num_instances = 1
    # Forced hosts are for a boot only, and an offloaded instance leaves no host.
    spec.force_hosts = spec.force_nodes = None
    spec.ignore_hosts = None
    selection = scheduler.select_destinations(context, spec, [instance.uuid])[0]
    return selection.service_host, selection.nodename
