"""/os-server-groups: list, show, create, delete."""

from __future__ import annotations

import webob
from oslo_config import cfg

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.schemas import server_groups as schemas
from nova_lite.api.views import server_groups as views
from nova_lite.compute import quotas
from nova_lite.objects.instance_group import InstanceGroup, InstanceGroupList

CONF = cfg.CONF
RULE = "os_compute_api:os-server-groups:%s"


def _limited(req: webob.Request, items: list) -> list:
    """Nova's ``limit``/``offset`` paging (``limit`` at most ``[api] max_limit``)."""
    offset = int(req.GET.get("offset", 0))
    limit = min(CONF.api.max_limit, int(req.GET.get("limit", 0)) or CONF.api.max_limit)
    return items[offset : offset + limit]


@handler.handler(query=schemas.index_query, max_version="2.74")
@handler.handler(query=schemas.index_query_v275, min_version="2.75")
def index(req: webob.Request) -> dict:
    """The caller's project's groups; every project's for an admin with ``all_projects``."""
    context = handler.context_of(req)
    target = {"project_id": context.project_id}
    policy.authorize(context, RULE % "index", target)
    if "all_projects" in req.GET and context.is_admin:
        policy.authorize(context, RULE % "index:all_projects", target)
        groups = InstanceGroupList.get_all(context)
    else:
        groups = InstanceGroupList.get_by_project_id(context, context.project_id)
    return {"server_groups": [views.server_group(req, g) for g in _limited(req, groups.objects)]}


@handler.handler()
def show(req: webob.Request, group_id: str) -> dict:
    context = handler.context_of(req)
    group = InstanceGroup.get_by_uuid(context, group_id)
    policy.authorize(context, RULE % "show", {"project_id": group.project_id})
    return {"server_group": views.server_group(req, group)}


@handler.handler(schema=schemas.create, max_version="2.14")
@handler.handler(schema=schemas.create_v215, min_version="2.15", max_version="2.63")
@handler.handler(schema=schemas.create_v264, min_version="2.64")
def create(req: webob.Request, body: dict) -> dict:
    context = handler.context_of(req)
    policy.authorize(context, RULE % "create", {"project_id": context.project_id})
    quotas.check_server_groups(context)
    values = body["server_group"]
    if handler.is_supported(req, "2.64"):
        group_policy, rules = values["policy"], values.get("rules", {})
        if rules and group_policy != "anti-affinity":
            raise exception.InvalidRequest(reason="Only anti-affinity policy supports rules.")
    else:
        group_policy, rules = values["policies"][0], {}
    group = InstanceGroup(
        context,
        name=values["name"],
        policy=group_policy,
        rules=rules,
        project_id=context.project_id,
        user_id=context.user_id,
    )
    group.create()
    quotas.recheck(lambda: quotas.check_server_groups(context, 0), group.destroy)
    return {"server_group": views.server_group(req, group)}


@handler.handler(status=204)
def delete(req: webob.Request, group_id: str) -> None:
    context = handler.context_of(req)
    group = InstanceGroup.get_by_uuid(context, group_id)
    policy.authorize(context, RULE % "delete", {"project_id": group.project_id})
    group.destroy()
