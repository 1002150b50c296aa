"""Quotas across the daemons: limits and counts on the conductor, 403s from the API."""

from __future__ import annotations

import uuid

from tests.integration import deployment as dep_mod
from tests.integration.conftest import FLAVOR


def _forbidden(message: str) -> dict:
    return {"forbidden": {"code": 403, "message": message}}


def test_over_quota_is_refused_with_novas_message(deployment, flavor, clean_servers):
    admin = deployment.api
    project = f"quota-{uuid.uuid4().hex[:8]}"
    limits = {"quota_set": {"instances": 1, "key_pairs": 0}}
    assert admin.ok("PUT", f"/os-quota-sets/{project}", json=limits)["quota_set"]["instances"] == 1
    user = dep_mod.ApiClient(deployment.api_url, token=f"alice:{project}")

    assert user.boot("quota-0", FLAVOR).status_code == 202
    refused = user.boot("quota-1", FLAVOR)
    assert refused.status_code == 403
    assert refused.json() == _forbidden(
        "Quota exceeded for instances: Requested 1, but already used 1 of 1 instances"
    )
    keypair = user.post("/os-keypairs", json={"keypair": {"name": "k"}})
    assert keypair.json() == _forbidden("Quota exceeded, too many key pairs.")
    rows = deployment.query("SELECT COUNT(*) FROM instances WHERE project_id = %s", (project,))
    assert rows[0][0] == 1

    detail = user.ok("GET", f"/os-quota-sets/{project}/detail")["quota_set"]
    assert detail["instances"] == {"limit": 1, "in_use": 1, "reserved": 0}
    # the deployment's [quota] options lift instances, cores and RAM by default
    assert detail["ram"] == {"limit": -1, "in_use": 512, "reserved": 0}
    absolute = user.ok("GET", "/limits")["limits"]["absolute"]
    assert (absolute["maxTotalInstances"], absolute["totalInstancesUsed"]) == (1, 1)
    assert admin.request("DELETE", f"/os-quota-sets/{project}").status_code == 202
    assert user.ok("GET", f"/os-quota-sets/{project}")["quota_set"]["instances"] == -1
