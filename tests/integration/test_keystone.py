"""nova-lite behind real Keystone (keystonemiddleware), with Glance found through the
caller's service catalog and authenticating with the caller's token (and the service
token of user ``nova``: the launcher writes [service_user] in Keystone mode)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests import openstack_services
from tests.integration import conftest
from tests.integration import deployment as dep_mod

FLAVOR = "ks.small"


@dataclass
class KeystoneCloud:
    keystone: openstack_services.Keystone
    glance: openstack_services.Glance
    deployment: dep_mod.Deployment
    image: dict  # public, active

    def client(self, user: str) -> dep_mod.ApiClient:
        """A Compute API client with a Keystone token of ``user`` (project scoped)."""
        return dep_mod.ApiClient(self.deployment.api_url, token=self.keystone.token(user))


@contextlib.contextmanager
def keystone_cloud(
    name: str, extra_config: dict[str, dict[str, Any]] | None = None, **kwargs: Any
) -> Iterator[KeystoneCloud]:
    """Keystone, Glance (keystone auth, a public image) and a deployment named ``name``
    (``Deployment`` keyword arguments; auth_strategy keystone as user ``nova``, no
    [glance] endpoint_override) with the flavor FLAVOR; all stopped after."""
    services: list = []
    deployment = None
    try:
        keystone = openstack_services.Keystone().start()
        services.append(keystone)
        glance = openstack_services.Glance(keystone).start()
        services.append(glance)
        keystone.register_service("image", glance.url)
        image = glance.create_image(visibility="public")
        authtoken = keystone.authtoken_options("nova")
        extra_config = dict(extra_config or {})
        extra_config["*"] = {
            "api.auth_strategy": "keystone",
            **{f"keystone_authtoken.{key}": value for key, value in authtoken.items()},
            **extra_config.get("*", {}),
        }
        deployment = conftest.start_deployment(
            name,
            image_from_catalog=True,
            admin_token=keystone.token("admin"),
            extra_config=extra_config,
            **kwargs,
        )
        keystone.register_service("compute", f"{deployment.api_url}/v2.1")
        deployment.api.create_flavor(FLAVOR, ram=512, vcpus=1, disk=1)
        yield KeystoneCloud(keystone, glance, deployment, image)
    finally:
        if deployment is not None:
            deployment.stop()
        for service in reversed(services):
            service.stop()


@pytest.fixture(scope="module")
def cloud(infrastructure) -> Iterator[KeystoneCloud]:
    """Keystone, Glance and api + conductor + scheduler + compute1."""
    with keystone_cloud("keystone", computes=1) as started:
        yield started


def _boot(client: dep_mod.ApiClient, image_id: str, name: str = "vm"):
    server = {"name": name, "flavorRef": FLAVOR, "imageRef": image_id}
    return client.post("/servers", json={"server": server})


def _anonymous(cloud) -> dep_mod.ApiClient:
    client = dep_mod.ApiClient(cloud.deployment.api_url)
    del client.session.headers["X-Auth-Token"]
    return client


def test_no_token_or_a_bad_token_is_401(cloud):
    for token in (None, "not-a-token"):
        headers = {} if token is None else {"X-Auth-Token": token}
        response = _anonymous(cloud).get("/servers", headers=headers)
        assert response.status_code == 401, response.text
        # keystonemiddleware's answer, as real Nova's
        assert response.json() == {
            "error": {
                "code": 401,
                "title": "Unauthorized",
                "message": "The request you have made requires authentication.",
            }
        }
        assert response.headers["WWW-Authenticate"] == (f'Keystone uri="{cloud.keystone.auth_url}"')


def test_versions_need_no_token(cloud):
    response = _anonymous(cloud).get(f"{cloud.deployment.api_url}/v2.1")
    assert response.status_code == 200, response.text
    assert response.json()["version"]["id"] == "v2.1"


def test_roles_projects_and_images_through_the_catalog(cloud):
    member, reader, other = (cloud.client(user) for user in ("member", "reader", "other"))
    admin = cloud.deployment.api

    forbidden = _boot(reader, cloud.image["id"])
    assert forbidden.status_code == 403, forbidden.text
    assert forbidden.json()["forbidden"]["message"] == (
        "Policy doesn't allow os_compute_api:servers:create to be performed."
    )
    assert reader.get("/servers").json() == {"servers": []}

    # The image is looked up in Glance with the member's token: another project's
    # private image is as missing as one that does not exist.
    private = cloud.glance.create_image(token=cloud.keystone.token("other"))
    for image_id in (str(uuid.uuid4()), private["id"]):
        missing = _boot(member, image_id)
        assert missing.status_code == 400, missing.text
        assert missing.json()["badRequest"]["message"] == "Can not find requested image"

    created = _boot(member, cloud.image["id"])
    assert created.status_code == 202, created.text
    server_id = created.json()["server"]["id"]
    server = member.wait_servers(
        lambda servers: servers and servers[0]["status"] == "ACTIVE", timeout=60
    )[0]
    assert server["id"] == server_id
    assert server["image"]["id"] == cloud.image["id"]
    assert server["tenant_id"] == cloud.keystone.project_id("demo")

    assert [s["id"] for s in reader.servers()] == [server_id]
    assert other.get(f"/servers/{server_id}").status_code == 404
    assert other.servers() == []
    assert admin.servers() == []  # the admin project has none
    assert [s["id"] for s in admin.servers(all_tenants=1)] == [server_id]
    assert other.get("/servers/detail", params={"all_tenants": 1}).status_code == 403

    deleted = member.delete(f"/servers/{server_id}")
    assert deleted.status_code == 204, deleted.text
    member.wait_servers(lambda servers: not servers, timeout=60)
