"""/os-services (admin): list, enable/disable, force down, delete.

Before 2.53 ``PUT /os-services/{action}`` names the service by host and
binary in the body (``enable``, ``disable``, ``disable-log-reason``, and
``force-down`` from 2.11); from 2.53 services are named by uuid and
``PUT /os-services/{uuid}`` takes ``status``, ``disabled_reason`` and
``forced_down``. A disabled compute service takes no new servers; a forced
down one counts as down (so its servers may be evacuated).
"""

from __future__ import annotations

import webob
from oslo_utils import strutils, uuidutils

from nova_lite import availability_zones, exception
from nova_lite.api import handler, policy
from nova_lite.api.schemas import services as schemas
from nova_lite.api.views import services as views
from nova_lite.compute import aggregates
from nova_lite.objects import migration as migration_obj
from nova_lite.objects.aggregate import AggregateList
from nova_lite.objects.instance import InstanceList
from nova_lite.objects.migration import MigrationList
from nova_lite.objects.service import Service, ServiceList
from nova_lite.scheduler import rpcapi as scheduler_rpcapi

COMPUTE_BINARY = views.COMPUTE_BINARY
# Migration statuses after which a move no longer involves its hosts (Nova's list).
_FINISHED = ("confirmed", "reverted", "error", "failed", "completed", "cancelled", "done")


@handler.handler(query=schemas.index_query, max_version="2.74")
@handler.handler(query=schemas.index_query_v275, min_version="2.75")
def index(req: webob.Request) -> dict:
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:os-services:list", {})
    services = ServiceList.get_all(
        context, binary=req.GET.get("binary") or None, host=req.GET.get("host") or None
    )
    zones = availability_zones.service_zones(context, services)
    return {"services": [views.detail(req, s, zones[s.id]) for s in services]}


def _compute_only(binary: str) -> None:
    if binary != COMPUTE_BINARY:
        raise exception.InvalidRequest(
            reason=f"Updating a {binary} service is not supported. Only nova-compute "
            "services can be updated."
        )


def _check_no_done_evacuations(context, host: str) -> None:
    """Forcing a host up while evacuations from it still await its restart is a 400."""
    filters = {
        "source_compute": host,
        "status": "done",
        "migration_type": migration_obj.EVACUATION,
    }
    if MigrationList.get_by_filters(context, filters):
        raise exception.InvalidRequest(
            reason=f"Unable to force up host {host} as `done` evacuation migration records "
            "remain associated with the host. Ensure the compute service has been "
            "restarted, allowing these records to move to `completed` before retrying "
            "this request."
        )


def _save(context, service: Service) -> None:
    """Store the change and have the schedulers see it on their next pick."""
    service.save()
    scheduler_rpcapi.SchedulerAPI().update_service(context, service)


def _by_host_and_binary(context, host: str, binary: str) -> Service:
    _compute_only(binary)
    try:
        return Service.get_by_host_and_binary(context, host, binary)
    except exception.ComputeHostNotFound:
        raise exception.NotFound(
            message=f"Could not find binary {binary} on host {host}."
        ) from None


def _authorize_update(context) -> None:
    policy.authorize(context, "os_compute_api:os-services:update", {})


def _update_by_action(req: webob.Request, action: str, body: dict) -> dict:
    """PUT /os-services/{action} before 2.53: answers just what it changed."""
    context = handler.context_of(req)
    answer = {"host": body["host"], "binary": body["binary"]}
    if action in ("enable", "disable", "disable-log-reason"):
        reason = None
        if action == "disable-log-reason":
            if "disabled_reason" not in body:
                raise exception.InvalidRequest(reason="Missing disabled reason field")
            reason = body["disabled_reason"]
        service = _by_host_and_binary(context, body["host"], body["binary"])
        service.disabled = action != "enable"
        service.disabled_reason = reason
        answer["status"] = "enabled" if action == "enable" else "disabled"
        if reason:
            answer["disabled_reason"] = reason
    elif action == "force-down" and handler.is_supported(req, "2.11"):
        if "forced_down" not in body:
            raise exception.InvalidRequest(reason="Missing forced_down field")
        forced_down = strutils.bool_from_string(body["forced_down"])
        if body["binary"] == COMPUTE_BINARY and not forced_down:
            _check_no_done_evacuations(context, body["host"])
        service = _by_host_and_binary(context, body["host"], body["binary"])
        service.forced_down = forced_down
        answer["forced_down"] = forced_down
    else:
        raise exception.NotFound(message="Unknown action")
    _save(context, service)
    return {"service": answer}


def _update_by_uuid(req: webob.Request, service_id: str, body: dict) -> dict:
    """PUT /os-services/{uuid} from 2.53: answers the whole service."""
    if not uuidutils.is_uuid_like(service_id):
        raise exception.InvalidRequest(reason=f"Invalid uuid {service_id}")
    context = handler.context_of(req)
    _authorize_update(context)
    service = Service.get_by_id(context, service_id)
    _compute_only(service.binary)
    if body.get("status") == "enabled":
        if body.get("disabled_reason"):
            raise exception.InvalidRequest(
                reason="Specifying 'disabled_reason' with status 'enabled' is invalid."
            )
        service.disabled, service.disabled_reason = False, None
    elif body.get("status") == "disabled":
        service.disabled, service.disabled_reason = True, body.get("disabled_reason")
    if "forced_down" in body:
        service.forced_down = strutils.bool_from_string(body["forced_down"], strict=True)
        if not service.forced_down:
            _check_no_done_evacuations(context, service.host)
    if not service.obj_what_changed():
        raise exception.InvalidRequest(
            reason="No updates were requested. Fields 'status' or 'forced_down' should be "
            "specified."
        )
    _save(context, service)
    zones = availability_zones.service_zones(context, [service])
    return {"service": views.detail(req, service, zones[service.id])}


@handler.handler(schema=schemas.update, max_version="2.10")
@handler.handler(schema=schemas.update_v211, min_version="2.11", max_version="2.52")
@handler.handler(schema=schemas.update_v253, min_version="2.53")
def update(req: webob.Request, service_id: str, body: dict) -> dict:
    """Enable, disable or force down a compute service (admin)."""
    if handler.is_supported(req, "2.53"):
        return _update_by_uuid(req, service_id, body)
    _authorize_update(handler.context_of(req))
    return _update_by_action(req, service_id, body)


def _check_compute_host_idle(context, host: str) -> None:
    """A compute service with servers or moves in progress cannot go (409)."""
    if InstanceList.get_by_host(context, host):
        raise exception.Conflict(
            message="Unable to delete compute service that is hosting instances. Migrate "
            "or delete the instances first."
        )
    moves = MigrationList.get_by_filters(context, {"host": host})
    if any(m.status not in _FINISHED for m in moves):
        raise exception.Conflict(
            message="Unable to delete compute service that has in-progress migrations. "
            "Complete the migrations or delete the instances first."
        )


@handler.handler(status=204)
def delete(req: webob.Request, service_id: str) -> None:
    """Delete a service record (admin); a compute service leaves its aggregates too."""
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:os-services:delete", {})
    if handler.is_supported(req, "2.53"):
        if not uuidutils.is_uuid_like(service_id):
            raise exception.InvalidRequest(reason=f"Invalid uuid {service_id}")
    elif not service_id.isdigit():
        raise exception.InvalidRequest(reason="Invalid input received: id must be an integer")
    try:
        service = Service.get_by_id(context, service_id)
    except exception.ServiceNotFound:
        raise exception.NotFound(message=f"Service {service_id} not found.") from None
    if service.binary == COMPUTE_BINARY:
        _check_compute_host_idle(context, service.host)
        api = aggregates.AggregateAPI()
        for aggregate in AggregateList.get_by_host(context, service.host):
            api.remove_host_from_aggregate(context, aggregate.id, service.host)
    service.destroy()
