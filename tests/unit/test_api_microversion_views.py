"""Views, paging links, query validation and stacked handler specs per microversion."""

from __future__ import annotations

import datetime

import pytest
import webob
from oslo_config import cfg
from oslo_utils import timeutils

from nova_lite import exception
from nova_lite.api import handler, microversion, pagination, validation
from nova_lite.api.views import flavors, hypervisors, keypairs
from nova_lite.objects.compute_node import ComputeNode
from nova_lite.objects.flavor import Flavor
from nova_lite.objects.keypair import KeyPair
from nova_lite.objects.service import Service


def request(version: str, path: str = "/v2.1/x") -> webob.Request:
    req = webob.Request.blank(path)
    req.environ["nova_lite.api_version"] = microversion.APIVersion.parse(version)
    return req


def a_flavor(**values) -> Flavor:
    return Flavor(
        flavorid="f1",
        name="f",
        memory_mb=64,
        vcpus=1,
        root_gb=0,
        ephemeral_gb=0,
        swap=0,
        rxtx_factor=1.0,
        disabled=False,
        is_public=True,
        description="d",
        extra_specs={"k": "v"},
        **values,
    )


@pytest.mark.parametrize(
    ("version", "swap", "description"),
    [("2.1", "", False), ("2.55", "", True), ("2.74", "", True), ("2.75", 0, True)],
)
def test_flavor_detail(version, swap, description):
    with_specs = handler.is_supported(request(version), "2.61")
    body = flavors.detail(request(version), a_flavor(), extra_specs=with_specs)
    assert body["swap"] == swap
    assert ("description" in body) is description
    assert ("extra_specs" in body) is with_specs
    assert ("description" in flavors.basic(request(version), a_flavor())) is description


def test_keypair_type_from_2_2():
    keypair = KeyPair(name="k", user_id="u", public_key="pk", fingerprint="fp", type="x509", id=1)
    keypair.created_at = keypair.updated_at = None
    assert "type" not in keypairs.show(request("2.1"), keypair)
    assert keypairs.show(request("2.2"), keypair)["type"] == "x509"
    assert keypairs.create(request("2.2"), keypair, "secret")["private_key"] == "secret"


def _node_and_service(forced_down: bool = False):
    node = ComputeNode(
        id=7,
        uuid="8f2a5f1e-1c4e-4d43-a1f5-4a3e1d2b9c10",
        host="h1",
        hypervisor_hostname="h1",
        hypervisor_type="fake",
        hypervisor_version=1000,
        host_ip=None,
        cpu_info='{"arch": "x86_64"}',
        vcpus=8,
        memory_mb=1024,
        local_gb=10,
        vcpus_used=1,
        memory_mb_used=512,
        local_gb_used=1,
        free_ram_mb=512,
        free_disk_gb=9,
        running_vms=1,
        current_workload=0,
    )
    service = Service(
        id=3,
        uuid="0d2c5a8e-7e0b-4a53-8f7b-5c7d6f1e2a33",
        host="h1",
        binary="nova-compute",
        disabled=False,
        disabled_reason=None,
        forced_down=forced_down,
        last_seen_up=timeutils.utcnow().replace(tzinfo=None),
    )
    service.created_at = service.updated_at = None
    return node, service


def test_hypervisor_detail_per_version():
    node, service = _node_and_service()
    old = hypervisors.hypervisor(request("2.27"), node, service, detail=True)
    assert old["id"] == 7 and old["service"]["id"] == 3 and old["cpu_info"] == node.cpu_info
    assert hypervisors.hypervisor(request("2.28"), node, service, True)["cpu_info"] == {
        "arch": "x86_64"
    }
    new = hypervisors.hypervisor(request("2.53"), node, service, True)
    assert new["id"] == node.uuid and new["service"]["id"] == service.uuid
    latest = hypervisors.hypervisor(request("2.88"), node, service, True, uptime="up 1 day")
    assert "vcpus" not in latest and "cpu_info" not in latest and latest["uptime"] == "up 1 day"
    # Forced down means down; servers come when asked for (always from 2.75).
    node, down = _node_and_service(forced_down=True)
    assert hypervisors.hypervisor(request("2.1"), node, down)["state"] == "down"
    assert "servers" not in hypervisors.hypervisor(request("2.74"), node, down, with_servers=True)
    assert hypervisors.hypervisor(request("2.75"), node, down, with_servers=True)["servers"] == []


def test_statistics_sum_and_count():
    node, _ = _node_and_service()
    stats = hypervisors.statistics([node, node])
    assert stats["count"] == 2 and stats["vcpus"] == 16 and stats["disk_available_least"] == 18


def test_next_links_only_after_a_full_page():
    cfg.CONF.set_override("max_limit", 3, group="api")
    try:
        req = request("2.1", "/v2.1/flavors?limit=2&minRam=1")
        (link,) = pagination.next_links(req, "flavors", ["a", "b"])
        assert link == {
            "rel": "next",
            "href": "http://localhost/v2.1/flavors?limit=2&minRam=1&marker=b",
        }
        assert pagination.next_links(req, "flavors", ["a"]) == []
        # Without a limit a page is [api] max_limit long.
        assert pagination.next_links(request("2.1", "/v2.1/flavors"), "flavors", list("abc"))
        assert pagination.limit_and_marker(request("2.1", "/v2.1/x?limit=10")) == (3, None)
    finally:
        cfg.CONF.clear_override("max_limit", group="api")
    with pytest.raises(exception.InvalidRequest):
        pagination.limit_and_marker(request("2.1", "/v2.1/x?limit=-1"))


def test_changes_filters():
    req = request("2.66", "/v2.1/x?changes-since=2024-01-01T00:00:00Z")
    assert pagination.changes_filters(req) == {"changes-since": datetime.datetime(2024, 1, 1, 0, 0)}
    for query in (
        "changes-since=nope",
        "changes-since=2024-01-02T00:00:00Z&changes-before=2024-01-01T00:00:00Z",
    ):
        with pytest.raises(exception.InvalidRequest):
            pagination.changes_filters(request("2.66", f"/v2.1/x?{query}"))


def test_query_validation_messages():
    schema = {
        "type": "object",
        "properties": {"limit": validation.query_param(validation.non_negative_integer)},
        "additionalProperties": False,
    }
    validation.validate_query(schema, {"limit": ["3"]})
    with pytest.raises(exception.InvalidRequest, match="Invalid input for query parameters limit"):
        validation.validate_query(schema, {"limit": ["x"]})
    with pytest.raises(exception.InvalidRequest, match="Additional properties are not allowed"):
        validation.validate_query(schema, {"bogus": ["1"]})


def test_stacked_specs_pick_status_and_schema_by_version():
    @handler.handler(status=200, max_version="2.1")
    @handler.handler(status=201, min_version="2.2", query={"type": "object"})
    def create(req):
        return {"ok": True}

    assert [str(s.min_version) for s in create.specs] == ["2.2", "2.1"]
    old = handler.dispatch(request("2.1"), [create], {})
    new = handler.dispatch(request("2.2"), [create], {})
    assert (old.status_int, new.status_int) == (200, 201)
