"""Unit tests of the nova-lite command-line client (no server needed)."""

from __future__ import annotations

import http.server
import inspect
import json
import os
import stat
import threading
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
import requests
from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc
from openstack.compute.v2 import _proxy as compute_proxy
from openstack.compute.v2.aggregate import Aggregate
from openstack.compute.v2.availability_zone import AvailabilityZone
from openstack.compute.v2.flavor import Flavor
from openstack.compute.v2.hypervisor import Hypervisor
from openstack.compute.v2.keypair import Keypair
from openstack.compute.v2.limits import Limits
from openstack.compute.v2.migration import Migration
from openstack.compute.v2.quota_set import QuotaSet
from openstack.compute.v2.server import Server
from openstack.compute.v2.server_action import ServerAction
from openstack.compute.v2.server_group import ServerGroup
from openstack.compute.v2.server_migration import ServerMigration
from openstack.compute.v2.service import Service
from openstack.image.v2 import _proxy as image_proxy
from openstack.image.v2.image import Image

from nova_lite.cli import errors, output, servers, shell
from nova_lite.cmd import cli

REAL_CREATE_BATCH = servers.create_batch
IMAGE = "70a599e0-31e7-49b7-b260-868f441e862b"

# Building openstacksdk resources by hand warns about deprecated internals; not ours.
pytestmark = [
    pytest.mark.filterwarnings("ignore::openstack.warnings.OpenStackDeprecationWarning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings._RemovedInSDKWarning"),
]


def http_error(status: int, body: dict) -> sdk_exc.HttpException:
    """Return the exception openstacksdk raises for this HTTP error response."""
    response = requests.Response()
    response.status_code = status
    response.headers["content-type"] = "application/json"
    response._content = json.dumps(body).encode()
    response.url = "http://127.0.0.1:8774/v2.1/x"
    try:
        sdk_exc.raise_from_response(response)
    except sdk_exc.HttpException as exc:
        return exc
    raise AssertionError("no exception raised")


class SdkRecorder:
    """Any other method of the openstacksdk proxy ``PROXY``: checks the arguments against
    the real method's signature, records the call in ``calls`` as (name, (args, kwargs))
    and returns ``returns[name]`` (called with the arguments when it is a function)."""

    PROXY: ClassVar[type]

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.returns: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.PROXY, name, None)
        if name.startswith("_") or not callable(real):
            raise AttributeError(name)
        signature = inspect.signature(real)

        def call(*args: Any, **kwargs: Any) -> Any:
            signature.bind(self, *args, **kwargs)  # TypeError where the sdk would raise one
            self.calls.append((name, (args, kwargs)))
            result = self.returns.get(name)
            return result(*args, **kwargs) if callable(result) else result

        return call


class FakeCompute(SdkRecorder):
    """The part of openstacksdk's compute proxy the CLI uses, in memory."""

    PROXY = compute_proxy.Proxy

    def __init__(self) -> None:
        super().__init__()
        self.returns["get_endpoint"] = "http://127.0.0.1:8774/v2.1"
        self.flavor_list = [
            Flavor(id="2", name="m1.small", ram=2048, vcpus=1, disk=20, is_public=True),
            Flavor(id="1", name="m1.tiny", ram=512, vcpus=1, disk=1, is_public=True),
        ]
        self.server_list: list[Server] = []
        self.scripts: dict[str, list[Any]] = {}
        self.services_list: list[Service] = []
        self.hypervisor_list: list[Hypervisor] = []
        self.rids: dict[str, str | None] = {}
        self.reservations = 0
        self.show_reservation_ids = True
        self.honour_reservation_filter = True

    # flavors
    def find_flavor(self, name_or_id: str, ignore_missing: bool = True) -> Flavor | None:
        for flavor in self.flavor_list:
            if name_or_id in (flavor.id, flavor.name):
                return flavor
        return None

    def flavors(self, details: bool = True) -> list[Flavor]:
        return list(self.flavor_list)

    def create_flavor(self, **attrs: Any) -> Flavor:
        self.calls.append(("create_flavor", attrs))
        if any(f.name == attrs["name"] for f in self.flavor_list):
            raise http_error(
                409,
                {
                    "conflictingRequest": {
                        "code": 409,
                        "message": f"Flavor with name {attrs['name']} already exists.",
                    }
                },
            )
        flavor = Flavor(**{"id": "generated", **attrs})
        self.flavor_list.append(flavor)
        return flavor

    # servers
    def add_server(self, states: list[Any], **attrs: Any) -> Server:
        """Add a server whose successive GETs return ``states`` (the last repeats)."""
        first = states[0] if states and isinstance(states[0], dict) else {}
        real_rid = attrs.pop("real_rid", attrs.get("reservation_id"))
        server = Server(**{**attrs, **first})
        self.server_list.append(server)
        self.scripts[server.id] = list(states)
        self.rids[server.id] = real_rid
        return server

    def create_server(self, **attrs: Any) -> Server:
        self.calls.append(("create_server", attrs))
        server = self._build(attrs["name"], attrs, "r-0", 0)
        return Server(id=server.id, admin_password="secret")

    def create_batch(self, attrs: dict[str, Any]) -> str:
        """What servers.create_batch does against a real API: one POST, N servers."""
        self.calls.append(("create_batch", attrs))
        self.reservations += 1
        rid = f"r-{self.reservations}"
        for index in range(attrs["max_count"]):
            self._build(f"{attrs['name']}-{index + 1}", attrs, rid, index)
        return rid

    def _build(self, name: str, attrs: dict[str, Any], rid: str, index: int) -> Server:
        hidden = not self.show_reservation_ids
        return self.add_server(
            [{"status": "BUILD", "task_state": "scheduling"}],
            id=f"uuid-{len(self.server_list)}",
            name=name,
            reservation_id=None if hidden else rid,
            launch_index=None if hidden else index,
            created_at=f"2024-01-01T00:00:{len(self.server_list):02d}Z",
            flavor={"id": attrs["flavor_id"]},
            image={"id": attrs["image_id"]},
            real_rid=rid,
        )

    def get_server(self, server_id: str) -> Server:
        server = next((s for s in self.server_list if s.id == server_id), None)
        if server is None:
            raise sdk_exc.NotFoundException(f"No Server found for {server_id}")
        script = self.scripts[server_id]
        state = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(state, Exception):
            raise state
        for key, value in state.items():
            setattr(server, key, value)
        return server

    def servers(self, details: bool = True, **query: Any) -> list[Server]:
        self.calls.append(("servers", query))
        rid = query.get("reservation_id") if self.honour_reservation_filter else None
        return [s for s in self.server_list if rid is None or self.rids[s.id] == rid]

    def find_server(
        self, name_or_id: str, ignore_missing: bool = True, all_projects: bool = False
    ) -> Server | None:
        found = [s for s in self.server_list if name_or_id in (s.id, s.name)]
        if len(found) > 1:
            raise sdk_exc.DuplicateResource(f"Multiple matches found for {name_or_id}")
        return found[0] if found else None

    def delete_server(self, server: Server) -> None:
        self.calls.append(("delete_server", server.id))

    def services(self) -> list[Service]:
        return list(self.services_list)

    def hypervisors(
        self, details: bool = True, microversion: str | None = None
    ) -> list[Hypervisor]:
        self.hypervisors_microversion = microversion
        return list(self.hypervisor_list)


class FakeImage(SdkRecorder):
    """openstacksdk's image proxy: recorded calls."""

    PROXY = image_proxy.Proxy

    def __init__(self) -> None:
        super().__init__()
        self.returns["get_endpoint"] = "http://127.0.0.1:9292"


class FakeConnection:
    def __init__(self) -> None:
        self.compute = FakeCompute()
        self.image = FakeImage()
        self.current_project_id: str | None = None
        self.config = SimpleNamespace(
            config={"auth_type": "admin_token", "auth": {"token": "admin:proj-1"}}
        )


@pytest.fixture
def conn() -> FakeConnection:
    return FakeConnection()


@pytest.fixture(autouse=True)
def fake_batch_create(monkeypatch: pytest.MonkeyPatch) -> None:
    """servers.create_batch posts through openstacksdk; route it to the fake."""
    monkeypatch.setattr(
        servers, "create_batch", lambda conn, attrs: conn.compute.create_batch(attrs)
    )


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No OS_* variables or clouds.yaml of the machine leak into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)


def run(argv: list[str], conn: Any) -> int:
    """Run the CLI on ``argv`` with ``conn`` as the connection."""
    return shell.run(argv, connect=lambda config, options: conn)


def table_record(text: str) -> dict[str, str]:
    """Parse a printed Field/Value table into {field: value text}."""
    rows = [line.split("|")[1:-1] for line in text.splitlines() if line.startswith("|")]
    return {name.strip(): value.strip() for name, value in rows[1:]}


def last_call(conn: FakeConnection, name: str) -> Any:
    return [args for call, args in conn.compute.calls if call == name][-1]


def calls_of(proxy: SdkRecorder, name: str) -> list[tuple[tuple, dict]]:
    """The (args, kwargs) of every recorded call of the proxy method ``name``."""
    return [args for call, args in proxy.calls if call == name]


def called(proxy: SdkRecorder) -> list[str]:
    """The names of the proxy methods called, in order."""
    return [call for call, _ in proxy.calls]


# -- argument parsing ---------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["server"],
        ["server", "create", "vm", "--image", "img"],  # no --flavor
        ["server", "create", "vm", "--flavor", "1"],  # no --image
        ["server", "create", "vm", "--flavor", "1", "--image", "i", "--min", "0"],
        ["server", "list", "-f", "yaml"],
        ["server", "delete"],
        ["flavor", "create", "f", "--ram", "512"],  # no --vcpus
        ["flavor", "create", "f", "--ram", "-1", "--vcpus", "1"],
        ["hypervisor", "show"],
        ["keypair", "create", "k", "--type", "rsa"],
        ["keypair", "create", "k", "--public-key", "a", "--private-key", "b"],
        ["server", "group", "create", "g", "--policy", "spread"],
        ["server", "group", "create", "g", "--rule", "max_server_per_host"],
        ["server", "create", "vm", "--flavor", "1", "--image", "i", "--hint", "=x"],
        ["aggregate", "add", "host", "agg"],
        ["aggregate", "unset", "agg"],
        ["availability", "zone", "list", "--all"],
        ["quota", "set", "--instances", "-2"],
        ["quota", "show", "--usage", "--default"],
        ["service", "set", "h", "nova-compute", "--enable", "--disable"],
        ["service", "set", "h", "nova-compute", "--up", "--down"],
        ["server", "migration", "force", "complete", "vm"],
        ["server", "tag", "add", "vm"],
        ["server", "metadata", "set", "vm", "novalue"],
        ["server", "shelve"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], conn: FakeConnection, capsys: Any) -> None:
    assert run(argv, conn) == 2
    assert "usage: nova-lite" in capsys.readouterr().err
    assert conn.compute.calls == []


def test_help_exits_0(conn: FakeConnection, capsys: Any) -> None:
    assert run(["server", "create", "--help"], conn) == 0
    out = capsys.readouterr().out
    assert "--flavor" in out and "--wait" in out and "--format" in out


def test_parser_registers_openstack_options_and_format_everywhere() -> None:
    from openstack import config as sdk_config

    parser, sdk_dests = shell.build_parser(sdk_config.OpenStackConfig(), [])
    assert {"os_cloud", "os_auth_type", "os_compute_api_version"} <= sdk_dests
    assert "format" not in sdk_dests
    for argv in (
        ["server", "list"],
        ["server", "show", "x"],
        ["server", "delete", "x"],
        ["server", "create", "x", "--flavor", "1", "--image", "i"],
        ["flavor", "list"],
        ["flavor", "create", "f", "--ram", "1", "--vcpus", "1"],
        ["service", "list"],
        ["hypervisor", "list"],
        ["keypair", "create", "k"],
        ["keypair", "list"],
        ["keypair", "show", "k"],
        ["keypair", "delete", "k"],
        ["server", "group", "create", "g"],
        ["server", "group", "list"],
        ["server", "group", "show", "g"],
        ["server", "group", "delete", "g"],
        ["aggregate", "create", "a"],
        ["aggregate", "list"],
        ["aggregate", "show", "a"],
        ["aggregate", "set", "a"],
        ["aggregate", "unset", "a", "--property", "k"],
        ["aggregate", "add", "host", "a", "h"],
        ["aggregate", "remove", "host", "a", "h"],
        ["aggregate", "delete", "a"],
        ["availability", "zone", "list"],
        ["quota", "show"],
        ["quota", "set"],
        ["limits", "show"],
        ["service", "set", "h", "nova-compute"],
        ["service", "delete", "1"],
        ["hypervisor", "show", "h"],
        ["hypervisor", "stats", "show"],
        ["server", "image", "create", "vm"],
        ["server", "shelve", "vm"],
        ["server", "unshelve", "vm"],
        ["server", "lock", "vm"],
        ["server", "unlock", "vm"],
        ["server", "tag", "list", "vm"],
        ["server", "tag", "add", "vm", "t"],
        ["server", "tag", "remove", "vm", "t"],
        ["server", "metadata", "list", "vm"],
        ["server", "metadata", "set", "vm", "k=v"],
        ["server", "metadata", "unset", "vm", "k"],
        ["server", "migration", "list"],
        ["server", "migration", "show", "vm", "1"],
        ["server", "migration", "abort", "vm", "1"],
        ["server", "migration", "force", "complete", "vm", "1"],
        ["server", "event", "list", "vm"],
        ["server", "event", "show", "vm", "req-1"],
    ):
        assert parser.parse_args([*argv, "-f", "json"]).format == "json"
        assert parser.parse_args(argv).format == "table"


def test_main_uses_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    monkeypatch.setattr(shell, "run", lambda argv: seen.append(argv) or 7)
    assert cli.main(["flavor", "list"]) == 7
    monkeypatch.setattr("sys.argv", ["nova-lite", "service", "list"])
    assert cli.main() == 7
    assert seen == [["flavor", "list"], ["service", "list"]]


# -- output -------------------------------------------------------------------------


def test_print_list_table(capsys: Any) -> None:
    output.print_list(("ID", "Data"), [("a", {"k": [1]}), ("b", None)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split("|")[1:3] == [" ID ", " Data       "]
    assert lines[3] == '| a  | {"k": [1]} |'
    assert lines[4] == "| b  |            |"


def test_print_list_json(capsys: Any) -> None:
    output.print_list(("ID", "Public"), [("a", True), ("b", False)], fmt="json")
    out = capsys.readouterr().out
    assert json.loads(out) == [{"ID": "a", "Public": True}, {"ID": "b", "Public": False}]
    assert out.startswith('[\n  {\n    "ID": "a"')  # indent 2


def test_print_record_json_converts_resources(capsys: Any) -> None:
    output.print_record([("flavor", Flavor(id="1", name="m1")), ("n", 3)], fmt="json")
    data = json.loads(capsys.readouterr().out)
    assert data["n"] == 3
    assert data["flavor"]["id"] == "1" and data["flavor"]["name"] == "m1"


def test_flavor_list_table_sorted_by_ram(conn: FakeConnection, capsys: Any) -> None:
    assert run(["flavor", "list"], conn) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [c.strip() for c in lines[1].split("|")[1:-1]] == [
        "ID",
        "Name",
        "RAM",
        "Disk",
        "Ephemeral",
        "VCPUs",
        "Is Public",
    ]
    assert [c.strip() for c in lines[3].split("|")[1:-1]] == [
        "1",
        "m1.tiny",
        "512",
        "1",
        "0",
        "1",
        "True",
    ]
    assert "m1.small" in lines[4]


def test_flavor_list_json(conn: FakeConnection, capsys: Any) -> None:
    assert run(["flavor", "list", "-f", "json"], conn) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["Name"] for f in data] == ["m1.tiny", "m1.small"]
    assert data[0]["RAM"] == 512 and data[0]["Is Public"] is True


def test_flavor_create(conn: FakeConnection, capsys: Any) -> None:
    argv = ["flavor", "create", "m1.big", "--ram", "4096", "--vcpus", "4", "--disk", "40"]
    assert run([*argv, "--id", "42", "--private", "-f", "json"], conn) == 0
    assert last_call(conn, "create_flavor") == {
        "name": "m1.big",
        "ram": 4096,
        "vcpus": 4,
        "disk": 40,
        "is_public": False,
        "id": "42",
    }
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == "42" and data["ram"] == 4096 and data["is_public"] is False


def test_flavor_create_defaults(conn: FakeConnection) -> None:
    assert run(["flavor", "create", "f", "--ram", "64", "--vcpus", "1"], conn) == 0
    attrs = last_call(conn, "create_flavor")
    assert attrs["disk"] == 0 and attrs["is_public"] is True and "id" not in attrs


def test_service_and_hypervisor_list(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.services_list = [
        Service(
            id=1,
            binary="nova-compute",
            host="h1",
            availability_zone="nova",
            status="enabled",
            state="up",
            updated_at="2024-01-01T00:00:00",
        )
    ]
    conn.compute.hypervisor_list = [
        Hypervisor(
            id=1,
            name="h1",
            hypervisor_type="fake",
            host_ip="127.0.0.1",
            state="up",
            status="enabled",
            vcpus=8,
            vcpus_used=1,
        )
    ]
    assert run(["service", "list", "-f", "json"], conn) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "ID": 1,
            "Binary": "nova-compute",
            "Host": "h1",
            "Zone": "nova",
            "Status": "enabled",
            "State": "up",
            "Updated At": "2024-01-01T00:00:00",
        }
    ]
    assert run(["hypervisor", "list", "-f", "json"], conn) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["Hypervisor Hostname"] == "h1" and row["vCPUs"] == 8 and row["vCPUs Used"] == 1
    assert conn.compute.hypervisors_microversion == "2.87"  # 2.88 has no usage figures
    assert run(["hypervisor", "list"], conn) == 0
    assert "Hypervisor Hostname" in capsys.readouterr().out


# -- servers ------------------------------------------------------------------------


def test_server_create_by_flavor_name(conn: FakeConnection, capsys: Any) -> None:
    assert run(["server", "create", "vm", "--flavor", "m1.tiny", "--image", IMAGE], conn) == 0
    assert last_call(conn, "create_server") == {
        "name": "vm",
        "flavor_id": "1",
        "image_id": IMAGE,
    }
    record = table_record(capsys.readouterr().out)
    assert record["id"] == "uuid-0" and record["name"] == "vm"
    assert record["status"] == "BUILD" and record["task_state"] == "scheduling"
    assert record["flavor"] == "m1.tiny (1)" and record["image"] == IMAGE
    assert record["admin_password"] == "secret"


def test_server_create_unknown_flavor(conn: FakeConnection, capsys: Any) -> None:
    argv = ["server", "create", "vm", "--flavor", "m1.huge", "--image", IMAGE]
    assert run(argv, conn) == 1
    captured = capsys.readouterr()
    assert captured.err == "Error: No flavor found for m1.huge\n"
    assert captured.out == ""
    assert not [c for c in conn.compute.calls if c[0] == "create_server"]


def test_server_create_min_greater_than_max(conn: FakeConnection, capsys: Any) -> None:
    argv = ["server", "create", "vm", "--flavor", "1", "--image", IMAGE, "--min", "3", "--max", "2"]
    assert run(argv, conn) == 1
    assert capsys.readouterr().err == "Error: --min must not be greater than --max\n"


def test_server_create_many_lists_all(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.add_server([{}], id="old", name="vm-1", reservation_id="r-old")
    argv = ["server", "create", "vm", "--flavor", "1", "--image", IMAGE, "--min", "2"]
    assert run([*argv, "-f", "json"], conn) == 0
    attrs = last_call(conn, "create_batch")
    assert attrs["min_count"] == 2 and attrs["max_count"] == 2
    assert last_call(conn, "servers") == {"reservation_id": "r-1"}
    rows = json.loads(capsys.readouterr().out)
    assert [(r["ID"], r["Name"], r["Status"]) for r in rows] == [
        ("uuid-1", "vm-1", "BUILD"),
        ("uuid-2", "vm-2", "BUILD"),
    ]


def test_server_create_many_hidden_reservation_ids(conn: FakeConnection, capsys: Any) -> None:
    # API 2.1 does not show reservation IDs: the filter alone picks the servers.
    conn.compute.show_reservation_ids = False
    for n in range(1, 12):
        conn.compute.add_server([{}], id=f"old-{n}", name=f"vm-{n}", reservation_id="r-old")
    argv = ["server", "create", "vm", "--flavor", "1", "--image", IMAGE, "--max", "11"]
    assert run([*argv, "-f", "json"], conn) == 0
    captured = capsys.readouterr()
    names = [r["Name"] for r in json.loads(captured.out)]
    assert names == [f"vm-{n}" for n in range(1, 12)]  # vm-10 after vm-9
    assert all(r["ID"].startswith("uuid-") for r in json.loads(captured.out))
    assert captured.err == ""


def test_server_create_many_filter_ignored(conn: FakeConnection, capsys: Any) -> None:
    # An API that ignores ?reservation_id= and hides reservation IDs: newest by name.
    conn.compute.show_reservation_ids = False
    conn.compute.honour_reservation_filter = False
    conn.compute.add_server([{}], id="old", name="vm-1", created_at="2023-01-01T00:00:00Z")
    conn.compute.add_server([{}], id="other", name="web")
    argv = ["server", "create", "vm", "--flavor", "1", "--image", IMAGE, "--max", "2"]
    assert run([*argv, "-f", "json"], conn) == 0
    captured = capsys.readouterr()
    assert [r["ID"] for r in json.loads(captured.out)] == ["uuid-2", "uuid-3"]
    assert "ignored the reservation_id filter" in captured.err


def test_server_create_wait_until_active(conn: FakeConnection, capsys: Any) -> None:
    real_create_batch = conn.compute.create_batch

    def create_batch(attrs: dict[str, Any]) -> str:
        rid = real_create_batch(attrs)
        conn.compute.scripts["uuid-0"] = [
            {"status": "BUILD", "task_state": "scheduling"},
            {"status": "BUILD", "task_state": "spawning"},
            {"status": "BUILD", "task_state": "spawning"},
            {"status": "ACTIVE", "task_state": None, "power_state": 1},
        ]
        conn.compute.scripts["uuid-1"] = [
            {"status": "BUILD", "task_state": "scheduling"},
            {"status": "BUILD", "task_state": "scheduling"},
            {"status": "BUILD", "task_state": "spawning"},
            {"status": "BUILD", "task_state": "spawning"},
            {"status": "ACTIVE", "task_state": None, "power_state": 1},
        ]
        return rid

    conn.compute.create_batch = create_batch
    argv = ["server", "create", "vm", "--flavor", "1", "--image", IMAGE, "--max", "2"]
    assert run([*argv, "--wait", "--poll-interval", "0", "-f", "json"], conn) == 0
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert [(r["Name"], r["Status"], r["Power State"]) for r in rows] == [
        ("vm-1", "ACTIVE", "Running"),
        ("vm-2", "ACTIVE", "Running"),
    ]
    # One line per change of status or task state, not per poll.
    assert captured.err.splitlines() == [
        "vm-1 (uuid-0): BUILD (task: scheduling)",
        "vm-2 (uuid-1): BUILD (task: scheduling)",
        "vm-1 (uuid-0): BUILD (task: spawning)",
        "vm-2 (uuid-1): BUILD (task: spawning)",
        "vm-1 (uuid-0): ACTIVE",
        "vm-2 (uuid-1): ACTIVE",
    ]


def test_server_create_wait_error_prints_fault(conn: FakeConnection, capsys: Any) -> None:
    real_create = conn.compute.create_server

    def create_server(**attrs: Any) -> Server:
        created = real_create(**attrs)
        conn.compute.scripts[created.id] = [
            {"status": "BUILD", "task_state": "scheduling"},
            {
                "status": "ERROR",
                "task_state": None,
                "fault": {"code": 500, "message": "No valid host"},
            },
        ]
        return created

    conn.compute.create_server = create_server
    argv = ["server", "create", "vm", "--flavor", "1", "--image", IMAGE, "--wait"]
    assert run([*argv, "--poll-interval", "0"], conn) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines()[-1] == "Error: Server vm (uuid-0) is in ERROR: No valid host"
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_server_create_wait_timeout(conn: FakeConnection, capsys: Any) -> None:
    argv = ["server", "create", "vm", "--flavor", "1", "--image", IMAGE, "--wait"]
    assert run([*argv, "--wait-timeout", "0", "--poll-interval", "0"], conn) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "Error: Timed out after 0s waiting for server uuid-0 to be ACTIVE"
    )


def test_server_list_and_show(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.add_server(
        [{}],
        id="u1",
        name="web",
        status="ACTIVE",
        power_state=1,
        compute_host="host1",
        flavor={"id": "2"},
        image={"id": "img"},
    )
    assert run(["server", "list", "-f", "json"], conn) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "ID": "u1",
            "Name": "web",
            "Status": "ACTIVE",
            "Task State": None,
            "Power State": "Running",
            "Host": "host1",
            "Flavor": "m1.small",
            "Image": "img",
        }
    ]
    assert run(["server", "show", "web", "-f", "json"], conn) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == "u1" and data["host"] == "host1" and data["flavor"] == "m1.small (2)"
    assert run(["server", "show", "nope"], conn) == 1
    assert capsys.readouterr().err == "Error: No server found for nope\n"


def test_server_show_duplicate_name(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.add_server([{}], id="a", name="twin")
    conn.compute.add_server([{}], id="b", name="twin")
    assert run(["server", "show", "twin"], conn) == 1
    assert capsys.readouterr().err == "Error: More than one server is named twin; use its ID\n"


def test_server_delete_wait(conn: FakeConnection, capsys: Any) -> None:
    gone = sdk_exc.NotFoundException("gone")
    conn.compute.add_server(
        [{"status": "ACTIVE", "task_state": "deleting"}, gone], id="u1", name="a"
    )
    conn.compute.add_server([gone], id="u2", name="b")
    argv = ["server", "delete", "a", "u2", "--wait", "--poll-interval", "0"]
    assert run(argv, conn) == 0
    assert [c for c in conn.compute.calls if c[0] == "delete_server"] == [
        ("delete_server", "u1"),
        ("delete_server", "u2"),
    ]
    assert capsys.readouterr().err.splitlines() == [
        "a (u1): ACTIVE (task: deleting)",
        "b (u2): deleted",
        "a (u1): deleted",
    ]


def test_server_delete_goes_on_after_a_missing_one(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.add_server([{}], id="u1", name="a")
    assert run(["server", "delete", "missing", "a"], conn) == 1
    assert last_call(conn, "delete_server") == "u1"
    assert capsys.readouterr().err.splitlines() == [
        "Error: missing: No server found for missing",
        "Error: 1 of 2 servers could not be deleted",
    ]


def test_server_delete_wait_error(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.add_server(
        [
            {"status": "ACTIVE", "task_state": None},
            {"status": "ACTIVE", "task_state": "deleting"},
            {"status": "ERROR", "task_state": None, "fault": {"message": "destroy failed"}},
        ],
        id="u1",
        name="a",
    )
    assert run(["server", "delete", "a", "--wait", "--poll-interval", "0"], conn) == 1
    assert capsys.readouterr().err.splitlines() == [
        "a (u1): ACTIVE",
        "a (u1): ACTIVE (task: deleting)",
        "a (u1): ERROR",
        "Error: Deleting server a (u1) failed: destroy failed",
    ]


def test_server_delete_wait_for_server_in_error(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.add_server(
        [
            {"status": "ERROR", "task_state": None},
            {"status": "ERROR", "task_state": None},
            {"status": "ERROR", "task_state": "deleting"},
            sdk_exc.NotFoundException("gone"),
        ],
        id="u1",
        name="broken",
    )
    assert run(["server", "delete", "broken", "--wait", "--poll-interval", "0"], conn) == 0
    assert capsys.readouterr().err.splitlines() == [
        "broken (u1): ERROR",
        "broken (u1): ERROR (task: deleting)",
        "broken (u1): deleted",
    ]


def test_server_delete_wait_timeout(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.add_server([{"status": "ACTIVE", "task_state": "deleting"}], id="u1", name="a")
    argv = ["server", "delete", "a", "--wait", "--wait-timeout", "0", "--poll-interval", "0"]
    assert run(argv, conn) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "Error: Timed out after 0s waiting for server u1 to be deleted"
    )


# -- server create: images, hints, zones, tags ------------------------------------------


def test_server_create_image_name_hints_zone_tags(conn: FakeConnection, capsys: Any) -> None:
    conn.image.returns["find_image"] = lambda name, ignore_missing=True: Image(
        id="img-uuid", name=name
    )
    argv = ["server", "create", "vm", "--flavor", "1", "--image", "cirros", "--key-name", "k1"]
    argv += ["--availability-zone", "az1", "--tag", "a", "--tag", "b"]
    argv += ["--hint", "group=g-1", "--hint", "different_host=s1", "--hint", "different_host=s2"]
    assert run(argv, conn) == 0
    assert calls_of(conn.image, "find_image") == [(("cirros",), {"ignore_missing": True})]
    assert last_call(conn, "create_server") == {
        "name": "vm",
        "flavor_id": "1",
        "image_id": "img-uuid",
        "key_name": "k1",
        "availability_zone": "az1",
        "scheduler_hints": {"group": "g-1", "different_host": ["s1", "s2"]},
        "tags": ["a", "b"],
    }


def test_server_create_image_uuid_is_not_looked_up(conn: FakeConnection) -> None:
    assert run(["server", "create", "vm", "--flavor", "1", "--image", IMAGE], conn) == 0
    assert conn.image.calls == []
    assert last_call(conn, "create_server")["image_id"] == IMAGE


def test_server_create_unknown_or_ambiguous_image(conn: FakeConnection, capsys: Any) -> None:
    argv = ["server", "create", "vm", "--flavor", "1", "--image", "cirros"]
    assert run(argv, conn) == 1
    assert capsys.readouterr().err == "Error: No image found for cirros\n"

    def duplicate(name: str, ignore_missing: bool = True) -> None:
        raise sdk_exc.DuplicateResource(f"Multiple matches found for {name}")

    conn.image.returns["find_image"] = duplicate
    assert run(argv, conn) == 1
    assert capsys.readouterr().err == "Error: More than one image is named cirros; use its ID\n"
    assert "create_server" not in called(conn.compute)


def test_image_name_needs_an_image_service(conn: FakeConnection, capsys: Any) -> None:
    # admin_token without an image endpoint: the "image service" is Nova itself.
    conn.image.returns["get_endpoint"] = "http://127.0.0.1:8774/v2.1/"
    assert run(["server", "create", "vm", "--flavor", "1", "--image", "cirros"], conn) == 1
    assert capsys.readouterr().err == (
        "Error: Cannot look up image cirros: no image service (set OS_IMAGE_ENDPOINT_OVERRIDE "
        "or --os-image-endpoint-override to Glance's URL)\n"
    )
    assert "find_image" not in called(conn.image)


# -- key pairs ----------------------------------------------------------------------------


def keypair(**attrs: Any) -> Keypair:
    return Keypair(**{"name": "k1", "fingerprint": "aa:bb", "type": "ssh", "user_id": "u"} | attrs)


def test_keypair_create_generated_prints_private_key(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.returns["create_keypair"] = lambda **attrs: keypair(private_key="PRIVATE")
    assert run(["keypair", "create", "k1", "-f", "json"], conn) == 0
    assert calls_of(conn.compute, "create_keypair") == [((), {"name": "k1", "type": "ssh"})]
    assert json.loads(capsys.readouterr().out) == {
        "name": "k1",
        "fingerprint": "aa:bb",
        "type": "ssh",
        "user_id": "u",
        "created_at": None,
        "private_key": "PRIVATE",
    }


def test_keypair_create_saves_private_key(conn: FakeConnection, tmp_path: Any, capsys: Any) -> None:
    conn.compute.returns["create_keypair"] = lambda **attrs: keypair(private_key="PRIVATE")
    path = tmp_path / "k1.pem"
    assert run(["keypair", "create", "k1", "--private-key", str(path)], conn) == 0
    assert path.read_text() == "PRIVATE"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "private_key" not in table_record(capsys.readouterr().out)
    # An existing file is never overwritten.
    assert run(["keypair", "create", "k1", "--private-key", str(path)], conn) == 1
    assert capsys.readouterr().err == f"Error: Cannot write private key {path}: File exists\n"


def test_keypair_import(conn: FakeConnection, tmp_path: Any, capsys: Any) -> None:
    conn.compute.returns["create_keypair"] = lambda **attrs: keypair(type="x509")
    key = tmp_path / "cert.pem"
    key.write_text("CERT")
    argv = ["keypair", "create", "k1", "--public-key", str(key), "--type", "x509"]
    assert run([*argv, "--user", "u2"], conn) == 0
    assert calls_of(conn.compute, "create_keypair") == [
        ((), {"name": "k1", "type": "x509", "public_key": "CERT", "user_id": "u2"})
    ]
    assert table_record(capsys.readouterr().out)["type"] == "x509"
    missing = tmp_path / "missing.pub"
    assert run(["keypair", "create", "k1", "--public-key", str(missing)], conn) == 1
    assert capsys.readouterr().err == (
        f"Error: Cannot read public key {missing}: No such file or directory\n"
    )


def test_keypair_list_show_delete(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.returns["keypairs"] = [keypair(), keypair(name="k2", type="x509")]
    conn.compute.returns["get_keypair"] = lambda name, user_id=None: keypair(public_key="ssh-rsa")
    assert run(["keypair", "list", "--user", "u", "-f", "json"], conn) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"Name": "k1", "Fingerprint": "aa:bb", "Type": "ssh"},
        {"Name": "k2", "Fingerprint": "aa:bb", "Type": "x509"},
    ]
    assert calls_of(conn.compute, "keypairs") == [((), {"user_id": "u"})]
    assert run(["keypair", "show", "k1"], conn) == 0
    assert table_record(capsys.readouterr().out)["public_key"] == "ssh-rsa"
    assert calls_of(conn.compute, "get_keypair") == [(("k1",), {})]

    def delete_keypair(name: str, ignore_missing: bool = True, user_id: Any = None) -> None:
        if name == "gone":
            raise http_error(
                404,
                {"itemNotFound": {"code": 404, "message": "Keypair gone not found for user u"}},
            )

    conn.compute.returns["delete_keypair"] = delete_keypair
    assert run(["keypair", "delete", "gone", "k1"], conn) == 1
    assert calls_of(conn.compute, "delete_keypair")[-1] == (("k1",), {"ignore_missing": False})
    assert capsys.readouterr().err.splitlines() == [
        "Error: gone: Keypair gone not found for user u (HTTP 404)",
        "Error: 1 of 2 key pairs could not be deleted",
    ]


# -- server groups ------------------------------------------------------------------------


def test_server_group_create_with_rule(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.returns["create_server_group"] = lambda **attrs: ServerGroup(
        id="g-1", member_ids=[], project_id="p", user_id="u", **attrs
    )
    argv = ["server", "group", "create", "web", "--policy", "anti-affinity"]
    assert run([*argv, "--rule", "max_server_per_host=2", "-f", "json"], conn) == 0
    assert calls_of(conn.compute, "create_server_group") == [
        ((), {"name": "web", "policy": "anti-affinity", "rules": {"max_server_per_host": 2}})
    ]
    assert json.loads(capsys.readouterr().out) == {
        "id": "g-1",
        "name": "web",
        "policy": "anti-affinity",
        "rules": {"max_server_per_host": 2},
        "members": [],
        "project_id": "p",
        "user_id": "u",
    }
    assert run(["server", "group", "create", "db"], conn) == 0
    assert calls_of(conn.compute, "create_server_group")[-1] == (
        (),
        {"name": "db", "policy": "affinity"},
    )


def test_server_group_list_show_delete(conn: FakeConnection, capsys: Any) -> None:
    old = ServerGroup(id="g-1", name="web", policies=["anti-affinity"], member_ids=["s1"])
    conn.compute.returns["server_groups"] = [old]
    assert run(["server", "group", "list", "--all-projects", "-f", "json"], conn) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"ID": "g-1", "Name": "web", "Policy": "anti-affinity", "Members": ["s1"]}
    ]
    assert calls_of(conn.compute, "server_groups") == [((), {"all_projects": True})]

    conn.compute.returns["find_server_group"] = lambda name, **kw: old if name == "web" else None
    assert run(["server", "group", "show", "web"], conn) == 0
    assert table_record(capsys.readouterr().out)["policy"] == "anti-affinity"
    assert run(["server", "group", "delete", "web", "nope"], conn) == 1
    assert calls_of(conn.compute, "delete_server_group") == [((old,), {"ignore_missing": False})]
    assert capsys.readouterr().err.splitlines() == [
        "Error: nope: No server group found for nope",
        "Error: 1 of 2 server groups could not be deleted",
    ]


# -- aggregates and availability zones ------------------------------------------------------


def aggregate(**attrs: Any) -> Aggregate:
    values = {"id": 1, "uuid": "a-uuid", "name": "fast", "hosts": [], "metadata": {}}
    return Aggregate(**values | attrs)


def test_aggregate_create_with_zone_and_properties(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.returns["create_aggregate"] = lambda **attrs: aggregate(uuid=None, **attrs)
    conn.compute.returns["get_aggregate"] = lambda agg: aggregate(
        availability_zone="az1", metadata={"availability_zone": "az1", "ssd": "true"}
    )
    argv = ["aggregate", "create", "fast", "--zone", "az1", "--property", "ssd=true"]
    assert run([*argv, "-f", "json"], conn) == 0
    assert called(conn.compute) == ["create_aggregate", "set_aggregate_metadata", "get_aggregate"]
    assert calls_of(conn.compute, "create_aggregate") == [
        ((), {"name": "fast", "availability_zone": "az1"})
    ]
    assert calls_of(conn.compute, "set_aggregate_metadata")[0][0][1] == {"ssd": "true"}
    assert calls_of(conn.compute, "get_aggregate") == [((1,), {})]
    data = json.loads(capsys.readouterr().out)
    assert data["uuid"] == "a-uuid" and data["availability_zone"] == "az1"
    assert data["properties"] == {"ssd": "true"}  # the zone is not repeated


def test_aggregate_list_and_show(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.returns["aggregates"] = [aggregate(hosts=["h1"], metadata={"k": "v"})]
    assert run(["aggregate", "list", "-f", "json"], conn) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "ID": 1,
            "Name": "fast",
            "Availability Zone": None,
            "Hosts": ["h1"],
            "Properties": {"k": "v"},
        }
    ]
    assert run(["aggregate", "show", "slow"], conn) == 1
    assert capsys.readouterr().err == "Error: No aggregate found for slow\n"


def test_aggregate_set_unset_hosts_delete(conn: FakeConnection, capsys: Any) -> None:
    agg = aggregate()
    conn.compute.returns["find_aggregate"] = lambda name, ignore_missing=True: (
        agg if name in ("fast", "1") else None
    )
    conn.compute.returns["get_aggregate"] = lambda a: aggregate(hosts=["h1"])
    argv = ["aggregate", "set", "fast", "--name", "faster", "--zone", "az2", "--property", "a=1"]
    assert run(argv, conn) == 0
    assert calls_of(conn.compute, "update_aggregate") == [
        ((agg,), {"name": "faster", "availability_zone": "az2"})
    ]
    assert calls_of(conn.compute, "set_aggregate_metadata") == [((agg, {"a": "1"}), {})]
    assert run(["aggregate", "set", "fast"], conn) == 1
    assert capsys.readouterr().err == "Error: Nothing to set: give --name, --zone or --property\n"

    assert run(["aggregate", "unset", "fast", "--property", "a", "--property", "b"], conn) == 0
    assert calls_of(conn.compute, "set_aggregate_metadata")[-1] == (
        (agg, {"a": None, "b": None}),
        {},
    )

    assert run(["aggregate", "add", "host", "fast", "h1", "-f", "json"], conn) == 0
    assert calls_of(conn.compute, "add_host_to_aggregate") == [((agg, "h1"), {})]
    assert json.loads(capsys.readouterr().out)["hosts"] == ["h1"]
    assert run(["aggregate", "remove", "host", "1", "h1"], conn) == 0
    assert calls_of(conn.compute, "remove_host_from_aggregate") == [((agg, "h1"), {})]
    capsys.readouterr()

    assert run(["aggregate", "delete", "fast", "slow"], conn) == 1
    assert calls_of(conn.compute, "delete_aggregate") == [((agg,), {"ignore_missing": False})]
    assert (
        capsys.readouterr().err.splitlines()[-1] == "Error: 1 of 2 aggregates could not be deleted"
    )


def test_availability_zone_list(conn: FakeConnection, capsys: Any) -> None:
    zones = [
        AvailabilityZone(
            name="az1",
            state={"available": True},
            hosts={
                "h2": {"nova-compute": {"available": False, "active": True, "updated_at": "t2"}},
                "h1": {"nova-compute": {"available": True, "active": True, "updated_at": "t1"}},
            },
        ),
        AvailabilityZone(name="old", state={"available": False}, hosts=None),
    ]
    conn.compute.returns["availability_zones"] = lambda details=False: zones
    assert run(["availability", "zone", "list", "-f", "json"], conn) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"Zone Name": "az1", "Zone Status": "available"},
        {"Zone Name": "old", "Zone Status": "not available"},
    ]
    assert calls_of(conn.compute, "availability_zones") == [((), {"details": False})]
    assert run(["availability", "zone", "list", "--long", "-f", "json"], conn) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["Zone Name"], r["Host Name"], r["Service Status"]) for r in rows] == [
        ("az1", "h1", "enabled up"),
        ("az1", "h2", "enabled down"),
        ("old", None, None),
    ]
    assert calls_of(conn.compute, "availability_zones")[-1] == ((), {"details": True})


# -- quotas and limits ------------------------------------------------------------------


def quota(**attrs: Any) -> QuotaSet:
    values = {"instances": 10, "cores": 20, "ram": 51200, "key_pairs": 100, "server_groups": 10}
    return QuotaSet(**values | attrs)


def test_quota_show_for_the_noauth2_project(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.returns["get_quota_set"] = lambda project, usage=False: quota()
    assert run(["quota", "show", "-f", "json"], conn) == 0
    assert calls_of(conn.compute, "get_quota_set") == [(("proj-1",), {"usage": False})]
    assert json.loads(capsys.readouterr().out) == {
        "instances": 10,
        "cores": 20,
        "ram": 51200,
        "key_pairs": 100,
        "server_groups": 10,
    }
    conn.current_project_id = "keystone-project"
    assert run(["quota", "show"], conn) == 0
    assert calls_of(conn.compute, "get_quota_set")[-1][0] == ("keystone-project",)
    assert run(["quota", "show", "--project", "other"], conn) == 0
    assert calls_of(conn.compute, "get_quota_set")[-1][0] == ("other",)


def test_quota_show_without_a_known_project(conn: FakeConnection, capsys: Any) -> None:
    conn.config.config = {"auth_type": "password", "auth": {}}
    assert run(["quota", "show"], conn) == 1
    assert capsys.readouterr().err == (
        "Error: Cannot tell the current project from the authentication; use --project\n"
    )
    assert conn.compute.calls == []


def test_quota_show_usage_and_defaults(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.returns["get_quota_set"] = lambda project, usage=False: quota(
        usage={"instances": 2, "cores": 3}, reservation={"instances": 0}
    )
    assert run(["quota", "show", "--usage", "-f", "json"], conn) == 0
    assert calls_of(conn.compute, "get_quota_set") == [(("proj-1",), {"usage": True})]
    rows = json.loads(capsys.readouterr().out)
    assert rows[0] == {"Resource": "instances", "Limit": 10, "In Use": 2, "Reserved": 0}
    assert rows[1] == {"Resource": "cores", "Limit": 20, "In Use": 3, "Reserved": None}
    conn.compute.returns["get_quota_set_defaults"] = lambda project: quota(instances=5)
    assert run(["quota", "show", "--default"], conn) == 0
    assert calls_of(conn.compute, "get_quota_set_defaults") == [(("proj-1",), {})]
    assert table_record(capsys.readouterr().out)["instances"] == "5"


def test_quota_set(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.returns["update_quota_set"] = lambda project, **attrs: quota(instances=-1)
    argv = ["quota", "set", "--project", "p2", "--instances", "-1", "--key-pairs", "5"]
    assert run([*argv, "--server-group-members", "0", "--force"], conn) == 0
    assert calls_of(conn.compute, "update_quota_set") == [
        (("p2",), {"instances": -1, "key_pairs": 5, "server_group_members": 0, "force": True})
    ]
    assert table_record(capsys.readouterr().out)["instances"] == "-1"
    assert run(["quota", "set", "--project", "p2"], conn) == 1
    assert capsys.readouterr().err.startswith("Error: Nothing to set: give one of --instances,")


def test_limits_show(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.returns["get_limits"] = lambda **query: Limits(
        absolute={"maxTotalInstances": 10, "totalInstancesUsed": 2, "maxServerGroups": 5}
    )
    assert run(["limits", "show", "-f", "json"], conn) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"Name": "maxTotalInstances", "Value": 10},
        {"Name": "totalInstancesUsed", "Value": 2},
        {"Name": "maxServerGroups", "Value": 5},
    ]
    assert run(["limits", "show", "--project", "p2"], conn) == 0
    assert calls_of(conn.compute, "get_limits") == [((), {}), ((), {"project_id": "p2"})]


# -- services and hypervisors ------------------------------------------------------------


def compute_service(**attrs: Any) -> Service:
    values = {"id": "s-1", "binary": "nova-compute", "host": "h1", "status": "enabled"}
    return Service(**values | attrs)


def test_service_set(conn: FakeConnection, capsys: Any) -> None:
    found = compute_service()
    conn.compute.returns["find_service"] = lambda name, ignore_missing=True, **query: (
        found if query == {"host": "h1"} else None
    )
    conn.compute.returns["disable_service"] = lambda service, **kw: compute_service(
        status="disabled", disabled_reason="maintenance"
    )
    argv = ["service", "set", "h1", "nova-compute", "--disable", "--disable-reason", "maintenance"]
    assert run([*argv, "-f", "json"], conn) == 0
    assert calls_of(conn.compute, "disable_service") == [
        ((found,), {"disabled_reason": "maintenance", "host": "h1", "binary": "nova-compute"})
    ]
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "disabled" and data["disabled_reason"] == "maintenance"

    conn.compute.returns["update_service_forced_down"] = lambda service, **kw: compute_service(
        is_forced_down=True, state="down"
    )
    assert run(["service", "set", "h1", "nova-compute", "--enable", "--down"], conn) == 0
    assert called(conn.compute)[-2:] == ["enable_service", "update_service_forced_down"]
    assert calls_of(conn.compute, "update_service_forced_down")[-1][1]["forced"] is True
    assert table_record(capsys.readouterr().out)["forced_down"] == "True"
    assert run(["service", "set", "h1", "nova-compute", "--up"], conn) == 0
    assert calls_of(conn.compute, "update_service_forced_down")[-1][1]["forced"] is False
    capsys.readouterr()


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["h9", "nova-compute", "--up"], "No nova-compute service on host h9"),
        (["h1", "nova-compute", "--disable-reason", "x"], "--disable-reason needs --disable"),
        (["h1", "nova-compute"], "Nothing to set: give --enable, --disable, --up or --down"),
    ],
)
def test_service_set_errors(conn: FakeConnection, capsys: Any, argv: list[str], error: str) -> None:
    assert run(["service", "set", *argv], conn) == 1
    assert capsys.readouterr().err == f"Error: {error}\n"
    assert not {"enable_service", "disable_service", "update_service_forced_down"} & set(
        called(conn.compute)
    )


def test_service_delete(conn: FakeConnection, capsys: Any) -> None:
    assert run(["service", "delete", "s-1", "s-2"], conn) == 0
    assert calls_of(conn.compute, "delete_service") == [
        (("s-1",), {"ignore_missing": False}),
        (("s-2",), {"ignore_missing": False}),
    ]


class UsageHypervisor(Hypervisor):
    """A hypervisor whose fetch records the microversion asked for."""

    def fetch(self, session: Any, *args: Any, microversion: str | None = None, **kw: Any) -> Any:
        session.calls.append(("Hypervisor.fetch", microversion))
        return UsageHypervisor(id=self.id, name=self.name, vcpus=8, vcpus_used=2)


def test_hypervisor_show_with_usage(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.returns["find_hypervisor"] = lambda name, ignore_missing=True: (
        UsageHypervisor(id="hv-1", name="h1") if name == "h1" else None
    )
    assert run(["hypervisor", "show", "h1", "-f", "json"], conn) == 0
    assert conn.compute.calls[-1] == ("Hypervisor.fetch", "2.87")  # 2.88 has no usage
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == "hv-1" and data["vcpus"] == 8 and data["vcpus_used"] == 2
    assert run(["hypervisor", "show", "h2"], conn) == 1
    assert capsys.readouterr().err == "Error: No hypervisor found for h2\n"


def json_response(status: int, body: dict) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers["content-type"] = "application/json"
    response._content = json.dumps(body).encode()
    response.url = "http://127.0.0.1:8774/v2.1/os-hypervisors/statistics"
    return response


def test_hypervisor_stats_show(conn: FakeConnection, capsys: Any) -> None:
    stats = {"count": 2, "vcpus": 32, "vcpus_used": 1}
    conn.compute.returns["get"] = json_response(200, {"hypervisor_statistics": stats})
    assert run(["hypervisor", "stats", "show", "-f", "json"], conn) == 0
    assert json.loads(capsys.readouterr().out) == stats
    assert calls_of(conn.compute, "get") == [
        (("/os-hypervisors/statistics",), {"microversion": "2.87"})
    ]
    forbidden = {"forbidden": {"code": 403, "message": "Policy doesn't allow it."}}
    conn.compute.returns["get"] = json_response(403, forbidden)
    assert run(["hypervisor", "stats", "show"], conn) == 1
    assert capsys.readouterr().err == "Error: Policy doesn't allow it. (HTTP 403)\n"


# -- server actions -----------------------------------------------------------------------


def test_server_image_create(conn: FakeConnection, capsys: Any) -> None:
    server = conn.compute.add_server([{}], id="u1", name="web")
    conn.compute.returns["create_server_image"] = lambda server, name, **kw: Image(
        id="img-new", name=name, status="active"
    )
    argv = ["server", "image", "create", "web", "--property", "k=v", "--wait"]
    assert run([*argv, "--wait-timeout", "30", "-f", "json"], conn) == 0
    assert calls_of(conn.compute, "create_server_image") == [
        ((server, "web"), {"metadata": {"k": "v"}, "wait": True, "timeout": 30.0})
    ]
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == "img-new" and data["name"] == "web" and data["status"] == "active"
    assert run(["server", "image", "create", "web", "--name", "snap"], conn) == 0
    assert calls_of(conn.compute, "create_server_image")[-1] == (
        (server, "snap"),
        {"metadata": None, "wait": False, "timeout": 600.0},
    )


def test_server_image_create_needs_an_image_service(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.add_server([{}], id="u1", name="web")
    conn.image.returns["get_endpoint"] = conn.compute.returns["get_endpoint"]
    assert run(["server", "image", "create", "web"], conn) == 1
    assert capsys.readouterr().err.startswith("Error: Cannot create an image: no image service")
    assert "create_server_image" not in called(conn.compute)


def found_as(server: Server, status: str) -> None:
    """Let lookups find ``server`` in ``status`` with no task (its GETs follow its script)."""
    server.status, server.task_state = status, None


def test_server_shelve_and_wait(conn: FakeConnection, capsys: Any) -> None:
    web = conn.compute.add_server(
        [
            {"status": "ACTIVE", "task_state": "shelving"},
            {"status": "SHELVED", "task_state": "shelving_offloading"},
            {"status": "SHELVED_OFFLOADED", "task_state": None},
        ],
        id="u1",
        name="web",
    )
    found_as(web, "ACTIVE")
    assert run(["server", "shelve", "web", "--wait", "--poll-interval", "0"], conn) == 0
    assert called(conn.compute).count("shelve_server") == 1
    assert "shelve_offload_server" not in called(conn.compute)
    assert capsys.readouterr().err.splitlines() == [
        "web (u1): ACTIVE (task: shelving)",
        "web (u1): SHELVED (task: shelving_offloading)",
        "web (u1): SHELVED_OFFLOADED",
    ]


def test_server_shelve_offload(conn: FakeConnection, capsys: Any) -> None:
    # web is shelved but stays on its host: offloaded after the shelve; db already is
    # SHELVED: offloaded at once.
    web = conn.compute.add_server(
        [
            {"status": "ACTIVE", "task_state": "shelving"},
            {"status": "SHELVED", "task_state": None},
            {"status": "SHELVED", "task_state": "shelving_offloading"},
            {"status": "SHELVED_OFFLOADED", "task_state": None},
        ],
        id="u1",
        name="web",
    )
    db = conn.compute.add_server(
        [
            {"status": "SHELVED", "task_state": "shelving_offloading"},
            {"status": "SHELVED_OFFLOADED", "task_state": None},
        ],
        id="u2",
        name="db",
    )
    found_as(web, "ACTIVE")
    found_as(db, "SHELVED")
    argv = ["server", "shelve", "web", "db", "--offload", "--wait", "--poll-interval", "0"]
    assert run(argv, conn) == 0
    assert [(c, a[0][0].id) for c, a in conn.compute.calls if c.startswith("shelve")] == [
        ("shelve_server", "u1"),
        ("shelve_offload_server", "u2"),
        ("shelve_offload_server", "u1"),
    ]
    assert web.status == db.status == "SHELVED_OFFLOADED"
    capsys.readouterr()


def test_server_shelve_that_fails_is_reported(conn: FakeConnection, capsys: Any) -> None:
    web = conn.compute.add_server(
        [{"status": "ACTIVE", "task_state": "shelving"}, {"status": "ACTIVE", "task_state": None}],
        id="u1",
        name="web",
    )
    found_as(web, "ACTIVE")
    assert run(["server", "shelve", "web", "--wait", "--poll-interval", "0"], conn) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "Error: Server web (u1) is ACTIVE, not SHELVED or SHELVED_OFFLOADED"
    )


def test_server_unshelve(conn: FakeConnection, capsys: Any) -> None:
    web = conn.compute.add_server(
        [
            {"status": "SHELVED_OFFLOADED", "task_state": "unshelving"},
            {"status": "ACTIVE", "task_state": None},
        ],
        id="u1",
        name="web",
    )
    found_as(web, "SHELVED_OFFLOADED")
    argv = ["server", "unshelve", "web", "--availability-zone", "az1", "--host", "h1"]
    assert run([*argv, "--wait", "--poll-interval", "0"], conn) == 0
    (args, kwargs) = calls_of(conn.compute, "unshelve_server")[0]
    assert args[0].id == "u1" and kwargs == {"availability_zone": "az1", "host": "h1"}
    assert capsys.readouterr().err.splitlines()[-1] == "web (u1): ACTIVE"


def test_server_lock_and_unlock(conn: FakeConnection, capsys: Any) -> None:
    web = conn.compute.add_server([{}], id="u1", name="web")
    db = conn.compute.add_server([{}], id="u2", name="db")
    assert run(["server", "lock", "web", "db", "--reason", "audit"], conn) == 0
    assert calls_of(conn.compute, "lock_server") == [
        ((web,), {"locked_reason": "audit"}),
        ((db,), {"locked_reason": "audit"}),
    ]
    assert run(["server", "lock", "web"], conn) == 0
    assert calls_of(conn.compute, "lock_server")[-1] == ((web,), {"locked_reason": None})

    def unlock_server(server: Server) -> None:
        if server.id == "u1":
            raise http_error(
                409, {"conflictingRequest": {"code": 409, "message": "Instance is locked"}}
            )

    conn.compute.returns["unlock_server"] = unlock_server
    assert run(["server", "unlock", "web", "db", "nope"], conn) == 1
    assert [a[0][0].id for a in calls_of(conn.compute, "unlock_server")] == ["u1", "u2"]
    assert capsys.readouterr().err.splitlines() == [
        "Error: web: Instance is locked (HTTP 409)",
        "Error: nope: No server found for nope",
        "Error: 2 of 3 servers could not be unlocked",
    ]


def test_server_tags(conn: FakeConnection, capsys: Any) -> None:
    web = conn.compute.add_server([{}], id="u1", name="web", tags=["b", "a"])
    assert run(["server", "tag", "list", "web", "-f", "json"], conn) == 0
    assert json.loads(capsys.readouterr().out) == [{"Tag": "a"}, {"Tag": "b"}]
    assert run(["server", "tag", "add", "web", "c", "d"], conn) == 0
    assert calls_of(conn.compute, "add_tag_to_server") == [((web, "c"), {}), ((web, "d"), {})]
    assert run(["server", "tag", "remove", "web", "a"], conn) == 0
    assert calls_of(conn.compute, "remove_tag_from_server") == [((web, "a"), {})]


def test_server_metadata(conn: FakeConnection, capsys: Any) -> None:
    web = conn.compute.add_server([{}], id="u1", name="web")
    conn.compute.returns["get_server_metadata"] = lambda server: Server(
        id=server.id, metadata={"b": "2", "a": "1"}
    )
    assert run(["server", "metadata", "list", "web", "-f", "json"], conn) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": "2"},
    ]
    assert run(["server", "metadata", "set", "web", "a=1", "b=x=y"], conn) == 0
    assert calls_of(conn.compute, "set_server_metadata") == [((web,), {"a": "1", "b": "x=y"})]
    assert run(["server", "metadata", "unset", "web", "a", "b"], conn) == 0
    assert calls_of(conn.compute, "delete_server_metadata") == [((web, ["a", "b"]), {})]


# -- server migrations and events --------------------------------------------------------

MIGRATION_UUID = "0a1b2c3d-0000-4000-8000-000000000001"
SERVER_UUID = "5d721114-1d14-4a51-8fcc-bd2b5cfdd705"


def test_server_migration_list(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.add_server([{}], id=SERVER_UUID, name="web")
    conn.compute.returns["migrations"] = [
        Migration(
            id=7,
            uuid=MIGRATION_UUID,
            server_id=SERVER_UUID,
            migration_type="live-migration",
            status="running",
            source_compute="h1",
            dest_compute="h2",
            created_at="t",
        )
    ]
    argv = ["server", "migration", "list", "--server", "web", "--status", "running"]
    assert run([*argv, "--type", "live-migration", "--host", "h1", "-f", "json"], conn) == 0
    assert calls_of(conn.compute, "migrations") == [
        (
            (),
            {
                "server_id": SERVER_UUID,
                "host": "h1",
                "status": "running",
                "migration_type": "live-migration",
            },
        )
    ]
    assert json.loads(capsys.readouterr().out) == [
        {
            "ID": 7,
            "UUID": MIGRATION_UUID,
            "Server": SERVER_UUID,
            "Type": "live-migration",
            "Status": "running",
            "Source": "h1",
            "Dest": "h2",
            "Created At": "t",
        }
    ]


def test_server_migration_show_abort_force_complete(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.add_server([{}], id=SERVER_UUID, name="web")
    in_progress = ServerMigration(id=7, uuid=MIGRATION_UUID, server_id=SERVER_UUID)
    conn.compute.returns["server_migrations"] = [in_progress]
    conn.compute.returns["get_server_migration"] = lambda number, server, **kw: ServerMigration(
        id=int(number), uuid=MIGRATION_UUID, status="running", memory_total_bytes=1024
    )
    assert run(["server", "migration", "show", "web", MIGRATION_UUID, "-f", "json"], conn) == 0
    assert calls_of(conn.compute, "server_migrations") == [((SERVER_UUID,), {})]
    assert calls_of(conn.compute, "get_server_migration") == [
        (("7", SERVER_UUID), {"ignore_missing": False})
    ]
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == 7 and data["status"] == "running" and data["memory_total_bytes"] == 1024

    assert run(["server", "migration", "abort", SERVER_UUID, "7"], conn) == 0
    assert calls_of(conn.compute, "abort_server_migration") == [
        (("7", SERVER_UUID), {"ignore_missing": False})
    ]
    assert run(["server", "migration", "force", "complete", "web", MIGRATION_UUID], conn) == 0
    assert calls_of(conn.compute, "force_complete_server_migration") == [(("7", SERVER_UUID), {})]
    other = "0a1b2c3d-0000-4000-8000-000000000002"
    assert run(["server", "migration", "abort", "web", other], conn) == 1
    assert capsys.readouterr().err == (
        f"Error: No migration {other} in progress for server {SERVER_UUID}\n"
    )


def test_server_event_list_and_show(conn: FakeConnection, capsys: Any) -> None:
    conn.compute.add_server([{}], id=SERVER_UUID, name="web")
    action = ServerAction(
        request_id="req-1",
        action="create",
        start_time="t0",
        user_id="u",
        project_id="p",
        events=[
            {"event": "compute_build_and_run_instance", "result": "Success", "host": "h1"},
        ],
    )
    conn.compute.returns["server_actions"] = [action]
    conn.compute.returns["get_server_action"] = lambda request_id, server, **kw: action
    assert run(["server", "event", "list", "web", "-f", "json"], conn) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "Request ID": "req-1",
            "Action": "create",
            "Start Time": "t0",
            "Message": None,
            "User ID": "u",
        }
    ]
    assert calls_of(conn.compute, "server_actions") == [((SERVER_UUID,), {})]
    assert run(["server", "event", "show", "web", "req-1", "-f", "json"], conn) == 0
    assert calls_of(conn.compute, "get_server_action") == [
        (("req-1", SERVER_UUID), {"ignore_missing": False})
    ]
    data = json.loads(capsys.readouterr().out)
    assert data["action"] == "create" and data["server_id"] == SERVER_UUID
    assert data["events"] == [
        {"event": "compute_build_and_run_instance", "result": "Success", "host": "h1"}
    ]


def test_server_event_list_of_a_deleted_server(conn: FakeConnection, capsys: Any) -> None:
    # A deleted server cannot be found, but its UUID still names its actions (2.21).
    conn.compute.returns["server_actions"] = []
    assert run(["server", "event", "list", SERVER_UUID], conn) == 0
    assert calls_of(conn.compute, "server_actions") == [((SERVER_UUID,), {})]
    assert run(["server", "event", "list", "web"], conn) == 1
    assert capsys.readouterr().err.endswith("Error: No server found for web\n")


# -- errors ---------------------------------------------------------------------------


def test_http_error_is_one_line(conn: FakeConnection, capsys: Any) -> None:
    assert run(["flavor", "create", "m1.tiny", "--ram", "1", "--vcpus", "1"], conn) == 1
    assert capsys.readouterr().err == (
        "Error: Flavor with name m1.tiny already exists. (HTTP 409)\n"
    )


def test_forbidden_from_listing(conn: FakeConnection, capsys: Any) -> None:
    def services() -> list:
        raise http_error(
            403,
            {
                "forbidden": {
                    "code": 403,
                    "message": "Policy doesn't allow os_compute_api:os-services:list "
                    "to be performed.",
                }
            },
        )

    conn.compute.services = services
    assert run(["service", "list"], conn) == 1
    assert capsys.readouterr().err == (
        "Error: Policy doesn't allow os_compute_api:os-services:list to be performed. (HTTP 403)\n"
    )


def test_connection_refused(capsys: Any) -> None:
    def refuse(config: Any, options: Any) -> Any:
        try:
            try:
                raise ConnectionRefusedError(111, "Connection refused")
            except ConnectionRefusedError as exc:
                raise requests.ConnectionError("Max retries exceeded") from exc
        except requests.ConnectionError as exc:
            raise ks_exc.ConnectFailure(
                "Unable to establish connection to http://127.0.0.1:1/v2.1/servers/detail: "
                "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded"
            ) from exc

    assert shell.run(["server", "list"], connect=refuse) == 1
    assert capsys.readouterr().err == (
        "Error: Unable to connect to http://127.0.0.1:1/v2.1/servers/detail: Connection refused\n"
    )


def test_unexpected_exception_no_traceback_unless_debug(capsys: Any) -> None:
    def broken(config: Any, options: Any) -> Any:
        raise ValueError("something odd\nsecond line")

    assert shell.run(["server", "list"], connect=broken) == 1
    assert capsys.readouterr().err == "Error: something odd second line\n"
    assert shell.run(["--debug", "server", "list"], connect=broken) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and err.endswith("Error: something odd second line\n")


def test_describe_discovery_failure_without_os_error() -> None:
    exc = ks_exc.DiscoveryFailure("Unable to find a version discovery document at http://x")
    assert errors.describe(exc) == "Unable to find a version discovery document at http://x"


def test_no_auth_configured(capsys: Any) -> None:
    assert cli.main(["server", "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: Auth plugin requires parameters which were not given: auth_url")
    assert err.count("\n") == 1


def test_unknown_cloud(tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text("clouds:\n  dev:\n    auth_type: admin_token\n")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    assert cli.main(["--os-cloud", "nope", "server", "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "nope" in err and err.count("\n") == 1


# -- the real openstacksdk connection, against a tiny local HTTP server -------------------


class _StubAPI(http.server.BaseHTTPRequestHandler):
    """A tiny Compute API: version discovery, flavors, multi-create; records requests."""

    seen: ClassVar[list[tuple[str, str | None]]] = []
    posted: ClassVar[list[dict]] = []

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("X-Auth-Token")))
        base = f"http://{self.headers['Host']}"
        version = {
            "id": "v2.1",
            "status": "CURRENT",
            "version": "2.1",
            "min_version": "2.1",
            "links": [{"rel": "self", "href": f"{base}/v2.1/"}],
        }
        flavor = {
            "id": "7",
            "name": "m1.stub",
            "ram": 128,
            "vcpus": 1,
            "disk": 0,
            "os-flavor-access:is_public": True,
            "links": [],
        }
        if self.path.rstrip("/") == "/v2.1":
            self._reply(200, {"version": version})
        elif self.path.rstrip("/") == "":
            self._reply(300, {"versions": [version]})
        elif self.path.split("?")[0] in ("/v2.1/flavors", "/v2.1/flavors/detail"):
            self._reply(200, {"flavors": [flavor]})
        elif self.path == "/v2.1/flavors/7":
            self._reply(200, {"flavor": flavor})
        elif self.path == "/v2.1/servers/detail?reservation_id=r-stub":
            servers = [
                {"id": f"s{n}", "name": f"vm-{n}", "status": "BUILD", "flavor": {"id": "7"}}
                for n in (2, 1)
            ]
            self._reply(200, {"servers": servers})
        else:
            self._reply(404, {"itemNotFound": {"code": 404, "message": "Not found."}})

    def do_POST(self) -> None:
        self.seen.append((self.path, self.headers.get("X-Auth-Token")))
        length = int(self.headers.get("Content-Length") or 0)
        self.posted.append(json.loads(self.rfile.read(length)))
        if self.path == "/v2.1/servers":
            self._reply(202, {"reservation_id": "r-stub"})
        else:
            self._reply(404, {"itemNotFound": {"code": 404, "message": "Not found."}})

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stub_api() -> Any:
    _StubAPI.seen = []
    _StubAPI.posted = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StubAPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_noauth2_env_vars_reach_the_endpoint(
    stub_api: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("OS_AUTH_TYPE", "admin_token")
    monkeypatch.setenv("OS_TOKEN", "demo:demoproject")
    monkeypatch.setenv("OS_ENDPOINT", f"{stub_api}/v2.1")
    assert cli.main(["flavor", "list", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["Name"] == "m1.stub"
    flavor_requests = [r for r in _StubAPI.seen if r[0].startswith("/v2.1/flavors")]
    assert flavor_requests and all(token == "demo:demoproject" for _, token in flavor_requests)


def test_clouds_yaml_admin_token(
    stub_api: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(
        "clouds:\n  dev:\n    auth_type: admin_token\n    auth:\n"
        f"      token: admin:admin\n      endpoint: {stub_api}/v2.1\n"
    )
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    assert cli.main(["--os-cloud", "dev", "flavor", "list"]) == 0
    assert "m1.stub" in capsys.readouterr().out
    assert ("/v2.1/flavors/detail?is_public=None", "admin:admin") in _StubAPI.seen


def test_http_error_from_real_sdk(
    stub_api: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("OS_AUTH_TYPE", "admin_token")
    monkeypatch.setenv("OS_TOKEN", "admin:admin")
    monkeypatch.setenv("OS_ENDPOINT", f"{stub_api}/v2.1")
    assert cli.main(["service", "list"]) == 1
    assert capsys.readouterr().err == "Error: Not found. (HTTP 404)\n"


def test_real_connection_refused(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("OS_AUTH_TYPE", "admin_token")
    monkeypatch.setenv("OS_TOKEN", "admin:admin")
    monkeypatch.setenv("OS_ENDPOINT", f"http://127.0.0.1:{port}/v2.1")
    assert cli.main(["server", "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Error: Unable to connect to http://127.0.0.1:{port}/v2.1")
    assert err.endswith(": Connection refused\n")


def test_multi_create_through_real_sdk(
    stub_api: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setattr(servers, "create_batch", REAL_CREATE_BATCH)
    monkeypatch.setenv("OS_AUTH_TYPE", "admin_token")
    monkeypatch.setenv("OS_TOKEN", "admin:admin")
    monkeypatch.setenv("OS_ENDPOINT", f"{stub_api}/v2.1")
    argv = ["server", "create", "vm", "--flavor", "m1.stub", "--image", IMAGE, "--max", "2"]
    assert cli.main([*argv, "-f", "json"]) == 0
    assert _StubAPI.posted == [
        {
            "server": {
                "name": "vm",
                "flavorRef": "7",
                "imageRef": IMAGE,
                "min_count": 1,
                "max_count": 2,
                "return_reservation_id": True,
            }
        }
    ]
    rows = json.loads(capsys.readouterr().out)
    assert [(r["ID"], r["Name"], r["Flavor"]) for r in rows] == [
        ("s1", "vm-1", "m1.stub"),
        ("s2", "vm-2", "m1.stub"),
    ]
