"""/os-quota-class-sets/{class_name}: a quota class's limits (admin).

The ``default`` class overrides the ``[quota]`` options for every project
without limits of its own.
"""

from __future__ import annotations

import webob
from oslo_utils import strutils

from nova_lite import exception
from nova_lite.api import handler, policy
from nova_lite.api.schemas import quota_classes as schemas
from nova_lite.api.views import quotas as views
from nova_lite.objects.quotas import Quotas


@handler.handler(query=schemas.show_query)
def show(req: webob.Request, class_name: str) -> dict:
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:os-quota-class-sets:show")
    limits = Quotas.get_class_quotas(context, class_name)
    return {"quota_class_set": views.quota_set(limits, views.hidden_class_quotas(req), class_name)}


@handler.handler(schema=schemas.update, max_version="2.49")
@handler.handler(schema=schemas.update_v250, min_version="2.50", max_version="2.56")
@handler.handler(schema=schemas.update_v257, min_version="2.57")
def update(req: webob.Request, class_name: str, body: dict) -> dict:
    context = handler.context_of(req)
    policy.authorize(context, "os_compute_api:os-quota-class-sets:update")
    try:
        strutils.check_string_length(class_name, "quota_class_name", 1, 255)
    except ValueError as error:
        raise exception.InvalidRequest(reason=str(error)) from None
    limits = {name: int(value) for name, value in body["quota_class_set"].items()}
    limits = Quotas.update_class(context, class_name, limits)
    return {"quota_class_set": views.quota_set(limits, views.hidden_class_quotas(req))}
