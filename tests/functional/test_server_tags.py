"""/servers/{id}/tags (2.26) as Nova answers, and the tag filters of GET /servers."""

from __future__ import annotations

from sqlalchemy import func, select

from nova_lite.db import models
from tests.functional.test_server_microversions import DEMO, active, boot, request, show

V = "2.26"


def tags_path(server_id: str, tag: str | None = None) -> str:
    path = f"/v2.1/servers/{server_id}/tags"
    return path if tag is None else f"{path}/{tag}"


def call(cloud, method: str, path: str, body=None, version: str = V, token: str = DEMO):
    return request(cloud, method, path, version, body, token)


def tag_rows(db, server_id: str) -> int:
    with db.get_engine().connect() as connection:
        return connection.execute(
            select(func.count()).select_from(models.Tag).where(models.Tag.resource_id == server_id)
        ).scalar()


def test_tags_lifecycle(cloud, flavor, db):
    server_id = boot(cloud)["id"]
    active(cloud, server_id)
    assert call(cloud, "GET", tags_path(server_id)).json == {"tags": []}
    added = call(cloud, "PUT", tags_path(server_id, "blue"))
    assert added.status_int == 201
    assert added.location.endswith(f"/v2.1/servers/{server_id}/tags/blue")
    assert added.body == b""
    assert call(cloud, "PUT", tags_path(server_id, "blue")).status_int == 204
    assert call(cloud, "GET", tags_path(server_id, "blue")).status_int == 204
    missing = call(cloud, "GET", tags_path(server_id, "red"))
    assert missing.status_int == 404
    assert missing.json["itemNotFound"]["message"] == f"Server {server_id} has no tag 'red'"
    replaced = call(cloud, "PUT", tags_path(server_id), {"tags": ["b", "a", "b"]})
    assert (replaced.status_int, replaced.json) == (200, {"tags": ["a", "b"]})
    assert show(cloud, server_id, V)["tags"] == ["a", "b"]
    assert call(cloud, "DELETE", tags_path(server_id, "a")).status_int == 204
    gone = call(cloud, "DELETE", tags_path(server_id, "a"))
    assert gone.status_int == 404
    assert gone.json["itemNotFound"]["message"] == f"Instance {server_id} has no tag 'a'"
    assert call(cloud, "DELETE", tags_path(server_id)).status_int == 204
    assert call(cloud, "GET", tags_path(server_id)).json == {"tags": []}
    call(cloud, "PUT", tags_path(server_id, "kept"))
    assert cloud.delete(f"/v2.1/servers/{server_id}").status_int == 204
    cloud.wait_for(f"/v2.1/servers/{server_id}", lambda r: r.status_int == 404)
    assert tag_rows(db, server_id) == 0


def test_tag_limits_and_validation(cloud, flavor):
    server_id = boot(cloud)["id"]
    active(cloud, server_id)
    too_long = call(cloud, "PUT", tags_path(server_id, "x" * 61))
    assert too_long.status_int == 400
    assert too_long.json["badRequest"]["message"].startswith(
        f"Tag '{'x' * 61}' is invalid. It must be a non empty string without characters '/' "
        "and ','."
    )
    assert call(cloud, "PUT", tags_path(server_id, "a,b")).status_int == 400
    assert call(cloud, "PUT", tags_path(server_id), {"tags": ["a/b"]}).status_int == 400
    assert call(cloud, "PUT", tags_path(server_id), {"tags": ["x" * 61]}).status_int == 400
    fifty = [f"t{i}" for i in range(50)]
    assert (
        call(cloud, "PUT", tags_path(server_id), {"tags": fifty + ["one-more"]}).status_int == 400
    )
    assert call(cloud, "PUT", tags_path(server_id), {"tags": fifty}).status_int == 200
    full = call(cloud, "PUT", tags_path(server_id, "one-more"))
    assert full.status_int == 400
    assert (
        full.json["badRequest"]["message"] == "The number of tags exceeded the per-server limit 50"
    )
    assert call(cloud, "PUT", tags_path(server_id), {"tags": "a"}).status_int == 400
    assert call(cloud, "PUT", tags_path(server_id), {}).status_int == 400
    assert call(cloud, "PUT", tags_path(server_id, "z"), {"x": 1}).status_int == 400


def test_tags_versions_policy_and_state(cloud, flavor):
    server_id = boot(cloud)["id"]
    active(cloud, server_id)
    assert call(cloud, "GET", tags_path(server_id), version="2.25").status_int == 404
    assert call(cloud, "PUT", tags_path(server_id, "a"), version="2.25").status_int == 404
    # Another project's server: 403 (Nova checks the policy against the server's project).
    assert call(cloud, "GET", tags_path(server_id), token="other:other").status_int == 403
    assert call(cloud, "PUT", tags_path(server_id, "a"), token="other:other").status_int == 403
    assert call(cloud, "GET", tags_path(server_id), token=None).status_int == 200
    unknown = call(cloud, "GET", tags_path("2b9d3f4e-91a4-4f2c-9c5d-3c1f0f0e9a11"))
    assert unknown.status_int == 404
    # Tags change only while the server is active, paused, suspended or stopped.
    cloud.post(f"/v2.1/servers/{server_id}/action", {"os-resetState": {"state": "error"}})
    conflict = call(cloud, "PUT", tags_path(server_id, "a"))
    assert conflict.status_int == 409
    assert conflict.json["conflictingRequest"]["message"] == (
        f"Cannot 'update tag' instance {server_id} while it is in vm_state error"
    )
    assert call(cloud, "DELETE", tags_path(server_id)).status_int == 409
    assert call(cloud, "GET", tags_path(server_id)).status_int == 200


def test_tag_filters(cloud, flavor):
    servers = {}
    for name, tags in (("ab", ["a", "b"]), ("a", ["a"]), ("c", ["c"]), ("none", [])):
        servers[name] = boot(cloud, "2.52", name=name, networks="none", tags=tags)["id"]

    def names(query: str, version: str = "2.26") -> list[str]:
        response = call(cloud, "GET", f"/v2.1/servers?{query}", version=version)
        assert response.status_int == 200, response.text
        return sorted(s["name"] for s in response.json["servers"])

    assert names("tags=a") == ["a", "ab"]
    assert names("tags=a,b") == ["ab"]
    assert names("tags-any=b,c") == ["ab", "c"]
    assert names("not-tags=a,b") == ["a", "c", "none"]
    assert names("not-tags-any=a,c") == ["none"]
    assert names("tags=a&not-tags=b") == ["a"]
    # Before 2.26 the filters are unknown options: ignored (and refused from 2.75).
    assert names("tags=c", version="2.25") == ["a", "ab", "c", "none"]
