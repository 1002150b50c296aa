"""GET /servers and /servers/detail: Nova's filters, sorting and paging, per microversion."""

from __future__ import annotations

import datetime
import urllib.parse

from oslo_utils import timeutils

from tests.functional.test_server_microversions import DEMO, active, boot, request

ADMIN = None  # the test client's default token: admin


def listed(cloud, query: str = "", version: str = "2.1", token=DEMO, detail: bool = False):
    path = "/v2.1/servers/detail" if detail else "/v2.1/servers"
    response = request(cloud, "GET", f"{path}?{query}", version, token=token)
    assert response.status_int == 200, response.text
    return sorted(s["name"] for s in response.json["servers"])


def status_of(cloud, query: str, version: str = "2.1", token=DEMO) -> tuple[int, str]:
    response = request(cloud, "GET", f"/v2.1/servers?{query}", version, token=token)
    if response.status_int == 200:
        return 200, ""
    return response.status_int, next(iter(response.json.values()))["message"]


def _three(cloud) -> dict:
    ids = {name: boot(cloud, name=name)["id"] for name in ("web-1", "web-2", "db-1")}
    for server_id in ids.values():
        active(cloud, server_id)
    return ids


def test_filters(cloud, flavor):
    ids = _three(cloud)
    assert listed(cloud, "name=^web") == ["web-1", "web-2"]
    assert listed(cloud, "name=b-") == ["db-1", "web-1", "web-2"]
    code, message = status_of(cloud, "name=[")
    assert code == 400 and message.startswith("Invalid input for query parameters name.")
    cloud.post(f"/v2.1/servers/{ids['db-1']}/action", {"os-stop": None}, token=DEMO)
    cloud.wait_for(
        f"/v2.1/servers/{ids['db-1']}", lambda r: r.json["server"]["status"] == "SHUTOFF"
    )
    assert listed(cloud, "status=SHUTOFF") == ["db-1"]
    assert listed(cloud, "status=active&status=shutoff") == ["db-1", "web-1", "web-2"]
    assert listed(cloud, "status=BOGUS") == []
    assert status_of(cloud, "status=BOGUS", "2.38") == (400, "Invalid status value")
    assert listed(cloud, "flavor=1") == ["db-1", "web-1", "web-2"]
    assert listed(cloud, "flavor=nope") == []
    image = request(cloud, "GET", f"/v2.1/servers/{ids['db-1']}", "2.1").json["server"]["image"]
    assert listed(cloud, f"image={image['id']}") == ["db-1", "web-1", "web-2"]
    # No server has an IP address without a network service.
    assert listed(cloud, "ip=10.0.0.1") == []
    assert listed(cloud, "ip6=fe80::1", "2.5") == []
    # host is for admins; other callers' unknown options are dropped.
    assert listed(cloud, "host=nowhere") == ["db-1", "web-1", "web-2"]
    assert listed(cloud, "host=nowhere&all_tenants=1", token=ADMIN) == []
    # 2.83 opened more filters to everyone; 2.90 hostname.
    assert listed(cloud, "vm_state=stopped") == ["db-1", "web-1", "web-2"]
    assert listed(cloud, "vm_state=stopped", "2.83") == ["db-1"]
    assert listed(cloud, "hostname=^web", "2.90") == ["web-1", "web-2"]
    # Filters on joined tables and private names are refused (for admins, who keep them).
    assert status_of(cloud, "metadata=x", token=ADMIN) == (400, "Invalid filter field: metadata.")
    assert status_of(cloud, "_private=x", token=ADMIN)[0] == 400
    # From 2.75 unknown parameters are refused.
    assert listed(cloud, "bogus=1", "2.74") == ["db-1", "web-1", "web-2"]
    assert status_of(cloud, "bogus=1", "2.75")[0] == 400


def test_locked_filter(cloud, flavor):
    ids = _three(cloud)
    cloud.post(f"/v2.1/servers/{ids['web-1']}/action", {"lock": None}, token=DEMO)
    assert listed(cloud, "locked=true", "2.73") == ["web-1"]
    assert listed(cloud, "locked=false", "2.73") == ["db-1", "web-2"]
    assert listed(cloud, "locked=true", "2.72") == ["db-1", "web-1", "web-2"]
    assert status_of(cloud, "locked=maybe", "2.73")[0] == 400


def test_changes_since_and_before(cloud, flavor):
    ids = _three(cloud)
    start = timeutils.utcnow() - datetime.timedelta(minutes=1)
    later = timeutils.utcnow() + datetime.timedelta(minutes=1)
    since = urllib.parse.quote(start.isoformat() + "Z")
    before = urllib.parse.quote(later.isoformat() + "Z")
    assert cloud.delete(f"/v2.1/servers/{ids['db-1']}", token=DEMO).status_int == 204
    cloud.wait_for(f"/v2.1/servers/{ids['db-1']}", lambda r: r.status_int == 404)
    # changes-since lists deleted servers too.
    assert listed(cloud, f"changes-since={since}") == ["db-1", "web-1", "web-2"]
    deleted = request(cloud, "GET", f"/v2.1/servers/detail?changes-since={since}", "2.1")
    statuses = {s["name"]: s["status"] for s in deleted.json["servers"]}
    assert statuses["db-1"] == "DELETED"
    assert listed(cloud, f"changes-since={before}") == []
    assert listed(cloud, f"changes-before={since}", "2.66") == []
    assert listed(cloud, f"changes-before={before}", "2.66") == ["db-1", "web-1", "web-2"]
    # Before 2.66 changes-before is an unknown option.
    assert listed(cloud, f"changes-before={since}", "2.65") == ["web-1", "web-2"]
    code, message = status_of(cloud, f"changes-since={before}&changes-before={since}", "2.66")
    assert (code, message) == (
        400,
        "The value of changes-since must be less than or equal to changes-before.",
    )
    assert status_of(cloud, "changes-since=yesterday")[0] == 400


def test_all_tenants(cloud, flavor):
    _three(cloud)
    boot(cloud, name="admins", token=ADMIN)
    assert listed(cloud, "", token=ADMIN) == ["admins"]
    assert listed(cloud, "all_tenants=1", token=ADMIN) == ["admins", "db-1", "web-1", "web-2"]
    assert listed(cloud, "all_tenants", token=ADMIN, detail=True) == [
        "admins",
        "db-1",
        "web-1",
        "web-2",
    ]
    assert listed(cloud, "all_tenants=1&project_id=demo", token=ADMIN) == ["db-1", "web-1", "web-2"]
    assert listed(cloud, "all_tenants=1&tenant_id=admin", token=ADMIN) == ["admins"]
    assert listed(cloud, "all_tenants=0", token=ADMIN) == ["admins"]
    assert status_of(cloud, "all_tenants=1")[0] == 403
    assert status_of(cloud, "all_tenants=maybe", token=ADMIN)[0] == 400
    # A non-admin's project_id is always their own.
    assert listed(cloud, "project_id=admin") == ["db-1", "web-1", "web-2"]


def test_sorting(cloud, flavor):
    _three(cloud)
    assert listed(cloud, "sort_key=display_name&sort_dir=asc") == ["db-1", "web-1", "web-2"]
    names = request(cloud, "GET", "/v2.1/servers?sort_key=display_name&sort_dir=asc", "2.1")
    assert [s["name"] for s in names.json["servers"]] == ["db-1", "web-1", "web-2"]
    default = request(cloud, "GET", "/v2.1/servers?sort_key=display_name", "2.1")
    assert [s["name"] for s in default.json["servers"]] == ["web-2", "web-1", "db-1"]
    assert status_of(cloud, "sort_key=bogus")[0] == 400
    assert status_of(cloud, "sort_key=display_name&sort_dir=sideways")[0] == 400
    # Keys Nova ignores before 2.75 and refuses from 2.75.
    assert status_of(cloud, "sort_key=vcpus", "2.74")[0] == 200
    assert status_of(cloud, "sort_key=vcpus", "2.75")[0] == 400
    assert status_of(cloud, "sort_key=locked", "2.73")[0] == 200
    assert status_of(cloud, "sort_key=host") == (
        403,
        "Only administrators can sort servers by host",
    )
    assert status_of(cloud, "sort_key=host", token=ADMIN)[0] == 200


def test_paging(cloud, flavor):
    boot(cloud, name="page", max_count=5)
    cloud.wait_for(
        "/v2.1/servers/detail?all_tenants=1&status=ACTIVE",
        lambda r: len(r.json["servers"]) == 5,
        timeout=20,
    )
    seen, path = [], "/v2.1/servers/detail?limit=2&sort_key=display_name&sort_dir=asc"
    while path:
        body = request(cloud, "GET", path, "2.1").json
        seen += [s["name"] for s in body["servers"]]
        links = body.get("servers_links", [])
        assert len(body["servers"]) == 2 or not links
        path = links[0]["href"].removeprefix("http://localhost") if links else None
        if path:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
            assert urllib.parse.urlsplit(path).path == "/v2.1/servers/detail"
            assert query["limit"] == ["2"] and query["marker"]
    assert seen == [f"page-{i}" for i in range(1, 6)]
    assert status_of(cloud, "limit=-1")[0] == 400
    assert status_of(cloud, "limit=x")[0] == 400
    assert status_of(cloud, "marker=nope") == (400, "marker [nope] not found")
    assert listed(cloud, "limit=0") == []
