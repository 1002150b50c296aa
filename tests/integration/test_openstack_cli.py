"""Issue 3's acceptance scenario: the real ``openstack`` CLI (python-openstackclient),
openstacksdk and python-novaclient against nova-lite behind a real Keystone, with
images in a real Glance, the daemons as separate processes on RabbitMQ and MariaDB.

The CLI runs as a subprocess per command with ``OS_*`` variables, as a user would
run it, and negotiates its microversion (no ``--os-compute-api-version``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openstack
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from novaclient import client as nova_client
from novaclient import exceptions as nova_exceptions

from tests import openstack_services
from tests.integration import conftest
from tests.integration import deployment as dep_mod

OPENSTACK = Path(sys.executable).parent / "openstack"
IMAGE_NAME = "cli-raw"
FLAVOR_NAME = "cli.tiny"
# Nova's defaults (the deployment launcher lifts instances, cores and RAM otherwise).
QUOTA_DEFAULTS = {"instances": 10, "cores": 20, "ram": 51200}
QUOTA_EXCEEDED = "Quota exceeded for instances: Requested 1, but already used 1 of 1 instances"
CREATE_FORBIDDEN = "Policy doesn't allow os_compute_api:servers:create to be performed."


class CliError(AssertionError):
    """An ``openstack`` command did not end as expected."""


@dataclass
class Cli:
    """The ``openstack`` command as one Keystone user (project scoped)."""

    keystone: openstack_services.Keystone
    user: str = "admin"

    def env(self) -> dict[str, str]:
        project = "admin" if self.user == "admin" else openstack_services.USERS[self.user][0]
        password = (
            openstack_services.ADMIN_PASSWORD
            if self.user == "admin"
            else openstack_services.PASSWORD
        )
        env = {key: value for key, value in os.environ.items() if not key.startswith("OS_")}
        env.update(
            OS_AUTH_URL=self.keystone.auth_url,
            OS_USERNAME=self.user,
            OS_PASSWORD=password,
            OS_PROJECT_NAME=project,
            OS_USER_DOMAIN_NAME=openstack_services.DOMAIN,
            OS_PROJECT_DOMAIN_NAME=openstack_services.DOMAIN,
            OS_IDENTITY_API_VERSION="3",
            OS_REGION_NAME=openstack_services.REGION,
        )
        return env

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        """Run ``openstack ARGS``; with ``ok`` it must succeed, otherwise fail."""
        result = subprocess.run(
            [str(OPENSTACK), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=180,
        )
        if (result.returncode == 0) != ok:
            raise CliError(
                f"openstack {' '.join(args)} as {self.user}: exit {result.returncode}, "
                f"expected {'success' if ok else 'failure'}\n"
                f"stdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-4000:]}"
            )
        return result

    def json(self, *args: str) -> Any:
        """Run ``openstack ARGS -f json`` and decode its output."""
        return json.loads(self.run(*args, "-f", "json").stdout)

    def fails(self, *args: str) -> str:
        """Run a command that must fail; its output (stdout and stderr)."""
        result = self.run(*args, ok=False)
        return result.stdout + result.stderr


@dataclass
class CliCloud:
    keystone: openstack_services.Keystone
    glance: openstack_services.Glance
    deployment: dep_mod.Deployment

    def cli(self, user: str = "admin") -> Cli:
        return Cli(self.keystone, user)

    def password_auth(self, user: str = "admin") -> dict[str, str]:
        """Keyword arguments of keystoneauth's password plugin for ``user``."""
        env = self.cli(user).env()
        return {
            "auth_url": env["OS_AUTH_URL"],
            "username": env["OS_USERNAME"],
            "password": env["OS_PASSWORD"],
            "project_name": env["OS_PROJECT_NAME"],
            "user_domain_name": env["OS_USER_DOMAIN_NAME"],
            "project_domain_name": env["OS_PROJECT_DOMAIN_NAME"],
        }


@pytest.fixture(scope="module")
def cloud(infrastructure) -> Iterator[CliCloud]:
    """Keystone, Glance (keystone auth) and api + conductor + scheduler + compute1 +
    compute2 (auth_strategy keystone, Glance found in the catalog, Nova's default
    quotas), with compute and image in Keystone's catalog."""
    services: list = []
    deployment = None
    try:
        keystone = openstack_services.Keystone().start()
        services.append(keystone)
        glance = openstack_services.Glance(keystone).start()
        services.append(glance)
        keystone.register_service("image", glance.url)
        authtoken = keystone.authtoken_options("nova")
        deployment = conftest.start_deployment(
            "openstack-cli",
            computes=2,
            image_from_catalog=True,
            admin_token=keystone.token("admin"),
            extra_config={
                "*": {
                    "api.auth_strategy": "keystone",
                    **{f"keystone_authtoken.{key}": value for key, value in authtoken.items()},
                    **{f"quota.{key}": value for key, value in QUOTA_DEFAULTS.items()},
                }
            },
        )
        conftest._running.append(deployment)
        keystone.register_service("compute", f"{deployment.api_url}/v2.1")
        yield CliCloud(keystone, glance, deployment)
    finally:
        if deployment is not None:
            if deployment in conftest._running:
                conftest._running.remove(deployment)
            deployment.stop()
        for service in reversed(services):
            service.stop()


@pytest.fixture(scope="module")
def admin(cloud) -> Cli:
    return cloud.cli("admin")


@pytest.fixture(scope="module")
def image(cloud, admin, tmp_path_factory) -> dict:
    """A public raw image uploaded with ``openstack image create``."""
    data = tmp_path_factory.mktemp("image") / "disk.raw"
    data.write_bytes(os.urandom(4096))
    image = admin.json(
        "image", "create", IMAGE_NAME, "--file", str(data),
        "--disk-format", "raw", "--container-format", "bare", "--public",
    )  # fmt: skip
    assert _subset(image, "name", "status", "visibility", "size") == {
        "name": IMAGE_NAME,
        "status": "active",
        "visibility": "public",
        "size": 4096,
    }
    return image


@pytest.fixture(scope="module")
def flavor(admin) -> dict:
    """The flavor the servers boot with (1 vCPU, 512 MB, 1 GB)."""
    return admin.json(
        "flavor", "create", FLAVOR_NAME, "--ram", "512", "--vcpus", "1", "--disk", "1"
    )


@pytest.fixture(scope="module")
def admin_identity(admin) -> dict[str, str]:
    """``openstack token issue`` of the admin: its user_id and project_id."""
    return admin.json("token", "issue")


def _public_key() -> str:
    """A new ed25519 public key in OpenSSH format."""
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


def _fingerprint(public_key: str) -> str:
    """Nova's fingerprint of an SSH public key: MD5 of the key blob, colon separated."""
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _names(rows: list[dict], column: str = "Name") -> list[str]:
    return [row[column] for row in rows]


def _subset(record: dict, *keys: str) -> dict:
    return {key: record[key] for key in keys}


# -- images, flavors, keypairs ----------------------------------------------------------


def test_image_create_and_list(admin, image):
    images = admin.json("image", "list")
    assert {"ID": image["id"], "Name": IMAGE_NAME, "Status": "active"} in images


def test_flavor_create_list_show_set_unset_delete(admin):
    created = admin.json(
        "flavor", "create", "cli.flavor", "--ram", "256", "--vcpus", "2", "--disk", "3",
        "--description", "made by the CLI",
    )  # fmt: skip
    assert _subset(created, "name", "ram", "vcpus", "disk") == {
        "name": "cli.flavor",
        "ram": 256,
        "vcpus": 2,
        "disk": 3,
    }
    assert created["description"] == "made by the CLI"  # 2.55
    assert created["os-flavor-access:is_public"] is True
    assert created["properties"] == {}  # extra_specs in the body (2.61)
    flavor_id = created["id"]

    listed = {row["Name"]: row for row in admin.json("flavor", "list")}
    assert listed["cli.flavor"]["ID"] == flavor_id
    assert (listed["cli.flavor"]["RAM"], listed["cli.flavor"]["VCPUs"]) == (256, 2)

    admin.run("flavor", "set", "--property", "hw:cpu_policy=dedicated", "--property",
              "quota:cpu_shares=512", "cli.flavor")  # fmt: skip
    shown = admin.json("flavor", "show", "cli.flavor")
    assert shown["id"] == flavor_id
    assert shown["properties"] == {"hw:cpu_policy": "dedicated", "quota:cpu_shares": "512"}

    admin.run("flavor", "unset", "--property", "hw:cpu_policy", "cli.flavor")
    assert admin.json("flavor", "show", flavor_id)["properties"] == {"quota:cpu_shares": "512"}

    admin.run("flavor", "delete", "cli.flavor")
    assert "cli.flavor" not in _names(admin.json("flavor", "list"))
    assert "No Flavor found for cli.flavor" in admin.fails("flavor", "show", "cli.flavor")


def test_keypairs_generated_by_the_client_and_imported(admin, admin_identity, tmp_path):
    # At 2.92 Nova only imports keys: the client generates the pair itself.
    private_file = tmp_path / "generated.pem"
    generated = admin.json("keypair", "create", "cli-gen", "--private-key", str(private_file))
    assert (generated["name"], generated["type"]) == ("cli-gen", "ssh")
    assert generated["user_id"] == admin_identity["user_id"]
    assert "PRIVATE KEY-----" in private_file.read_text()
    generated_public = admin.run("keypair", "show", "--public-key", "cli-gen").stdout.strip()
    assert generated["fingerprint"] == _fingerprint(generated_public)

    public_file = tmp_path / "imported.pub"
    public_file.write_text(_public_key() + "\n")
    imported = admin.json("keypair", "create", "cli-imp", "--public-key", str(public_file))
    assert (imported["name"], imported["type"]) == ("cli-imp", "ssh")
    assert imported["fingerprint"] == _fingerprint(public_file.read_text())

    listed = {row["Name"]: row for row in admin.json("keypair", "list")}
    assert listed["cli-gen"] == {
        "Name": "cli-gen",
        "Fingerprint": generated["fingerprint"],
        "Type": "ssh",
    }
    assert listed["cli-imp"]["Fingerprint"] == imported["fingerprint"]

    shown = admin.json("keypair", "show", "cli-imp")
    assert _subset(shown, "name", "fingerprint", "type", "user_id") == {
        "name": "cli-imp",
        "fingerprint": imported["fingerprint"],
        "type": "ssh",
        "user_id": admin_identity["user_id"],
    }
    assert shown["created_at"]
    shown_public = admin.run("keypair", "show", "--public-key", "cli-imp").stdout.strip()
    assert shown_public == public_file.read_text().strip()

    admin.run("keypair", "delete", "cli-gen", "cli-imp")
    remaining = _names(admin.json("keypair", "list"))
    assert "cli-gen" not in remaining and "cli-imp" not in remaining
    assert "cli-imp" in admin.fails("keypair", "show", "cli-imp")


# -- servers ----------------------------------------------------------------------------------


def test_server_lifecycle(admin, image, flavor, admin_identity, tmp_path):
    public_file = tmp_path / "key.pub"
    public_file.write_text(_public_key() + "\n")
    admin.run("keypair", "create", "cli-key", "--public-key", str(public_file))

    server = admin.json(
        "server", "create", "cli-vm", "--image", IMAGE_NAME, "--flavor", FLAVOR_NAME,
        "--key-name", "cli-key", "--wait",
    )  # fmt: skip
    server_id = server["id"]
    assert server["status"] == "ACTIVE"
    assert server["OS-EXT-STS:vm_state"] == "active"
    assert server["key_name"] == "cli-key"
    assert server["image"] == f"{IMAGE_NAME} ({image['id']})"
    assert server["project_id"] == admin_identity["project_id"]
    assert server["OS-EXT-SRV-ATTR:host"] in ("compute1", "compute2")

    rows = admin.json("server", "list")
    assert {
        "ID": server_id,
        "Name": "cli-vm",
        "Status": "ACTIVE",
        "Networks": {},
        "Image": IMAGE_NAME,
        "Flavor": FLAVOR_NAME,
    } in rows
    long_row = next(row for row in admin.json("server", "list", "--long") if row["ID"] == server_id)
    assert long_row["Image ID"] == image["id"]
    assert long_row["Availability Zone"] == "nova"
    assert long_row["Host"] == server["OS-EXT-SRV-ATTR:host"]
    assert long_row["Task State"] is None
    assert long_row["Host Status"] == "UP"

    # The CLI negotiates the newest microversion both sides know: 2.96.
    shown_run = admin.run("--debug", "server", "show", server_id, "-f", "json")
    assert "OpenStack-API-Version: compute 2.96" in shown_run.stderr
    assert "RESP: [200]" in shown_run.stderr
    shown = json.loads(shown_run.stdout)
    embedded = ("original_name", "vcpus", "ram", "disk", "ephemeral", "swap", "extra_specs")
    assert _subset(shown["flavor"], *embedded) == {  # the embedded flavor (2.47)
        "original_name": FLAVOR_NAME,
        "vcpus": 1,
        "ram": 512,
        "disk": 1,
        "ephemeral": 0,
        "swap": 0,
        "extra_specs": {},
    }
    assert shown["OS-EXT-SRV-ATTR:hostname"] == "cli-vm"  # 2.3
    assert shown["host_status"] == "UP"  # 2.16
    assert shown["description"] is None  # 2.19
    assert shown["tags"] == []  # 2.26
    assert shown["trusted_image_certificates"] is None  # 2.63
    assert shown["server_groups"] == []  # 2.71
    assert (shown["locked"], shown["locked_reason"]) == (False, None)  # 2.9, 2.73
    assert shown["pinned_availability_zone"] is None  # 2.96
    assert shown["OS-EXT-AZ:availability_zone"] == "nova"
    assert shown["hostId"]

    admin.run("server", "set", "--property", "color=blue", "--property", "size=s", "cli-vm")
    admin.run("server", "unset", "--property", "size", "cli-vm")
    admin.run("server", "set", "--name", "cli-vm2", "cli-vm")
    admin.run("server", "set", "--tag", "web", "--tag", "prod", "cli-vm2")
    shown = admin.json("server", "show", server_id)
    assert shown["name"] == "cli-vm2"
    assert shown["properties"] == {"color": "blue"}
    assert sorted(shown["tags"]) == ["prod", "web"]
    tagged = admin.json("server", "list", "--tags", "web")
    assert _names(tagged) == ["cli-vm2"]
    admin.run("server", "unset", "--tag", "prod", "cli-vm2")
    assert admin.json("server", "show", server_id)["tags"] == ["web"]

    admin.run("server", "delete", "--wait", "cli-vm2")
    assert server_id not in _names(admin.json("server", "list"), "ID")
    assert f"No Server found for {server_id}" in admin.fails("server", "show", server_id)
    admin.run("keypair", "delete", "cli-key")


def test_server_group_create_list_show_delete(admin, admin_identity):
    group = admin.json("server", "group", "create", "--policy", "anti-affinity", "cli-group")
    assert _subset(group, "name", "policy", "members", "rules", "project_id", "user_id") == {
        "name": "cli-group",
        "policy": "anti-affinity",
        "members": [],
        "rules": {},
        "project_id": admin_identity["project_id"],
        "user_id": admin_identity["user_id"],
    }
    assert {"ID": group["id"], "Name": "cli-group", "Policy": "anti-affinity"} in admin.json(
        "server", "group", "list"
    )
    assert admin.json("server", "group", "show", "cli-group") == group
    admin.run("server", "group", "delete", "cli-group")
    assert group["id"] not in _names(admin.json("server", "group", "list"), "ID")


# -- aggregates, zones, hypervisors, services ---------------------------------------------


def test_aggregates_and_availability_zones(admin):
    created = admin.json("aggregate", "create", "--zone", "az1", "cli-rack")
    assert _subset(created, "name", "availability_zone", "hosts") == {
        "name": "cli-rack",
        "availability_zone": "az1",
        "hosts": [],
    }
    added = admin.json("aggregate", "add", "host", "cli-rack", "compute2")
    assert added["hosts"] == ["compute2"]
    admin.run("aggregate", "set", "--zone", "az2", "cli-rack")
    admin.run("aggregate", "set", "--property", "ssd=true", "cli-rack")

    rows = admin.json("aggregate", "list", "--long")
    row = next(row for row in rows if row["Name"] == "cli-rack")
    assert row == {
        "ID": created["id"],
        "UUID": created["uuid"],
        "Name": "cli-rack",
        "Availability Zone": "az2",
        "Properties": {"ssd": "true"},
        "Hosts": ["compute2"],
    }
    shown = admin.json("aggregate", "show", "cli-rack")
    assert _subset(shown, "availability_zone", "hosts", "properties") == {
        "availability_zone": "az2",
        "hosts": ["compute2"],
        "properties": {"ssd": "true"},
    }

    zones = {
        row["Zone Name"]: row["Zone Status"] for row in admin.json("availability", "zone", "list")
    }
    assert zones == {"az2": "available", "nova": "available", "internal": "available"}
    hosts = {
        (row["Host Name"], row["Service Name"]): row["Zone Name"]
        for row in admin.json("availability", "zone", "list", "--long")
    }
    assert hosts == {
        ("compute1", "nova-compute"): "nova",
        ("compute2", "nova-compute"): "az2",
        ("conductor", "nova-conductor"): "internal",
        ("scheduler", "nova-scheduler"): "internal",
    }

    removed = admin.json("aggregate", "remove", "host", "cli-rack", "compute2")
    assert removed["hosts"] == []
    admin.run("aggregate", "delete", "cli-rack")
    assert "cli-rack" not in _names(admin.json("aggregate", "list"))
    zones = {row["Zone Name"] for row in admin.json("availability", "zone", "list")}
    assert zones == {"nova", "internal"}


def test_hypervisors(cloud, admin):
    hypervisors = {row["Hypervisor Hostname"]: row for row in admin.json("hypervisor", "list")}
    assert set(hypervisors) == {"compute1", "compute2"}
    assert {(row["Hypervisor Type"], row["State"]) for row in hypervisors.values()} == {
        ("fake", "up")
    }
    shown = admin.json("hypervisor", "show", "compute1")
    fields = ("id", "hypervisor_hostname", "service_host", "state", "status", "hypervisor_type")
    assert _subset(shown, *fields) == {
        "id": hypervisors["compute1"]["ID"],  # a UUID (2.53)
        "hypervisor_hostname": "compute1",
        "service_host": "compute1",
        "state": "up",
        "status": "enabled",
        "hypervisor_type": "fake",
    }
    stats = admin.json("hypervisor", "stats", "show")
    assert stats["count"] == 2
    size = cloud.deployment.fake_resources  # of each fake host
    assert (stats["vcpus"], stats["memory_mb"], stats["local_gb"]) == (
        2 * size["vcpus"],
        2 * size["memory_mb"],
        2 * size["local_gb"],
    )


def test_compute_service_list_disable_enable(admin):
    services = admin.json("compute", "service", "list")
    assert sorted((row["Binary"], row["Host"], row["State"]) for row in services) == [
        ("nova-compute", "compute1", "up"),
        ("nova-compute", "compute2", "up"),
        ("nova-conductor", "conductor", "up"),
        ("nova-scheduler", "scheduler", "up"),
    ]
    admin.run(
        "compute", "service", "set", "--disable", "--disable-reason", "maintenance",
        "compute2", "nova-compute",
    )  # fmt: skip
    (row,) = admin.json("compute", "service", "list", "--host", "compute2", "--long")
    assert _subset(row, "Status", "Disabled Reason", "Forced Down") == {
        "Status": "disabled",
        "Disabled Reason": "maintenance",
        "Forced Down": False,
    }
    admin.run("compute", "service", "set", "--enable", "compute2", "nova-compute")
    (row,) = admin.json("compute", "service", "list", "--host", "compute2", "--long")
    assert (row["Status"], row["Disabled Reason"]) == ("enabled", None)


# -- quotas, limits, projects and roles -------------------------------------------------------


def _quota(cli: Cli, project: str) -> dict[str, Any]:
    return {row["Resource"]: row["Limit"] for row in cli.json("quota", "show", project)}


def _limits(cli: Cli, *args: str) -> dict[str, Any]:
    return {row["Name"]: row["Value"] for row in cli.json("limits", "show", "--absolute", *args)}


def test_quotas_and_limits(cloud, admin):
    member = cloud.cli("member")
    quota = _quota(admin, "demo")
    assert {key: quota[key] for key in QUOTA_DEFAULTS} == QUOTA_DEFAULTS
    assert _subset(quota, "key-pairs", "server-groups", "server-group-members") == {
        "key-pairs": 100,
        "server-groups": 10,
        "server-group-members": 10,
    }

    admin.run("quota", "set", "--instances", "5", "--cores", "8", "demo")
    quota = _quota(admin, "demo")
    assert (quota["instances"], quota["cores"], quota["ram"]) == (5, 8, 51200)
    limits = _limits(admin, "--project", "demo")
    assert (limits["max_total_instances"], limits["max_total_cores"]) == (5, 8)
    assert limits["total_instances_used"] == 0
    # the member sees its own project's limits
    limits = _limits(member)
    assert (limits["max_total_instances"], limits["max_total_cores"]) == (5, 8)
    assert limits["max_total_ram_size"] == 51200
    # the admin's own project keeps the defaults
    assert _limits(admin)["max_total_instances"] == 10
    admin.run("quota", "set", "--instances", "10", "--cores", "20", "demo")


def test_projects_roles_and_quota_through_the_cli(cloud, admin, image, flavor):
    member, reader, other = (cloud.cli(user) for user in ("member", "reader", "other"))
    demo_id = cloud.keystone.project_id("demo")
    admin.run("quota", "set", "--instances", "1", "demo")

    server = member.json(
        "server", "create", "demo-vm", "--image", IMAGE_NAME, "--flavor", FLAVOR_NAME, "--wait"
    )
    assert (server["status"], server["project_id"]) == ("ACTIVE", demo_id)
    server_id = server["id"]

    everywhere = admin.json("server", "list", "--all-projects")
    assert (server_id, demo_id) in {(row["ID"], row["Project ID"]) for row in everywhere}
    assert server_id not in _names(admin.json("server", "list"), "ID")  # not in admin's project

    over = member.fails(
        "server", "create", "demo-vm2", "--image", IMAGE_NAME, "--flavor", FLAVOR_NAME, "--wait"
    )
    assert QUOTA_EXCEEDED in over
    assert "403" in over
    assert _names(member.json("server", "list"), "ID") == [server_id]  # nothing created

    refused = reader.fails("server", "create", "reader-vm", "--image", IMAGE_NAME,
                           "--flavor", FLAVOR_NAME)  # fmt: skip
    assert CREATE_FORBIDDEN in refused
    assert "403" in refused
    assert _names(reader.json("server", "list"), "ID") == [server_id]  # readers read

    assert f"No Server found for {server_id}" in other.fails("server", "show", server_id)
    assert other.json("server", "list") == []

    member.run("server", "delete", "--wait", server_id)
    assert server_id not in _names(admin.json("server", "list", "--all-projects"), "ID")
    admin.run("quota", "set", "--instances", "10", "demo")


# -- the Python APIs ------------------------------------------------------------------------


def _wait(check, what: str, timeout: float = 60.0) -> Any:
    """Poll ``check()`` until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout:.0f} s")
        time.sleep(0.2)
    return value


def test_openstacksdk(cloud, image, flavor):
    conn = openstack.connect(**cloud.password_auth("admin"), region_name=openstack_services.REGION)
    try:
        assert FLAVOR_NAME in [f.name for f in conn.compute.flavors()]
        keypair = conn.compute.create_keypair(name="sdk-key")
        assert keypair.private_key.startswith("-----BEGIN")  # generated by Nova (< 2.92)
        assert "sdk-key" in [k.name for k in conn.compute.keypairs()]

        server = conn.compute.create_server(
            name="sdk-vm",
            image_id=image["id"],
            flavor_id=flavor["id"],
            key_name="sdk-key",
            networks="none",
        )
        server = conn.compute.wait_for_server(server, wait=60, interval=0.2)
        assert server.status == "ACTIVE"
        assert server.flavor.original_name == FLAVOR_NAME
        assert server.key_name == "sdk-key"
        assert server.compute_host in ("compute1", "compute2")
        assert server.id in [s.id for s in conn.compute.servers()]
        assert conn.compute.get_server(server.id).name == "sdk-vm"

        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, wait=60, interval=0.2)
        assert server.id not in [s.id for s in conn.compute.servers()]
        conn.compute.delete_keypair("sdk-key")
        assert "sdk-key" not in [k.name for k in conn.compute.keypairs()]
    finally:
        conn.close()


def test_novaclient(cloud, image, flavor):
    auth = ks_loading.get_plugin_loader("password").load_from_options(
        **cloud.password_auth("admin")
    )
    nova = nova_client.Client(
        "2.96",
        session=ks_session.Session(auth=auth),
        region_name=openstack_services.REGION,
    )
    assert nova.versions.get_current().version == "2.96"
    assert FLAVOR_NAME in [f.name for f in nova.flavors.list()]

    public_key = _public_key()
    keypair = nova.keypairs.create("nova-key", public_key=public_key)
    assert (keypair.name, keypair.type) == ("nova-key", "ssh")
    assert keypair.fingerprint == _fingerprint(public_key)
    assert "nova-key" in [k.name for k in nova.keypairs.list()]

    server = nova.servers.create(
        "nova-vm", image["id"], flavor["id"], key_name="nova-key", nics="none"
    )
    server = _wait(
        lambda: (s := nova.servers.get(server.id)).status != "BUILD" and s, "nova-vm built"
    )
    assert server.status == "ACTIVE"
    assert server.flavor["original_name"] == FLAVOR_NAME
    assert server.key_name == "nova-key"
    assert server.id in [s.id for s in nova.servers.list()]

    nova.servers.delete(server)

    def gone() -> bool:
        try:
            nova.servers.get(server.id)
        except nova_exceptions.NotFound:
            return True
        return False

    _wait(gone, "nova-vm deleted")
    assert server.id not in [s.id for s in nova.servers.list()]
    nova.keypairs.delete("nova-key")
    assert "nova-key" not in [k.name for k in nova.keypairs.list()]
