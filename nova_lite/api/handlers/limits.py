"""/limits: the caller's project's limits and usage (an admin may name another
project with ``?tenant_id=``)."""

from __future__ import annotations

import webob

from nova_lite.api import handler, policy
from nova_lite.api.schemas import limits as schemas
from nova_lite.api.views import limits as views
from nova_lite.objects.quotas import Quotas


@handler.handler(query=schemas.index_query, max_version="2.74")
@handler.handler(query=schemas.index_query_v275, min_version="2.75")
def index(req: webob.Request) -> dict:
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:limits")
    project_id = context.project_id
    if "tenant_id" in req.GET:
        project_id = req.GET["tenant_id"]
        policy.authorize(context, "os_compute_api:limits:other_project")
    return views.index(req, Quotas.get_quotas(context, project_id, usages=True))
