"""/servers/{id}/metadata and /servers/{id}/metadata/{key}, as Nova answers at 2.1."""

from __future__ import annotations

import contextlib

import pytest
from oslo_policy import policy as oslo_policy

from nova_lite.api import policy
from tests.functional.test_servers import boot, wait_status

DEMO = "demo:demo"
OTHER = "other:other"


@contextlib.contextmanager
def override_policy(**rules: str):
    """Replace policy rules for the duration (e.g. a member who is only a reader)."""
    enforcer = policy.get_enforcer()
    enforcer.load_rules()
    saved = {name: enforcer.rules.get(name) for name in rules}
    enforcer.rules.update(oslo_policy.Rules.from_dict(rules))
    try:
        yield
    finally:
        for name, check in saved.items():
            if check is None:
                del enforcer.rules[name]
            else:
                enforcer.rules[name] = check


def meta_url(server_id: str, key: str | None = None) -> str:
    url = f"/v2.1/servers/{server_id}/metadata"
    return url if key is None else f"{url}/{key}"


def put(cloud, path: str, body, token: str | None = None):
    return cloud.request("PUT", path, body, token=token)


@pytest.fixture
def server(cloud, flavor) -> str:
    server_id = boot(cloud, token=DEMO, metadata={"a": "1", "b": "2"})["server"]["id"]
    wait_status(cloud, server_id, "ACTIVE")
    return server_id


def stored(cloud, server_id: str) -> dict:
    return cloud.get(f"/v2.1/servers/{server_id}").json["server"]["metadata"]


def test_index_and_show(cloud, server):
    response = cloud.get(meta_url(server), token=DEMO)
    assert response.status_int == 200
    assert response.json == {"metadata": {"a": "1", "b": "2"}}
    response = cloud.get(meta_url(server, "a"), token=DEMO)
    assert response.status_int == 200
    assert response.json == {"meta": {"a": "1"}}
    missing = cloud.get(meta_url(server, "nope"), token=DEMO)
    assert missing.status_int == 404
    assert missing.json == {"itemNotFound": {"code": 404, "message": "Metadata item was not found"}}


def test_post_merges(cloud, server):
    response = cloud.post(meta_url(server), {"metadata": {"b": "20", "c": "3"}}, token=DEMO)
    assert response.status_int == 200
    assert response.json == {"metadata": {"a": "1", "b": "20", "c": "3"}}
    assert stored(cloud, server) == {"a": "1", "b": "20", "c": "3"}


def test_put_replaces_all(cloud, server):
    response = put(cloud, meta_url(server), {"metadata": {"z": "26"}}, token=DEMO)
    assert response.status_int == 200
    assert response.json == {"metadata": {"z": "26"}}
    assert stored(cloud, server) == {"z": "26"}
    response = put(cloud, meta_url(server), {"metadata": {}}, token=DEMO)
    assert response.status_int == 200 and response.json == {"metadata": {}}
    assert stored(cloud, server) == {}


def test_put_one_item(cloud, server):
    response = put(cloud, meta_url(server, "a"), {"meta": {"a": "10"}}, token=DEMO)
    assert response.status_int == 200
    assert response.json == {"meta": {"a": "10"}}
    response = put(cloud, meta_url(server, "new key"), {"meta": {"new key": "x"}}, token=DEMO)
    assert response.status_int == 200
    assert stored(cloud, server) == {"a": "10", "b": "2", "new key": "x"}


def test_put_one_item_uri_mismatch(cloud, server):
    response = put(cloud, meta_url(server, "a"), {"meta": {"b": "9"}}, token=DEMO)
    assert response.status_int == 400
    assert response.json == {
        "badRequest": {"code": 400, "message": "Request body and URI mismatch"}
    }
    assert stored(cloud, server) == {"a": "1", "b": "2"}


def test_delete_item(cloud, server):
    response = cloud.delete(meta_url(server, "a"), token=DEMO)
    assert response.status_int == 204 and response.body == b""
    assert stored(cloud, server) == {"b": "2"}
    again = cloud.delete(meta_url(server, "a"), token=DEMO)
    assert again.status_int == 404
    assert again.json["itemNotFound"]["message"] == "Metadata item was not found"


BAD_BODIES = [
    ("POST", None, {"metadata": "flat"}, "metadata"),
    ("POST", None, {"metadata": {"a": 1}}, "metadata/a"),
    ("POST", None, {"metadata": {"a": "x" * 256}}, "metadata/a"),
    ("POST", None, {"metadata": {"bad/key": "v"}}, "metadata"),
    ("POST", None, {"metadata": {"": "v"}}, "metadata"),
    ("POST", None, {"meta": {"a": "1"}}, "metadata"),
    ("POST", None, {"metadata": {}, "extra": 1}, "body"),
    ("PUT", None, {"metadata": ["a"]}, "metadata"),
    ("PUT", None, {}, "metadata"),
    ("PUT", "a", {"meta": {"a": None}}, "meta/a"),
    ("PUT", "a", {"metadata": {"a": "1"}}, "meta"),
    ("PUT", "a", {"meta": {"a": "x" * 256}}, "meta/a"),
    ("PUT", "a", {"meta": {"a": "1", "b": "2"}}, "meta"),  # exactly one item
    ("PUT", "a", {"meta": {}}, "meta"),
]


def test_bad_bodies_are_400_naming_the_field_and_change_nothing(cloud, server):
    for method, key, body, field in BAD_BODIES:
        response = cloud.request(method, meta_url(server, key), body, token=DEMO)
        assert response.status_int == 400, (body, response.text)
        message = response.json["badRequest"]["message"]
        assert f"field/attribute {field}." in message, (body, message)
    malformed = cloud.request("POST", meta_url(server), raw=b"{nope", token=DEMO)
    assert malformed.status_int == 400
    assert stored(cloud, server) == {"a": "1", "b": "2"}


def test_another_projects_server_is_404(cloud, server):
    for method, key, body in (
        ("GET", None, None),
        ("POST", None, {"metadata": {"x": "1"}}),
        ("PUT", None, {"metadata": {"x": "1"}}),
        ("GET", "a", None),
        ("PUT", "a", {"meta": {"a": "x"}}),
        ("DELETE", "a", None),
    ):
        response = cloud.request(method, meta_url(server, key), body, token=OTHER)
        assert response.status_int == 404, (method, key)
        message = response.json["itemNotFound"]["message"]
        assert message == f"Instance {server} could not be found."
    assert stored(cloud, server) == {"a": "1", "b": "2"}


def test_admin_may_change_any_projects_metadata(cloud, server):
    assert cloud.post(meta_url(server), {"metadata": {"by": "admin"}}).status_int == 200
    assert stored(cloud, server) == {"a": "1", "b": "2", "by": "admin"}


def test_unknown_server_is_404(cloud, flavor):
    missing = "00000000-0000-0000-0000-000000000000"
    assert cloud.get(meta_url(missing)).status_int == 404
    assert put(cloud, meta_url(missing, "a"), {"meta": {"a": "1"}}).status_int == 404


def test_reader_may_read_but_not_write(cloud, server):
    with override_policy(project_member_api="!"):
        assert cloud.get(meta_url(server), token=DEMO).status_int == 200
        assert cloud.get(meta_url(server, "a"), token=DEMO).status_int == 200
        for method, key, body, rule in (
            ("POST", None, {"metadata": {"x": "1"}}, "create"),
            ("PUT", None, {"metadata": {"x": "1"}}, "update_all"),
            ("PUT", "a", {"meta": {"a": "x"}}, "update"),
            ("DELETE", "a", None, "delete"),
        ):
            response = cloud.request(method, meta_url(server, key), body, token=DEMO)
            assert response.status_int == 403, (method, key)
            assert response.json["forbidden"]["message"] == (
                f"Policy doesn't allow os_compute_api:server-metadata:{rule} to be performed."
            )
    assert stored(cloud, server) == {"a": "1", "b": "2"}


def test_locked_server_refuses_owner_but_not_admin(cloud, server):
    lock = cloud.post(f"/v2.1/servers/{server}/action", {"lock": None}, token=DEMO)
    assert lock.status_int == 202
    for method, key, body in (
        ("POST", None, {"metadata": {"x": "1"}}),
        ("PUT", None, {"metadata": {"x": "1"}}),
        ("PUT", "a", {"meta": {"a": "x"}}),
        ("DELETE", "a", None),
    ):
        response = cloud.request(method, meta_url(server, key), body, token=DEMO)
        assert response.status_int == 409, (method, key)
        assert response.json == {
            "conflictingRequest": {"code": 409, "message": f"Instance {server} is locked"}
        }
    assert cloud.get(meta_url(server), token=DEMO).status_int == 200
    assert stored(cloud, server) == {"a": "1", "b": "2"}
    assert put(cloud, meta_url(server, "a"), {"meta": {"a": "admin"}}).status_int == 200
    assert stored(cloud, server) == {"a": "admin", "b": "2"}


def test_wrong_state_is_409_as_nova_words_it(cloud, server):
    reset = cloud.post(f"/v2.1/servers/{server}/action", {"os-resetState": {"state": "error"}})
    assert reset.status_int == 202
    response = cloud.post(meta_url(server), {"metadata": {"x": "1"}}, token=DEMO)
    assert response.status_int == 409
    assert response.json["conflictingRequest"]["message"] == (
        f"Cannot 'update metadata' instance {server} while it is in vm_state error"
    )
    response = cloud.delete(meta_url(server, "a"), token=DEMO)
    assert response.status_int == 409
    assert response.json["conflictingRequest"]["message"] == (
        f"Cannot 'delete metadata' instance {server} while it is in vm_state error"
    )
    assert stored(cloud, server) == {"a": "1", "b": "2"}
