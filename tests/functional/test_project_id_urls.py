"""/v2.1/{project_id}/... URLs: Nova's compatibility path, checked against the caller's project."""

from __future__ import annotations

from tests.functional.test_servers import boot, wait_status

PROJECT = "6f70656e737461636b20342065766572"
OTHER = "0123456789abcdef0123456789abcdef"
TOKEN = f"demo:{PROJECT}"


def test_every_url_answers_under_the_callers_project_id(cloud, flavor):
    server = boot(cloud, token=TOKEN)["server"]
    wait_status(cloud, server["id"], "ACTIVE")
    shown = cloud.get(f"/v2.1/servers/{server['id']}", token=TOKEN).json["server"]
    assert all(PROJECT not in link["href"] for link in shown["links"])
    plain = cloud.get("/v2.1/servers/detail", token=TOKEN).json
    prefixed = cloud.get(f"/v2.1/{PROJECT}/servers/detail", token=TOKEN)
    assert prefixed.status_int == 200, prefixed.text
    assert [s["id"] for s in prefixed.json["servers"]] == [s["id"] for s in plain["servers"]]
    shown = cloud.get(f"/v2.1/{PROJECT}/servers/{server['id']}", token=TOKEN).json["server"]
    assert {link["href"] for link in shown["links"]} == {
        f"http://localhost/v2.1/{PROJECT}/servers/{server['id']}",
        f"http://localhost/{PROJECT}/servers/{server['id']}",
    }
    stopped = cloud.post(
        f"/v2.1/{PROJECT}/servers/{server['id']}/action", {"os-stop": None}, token=TOKEN
    )
    assert stopped.status_int == 202, stopped.text
    wait_status(cloud, server["id"], "SHUTOFF")
    version = cloud.get(f"/v2.1/{PROJECT}/", token=TOKEN)
    assert version.json["version"]["id"] == "v2.1"
    created = cloud.post(
        f"/v2.1/{PROJECT}/os-keypairs", {"keypair": {"name": "via-project"}}, token=TOKEN
    )
    assert created.status_int == 200, created.text


def test_another_projects_id_is_400_as_nova(cloud, flavor):
    before = cloud.get("/v2.1/servers/detail?all_tenants=1").json
    for token, project in ((TOKEN, PROJECT), ("admin:admin", "admin")):
        response = cloud.post(
            f"/v2.1/{OTHER}/servers",
            {"server": {"name": "vm", "flavorRef": flavor["id"], "imageRef": "x"}},
            token=token,
        )
        assert response.json == {
            "badRequest": {
                "code": 400,
                "message": f"Malformed request URL: URL's project_id '{OTHER}' doesn't match "
                f"Context's project_id '{project}'",
            }
        }
    assert cloud.get("/v2.1/servers/detail?all_tenants=1").json == before


def test_a_segment_that_is_not_a_project_id_is_404(cloud):
    """As Nova's mapper, only hexadecimal digits and dashes are taken for a project id."""
    response = cloud.get("/v2.1/demo/servers", token="demo:demo")
    assert response.status_int == 404
    assert response.json["itemNotFound"]["code"] == 404


def test_the_project_id_path_needs_a_token(cloud):
    assert cloud.get(f"/v2.1/{PROJECT}", token="").status_int == 401
    assert cloud.get(f"/v2.1/{PROJECT}/openapi.json", token="").status_int == 401
