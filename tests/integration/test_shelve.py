"""Shelve-offload, then unshelve onto the other compute daemon, on RabbitMQ,
MariaDB and a real Glance."""

from __future__ import annotations

from tests.integration.conftest import FLAVOR
from tests.integration.test_moves import _action, _memory_used, _settled, _wait_memory

MICROVERSION_2_91 = {"OpenStack-API-Version": "compute 2.91"}


def test_shelve_offload_then_unshelve_onto_the_other_host(
    deployment, flavor, glance, clean_servers
):
    api = deployment.api
    base = _memory_used(api)
    response = api.boot("it-shelve", FLAVOR)
    assert response.status_code == 202, response.text
    server_id = response.json()["server"]["id"]
    source = _settled(api, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"]
    (other,) = [host for host in base if host != source]

    _action(api, server_id, {"shelve": None})
    server = _settled(api, server_id, "SHELVED_OFFLOADED")
    assert server["OS-EXT-SRV-ATTR:host"] is None
    _wait_memory(api, base)
    shelved = glance.request("GET", "/images", params={"name": "it-shelve-shelved"}).json()
    (image,) = [i for i in shelved["images"] if i.get("instance_uuid") == server_id]
    assert (image["status"], image["image_type"]) == ("active", "snapshot")

    response = api.post(
        f"/servers/{server_id}/action",
        json={"unshelve": {"host": other}},
        headers=MICROVERSION_2_91,
    )
    assert response.status_code == 202, response.text
    server = _settled(api, server_id, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == other
    _wait_memory(api, {source: base[source], other: base[other] + 512})
    assert glance.request("GET", f"/images/{image['id']}").status_code == 404

    actions = api.ok("GET", f"/servers/{server_id}/os-instance-actions")["instanceActions"]
    assert [a["action"] for a in actions] == ["unshelve", "shelve", "create"]
