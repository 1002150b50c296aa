"""/os-hypervisors (admin): list, detail, show, uptime, search, servers, statistics.

2.33 pages the lists; 2.53 names hypervisors by uuid and replaces the
search and servers URLs with ``hypervisor_hostname_pattern`` and
``with_servers`` parameters; 2.88 removes statistics and uptime (404) and
shows ``uptime`` in the details instead of the resource figures.
"""

from __future__ import annotations

import webob
from oslo_utils import uuidutils

from nova_lite import exception
from nova_lite.api import handler, pagination, policy
from nova_lite.api.handlers import to_bool
from nova_lite.api.schemas import hypervisors as schemas
from nova_lite.api.views import hypervisors as views
from nova_lite.compute import hosts
from nova_lite.objects.compute_node import ComputeNode, ComputeNodeList
from nova_lite.objects.instance import InstanceList
from nova_lite.objects.service import Service, ServiceList

COMPUTE_BINARY = hosts.COMPUTE_BINARY


def _authorize(req: webob.Request, action: str):
    context = handler.context_of(req)
    policy.authorize(context, f"os_compute_api:os-hypervisors:{action}", {})
    return context


def _uptime(req: webob.Request, context, node, service) -> str | None:
    """The host's uptime for 2.88 details; None when the host cannot tell (down, no driver)."""
    if not handler.is_supported(req, "2.88"):
        return None
    try:
        return hosts.HostAPI().get_host_uptime(context, node.host, service)
    except (exception.ComputeServiceUnavailable, exception.FeatureNotSupported):
        return None


def _matching(context, pattern: str) -> ComputeNodeList:
    nodes = ComputeNodeList.get_by_hypervisor(context, pattern)
    if not nodes:
        raise exception.NotFound(message=f"No hypervisor matching '{pattern}' could be found.")
    return nodes


def _views(req: webob.Request, context, nodes, detail: bool, with_servers: bool) -> list[dict]:
    """Views of ``nodes``, skipping those whose compute service was deleted (as Nova)."""
    services = {s.host: s for s in ServiceList.get_all(context, binary=COMPUTE_BINARY)}
    bodies = []
    for node in nodes:
        service = services.get(node.host)
        if service is None:
            continue
        servers = InstanceList.get_by_host(context, node.host) if with_servers else None
        uptime = _uptime(req, context, node, service) if detail else None
        bodies.append(views.hypervisor(req, node, service, detail, servers, with_servers, uptime))
    return bodies


def _list(req: webob.Request, detail: bool) -> dict:
    context = _authorize(req, "list-detail" if detail else "list")
    paged = handler.is_supported(req, "2.33")
    limit, marker = pagination.limit_and_marker(req) if paged else (None, None)
    pattern, with_servers = None, False
    if handler.is_supported(req, "2.53"):
        pattern = req.GET.get("hypervisor_hostname_pattern")
        with_servers = to_bool(req.GET.get("with_servers", False))
    if pattern is not None:
        if "limit" in req.GET or marker:
            raise exception.InvalidRequest(
                reason="Paging over hypervisors with the hypervisor_hostname_pattern query "
                "parameter is not supported."
            )
        paged = False
        nodes = _matching(context, pattern)
    else:
        try:
            nodes = ComputeNodeList.get_all(context, limit=limit, marker=marker)
        except exception.MarkerNotFound:
            raise exception.InvalidRequest(reason=f"marker [{marker}] not found") from None
    body = {"hypervisors": _views(req, context, nodes, detail, with_servers)}
    if paged:
        collection = "os-hypervisors/detail" if detail else "os-hypervisors"
        links = pagination.next_links(req, collection, [h["id"] for h in body["hypervisors"]])
        if links:
            body["hypervisors_links"] = links
    return body


@handler.handler(max_version="2.32")
@handler.handler(query=schemas.index_query_v233, min_version="2.33", max_version="2.52")
@handler.handler(query=schemas.index_query_v253, min_version="2.53")
def index(req: webob.Request) -> dict:
    return _list(req, detail=False)


@handler.handler(max_version="2.32")
@handler.handler(query=schemas.index_query_v233, min_version="2.33", max_version="2.52")
@handler.handler(query=schemas.index_query_v253, min_version="2.53")
def detail(req: webob.Request) -> dict:
    return _list(req, detail=True)


def _node_and_service(req: webob.Request, context, hypervisor_id: str):
    """The node named in the URL (a uuid from 2.53, else an integer id) and its service."""
    not_found = exception.NotFound(
        message=f"Hypervisor with ID '{hypervisor_id}' could not be found."
    )
    if handler.is_supported(req, "2.53"):
        if not uuidutils.is_uuid_like(hypervisor_id):
            raise exception.InvalidRequest(reason=f"Invalid uuid {hypervisor_id}")
    elif not hypervisor_id.isdigit():
        raise not_found
    try:
        node = ComputeNode.get_by_id(context, hypervisor_id)
        return node, Service.get_by_host_and_binary(context, node.host, COMPUTE_BINARY)
    except (exception.ComputeNodeNotFound, exception.ComputeHostNotFound):
        raise not_found from None


@handler.handler(max_version="2.52")
@handler.handler(query=schemas.show_query_v253, min_version="2.53")
def show(req: webob.Request, hypervisor_id: str) -> dict:
    context = _authorize(req, "show")
    with_servers = handler.is_supported(req, "2.53") and to_bool(req.GET.get("with_servers", False))
    node, service = _node_and_service(req, context, hypervisor_id)
    servers = InstanceList.get_by_host(context, node.host) if with_servers else None
    uptime = _uptime(req, context, node, service)
    return {"hypervisor": views.hypervisor(req, node, service, True, servers, with_servers, uptime)}


@handler.handler(max_version="2.87")
def uptime(req: webob.Request, hypervisor_id: str) -> dict:
    """The host's uptime line; 400 when its compute service is down, 501 without driver support."""
    context = _authorize(req, "uptime")
    node, service = _node_and_service(req, context, hypervisor_id)
    body = views.hypervisor(req, node, service)
    body["uptime"] = hosts.HostAPI().get_host_uptime(context, node.host, service)
    return {"hypervisor": body}


@handler.handler(max_version="2.52")
def search(req: webob.Request, pattern: str) -> dict:
    context = _authorize(req, "search")
    return {"hypervisors": _views(req, context, _matching(context, pattern), False, False)}


@handler.handler(max_version="2.52")
def servers(req: webob.Request, pattern: str) -> dict:
    """Matching hypervisors with their servers (a ``servers`` list only where there are some)."""
    context = _authorize(req, "servers")
    return {"hypervisors": _views(req, context, _matching(context, pattern), False, True)}


@handler.handler(max_version="2.87")
def statistics(req: webob.Request) -> dict:
    """Sums over the hypervisors whose compute service is enabled."""
    context = _authorize(req, "statistics")
    enabled = {s.host for s in ServiceList.get_all(context, binary=COMPUTE_BINARY, disabled=False)}
    nodes = [n for n in ComputeNodeList.get_all(context) if n.host in enabled]
    return {"hypervisor_statistics": views.statistics(nodes)}
