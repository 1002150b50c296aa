"""Server group bodies, per microversion."""

from __future__ import annotations

import webob

from nova_lite.api import handler


def server_group(req: webob.Request, group) -> dict:
    """``policies`` and an empty ``metadata`` before 2.64, ``policy`` and ``rules``
    from 2.64; ``project_id`` and ``user_id`` from 2.13."""
    body = {"id": group.uuid, "name": group.name}
    if handler.is_supported(req, "2.64"):
        body.update(policy=group.policy, rules=dict(group.rules))
    else:
        body.update(policies=group.policies, metadata={})
    body["members"] = list(group.members)
    if handler.is_supported(req, "2.13"):
        body.update(project_id=group.project_id, user_id=group.user_id)
    return body
