"""The daemons as separate processes on real RabbitMQ and MariaDB."""

from __future__ import annotations

import collections
import configparser
import contextlib
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import psutil
import pymysql

from tests.integration import deployment as dep_mod
from tests.integration.conftest import FLAVOR

NON_DB_DAEMONS = ("api", "scheduler")  # plus every compute


def _ids(servers: list[dict]) -> list[str]:
    return [s["id"] for s in servers]


def _named(prefix: str):
    """A filter: the servers (of a list) whose name starts with ``prefix``."""
    return lambda servers: [s for s in servers if s["name"].startswith(prefix)]


def _boot_and_wait(api: dep_mod.ApiClient, prefix: str, requests_: int, per_request: int):
    """Boot ``requests_`` x ``per_request`` servers, wait until none is BUILD."""
    for index in range(requests_):
        response = api.boot(f"{prefix}{index}", FLAVOR, count=per_request)
        assert response.status_code == 202, response.text
    total = requests_ * per_request
    mine = _named(prefix)
    servers = api.wait_servers(
        lambda s: len(mine(s)) == total and all(x["status"] != "BUILD" for x in mine(s)),
        timeout=60,
        interval=0.05,
    )
    return mine(servers)


def _delete_and_wait(api: dep_mod.ApiClient, ids: list[str]) -> None:
    for server_id in ids:
        response = api.delete(f"/servers/{server_id}")
        assert response.status_code == 204, response.text
    wanted = set(ids)
    api.wait_servers(lambda s: not wanted & set(_ids(s)), timeout=60, interval=0.05)


def _in_clause(values: list[str]) -> str:
    return ", ".join(["%s"] * len(values))


# -- boot and delete ------------------------------------------------------------------------


def test_boot_twenty_servers_spread_then_delete(deployment, flavor, clean_servers):
    api = deployment.api
    servers = _boot_and_wait(api, "spread-", requests_=2, per_request=10)
    assert len(servers) == 20
    faults = [(s["id"], s.get("fault")) for s in servers if s["status"] != "ACTIVE"]
    assert not faults, f"servers not ACTIVE: {faults}"
    hosts = collections.Counter(s["OS-EXT-SRV-ATTR:host"] for s in servers)
    assert set(hosts) == {"compute1", "compute2"}, hosts
    assert all(count > 0 for count in hosts.values()), hosts
    ids = _ids(servers)

    # The scheduler's claims: one allocation per instance, on the node it runs on.
    rows = deployment.query(
        "SELECT a.consumer_uuid, n.host FROM allocations a JOIN compute_nodes n "
        f"ON n.uuid = a.compute_node_uuid WHERE a.consumer_uuid IN ({_in_clause(ids)})",
        ids,
    )
    assert dict(rows) == {s["id"]: s["OS-EXT-SRV-ATTR:host"] for s in servers}

    _delete_and_wait(api, ids)
    rows = deployment.query(
        f"SELECT uuid, deleted, vm_state FROM instances WHERE uuid IN ({_in_clause(ids)})", ids
    )
    assert len(rows) == 20, "deleted instances must stay as soft-deleted rows"
    not_soft_deleted = [row for row in rows if row[1] == 0 or row[2] != "deleted"]
    assert not not_soft_deleted, not_soft_deleted
    left = deployment.query(
        f"SELECT consumer_uuid FROM allocations WHERE consumer_uuid IN ({_in_clause(ids)})", ids
    )
    assert left == [], f"allocations left behind: {left}"


def _hypervisors_once_counting(deployment, running: int, timeout: float = 5.0) -> dict:
    """Hypervisors by name once they count ``running`` guests in all (the hosts
    write their usage just after a guest goes ACTIVE), or as they are at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        stats = {h["hypervisor_hostname"]: h for h in deployment.hypervisors()}
        if sum(h["running_vms"] for h in stats.values()) == running:
            return stats
        if time.monotonic() > deadline:
            return stats
        time.sleep(0.05)


def test_hypervisor_usage_counts_every_concurrent_build(deployment, flavor, clean_servers):
    api = deployment.api
    for attempt in range(3):  # the race does not show every time
        servers = _boot_and_wait(api, f"usage{attempt}-", requests_=2, per_request=10)
        assert all(s["status"] == "ACTIVE" for s in servers)
        hosts = collections.Counter(s["OS-EXT-SRV-ATTR:host"] for s in servers)
        stats = _hypervisors_once_counting(deployment, len(servers))
        for host, count in hosts.items():
            usage = {k: stats[host][k] for k in ("vcpus_used", "running_vms")}
            assert usage == {"vcpus_used": count, "running_vms": count}, (host, count, usage)
        _delete_and_wait(api, _ids(servers))
        used = {h["hypervisor_hostname"]: h["vcpus_used"] for h in deployment.hypervisors()}
        assert used == {"compute1": 0, "compute2": 0}, used


# -- layering: only the conductor touches the database --------------------------------------


def _mysql_socket_path() -> str:
    with contextlib.closing(dep_mod.mysql_connect()) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT @@socket")
        return cursor.fetchone()[0]


def _mysql_client_inodes(socket_path: str) -> set[int]:
    """Inodes of the client ends of every unix connection to MariaDB's socket.

    ``ss -x`` shows, for each connection MariaDB accepted, its local path and the
    peer's inode; /proc/net/unix alone does not name peers.
    """
    result = subprocess.run(["ss", "-xn"], capture_output=True, text=True, check=True)
    inodes = set()
    for line in result.stdout.splitlines()[1:]:
        fields = line.split()
        # Netid State Recv-Q Send-Q Local Port Peer Port
        if len(fields) >= 8 and fields[4] == socket_path:
            inodes.add(int(fields[7]))
    return inodes


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return inodes


def _mysql_tcp_connections(pid: int) -> list:
    return [
        c
        for c in psutil.Process(pid).net_connections(kind="inet")
        if c.raddr and c.raddr.port == dep_mod.MYSQL_PORT
    ]


def _loaded_sqlalchemy(pid: int) -> bool:
    """Whether the process mapped SQLAlchemy's compiled modules (import sqlalchemy
    loads sqlalchemy/util/_collections_cy*.so)."""
    return "/sqlalchemy/" in Path(f"/proc/{pid}/maps").read_text()


def test_daemon_configs_have_no_database_but_the_conductors(deployment):
    for name, daemon in deployment.daemons.items():
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(daemon.config_file)
        if name == "conductor":
            assert parser.get("database", "connection").startswith("mysql+pymysql://")
        else:
            assert not parser.has_section("database"), f"{name} has a [database] section"
            assert "connection" not in parser.defaults()


def test_only_the_conductor_connects_to_mariadb(deployment, flavor, clean_servers):
    socket_path = _mysql_socket_path()
    # The detector must see a unix-socket client: this test process becomes one.
    with contextlib.closing(
        pymysql.connect(unix_socket=socket_path, user="root", password="")
    ) as control:
        control.ping()
        assert _socket_inodes(os.getpid()) & _mysql_client_inodes(socket_path), (
            "the unix-socket detector does not see this test's own connection"
        )

    non_db = {
        name: daemon.pid for name, daemon in deployment.daemons.items() if name != "conductor"
    }
    assert set(non_db) == {*NON_DB_DAEMONS, *deployment.compute_names}
    conductor_pid = deployment.daemons["conductor"].pid
    violations: list[str] = []
    conductor_tcp: list[int] = []
    samples = [0]
    stop = threading.Event()

    errors: list[BaseException] = []

    def sample() -> None:
        try:
            while not stop.is_set():
                clients = _mysql_client_inodes(socket_path)
                for name, pid in non_db.items():
                    tcp = _mysql_tcp_connections(pid)
                    if tcp:
                        violations.append(
                            f"{name} (pid {pid}) has TCP connections to MariaDB: {tcp}"
                        )
                    if _socket_inodes(pid) & clients:
                        violations.append(f"{name} (pid {pid}) is connected to {socket_path}")
                conductor_tcp.append(len(_mysql_tcp_connections(conductor_pid)))
                samples[0] += 1
                time.sleep(0.01)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        servers = _boot_and_wait(deployment.api, "layers-", requests_=2, per_request=10)
        _delete_and_wait(deployment.api, _ids(servers))
    finally:
        stop.set()
        sampler.join(timeout=10)

    assert not errors, f"sampling the daemons failed: {errors!r}"
    assert all(s["status"] == "ACTIVE" for s in servers)
    assert samples[0] >= 5, f"only {samples[0]} samples were taken during the boot"
    assert not violations, "\n".join(sorted(set(violations)))
    assert max(conductor_tcp) > 0, "the conductor was never seen connected to MariaDB"
    assert _loaded_sqlalchemy(conductor_pid)
    loaded = [name for name, pid in non_db.items() if _loaded_sqlalchemy(pid)]
    assert not loaded, f"daemons that imported SQLAlchemy: {loaded}"


# -- bad input -------------------------------------------------------------------------------


def _assert_fault(response, code: int, name: str) -> str:
    assert response.status_code == code, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    assert "Traceback" not in response.text
    body = response.json()
    assert list(body) == [name], body
    assert body[name]["code"] == code, body
    message = body[name]["message"]
    assert isinstance(message, str) and message, body
    return message


def test_bad_requests_get_nova_faults_and_change_nothing(deployment, flavor, clean_servers):
    api = deployment.api
    rows_before = deployment.query("SELECT COUNT(*) FROM instances")[0][0]
    server = {"name": "bad", "flavorRef": FLAVOR, "imageRef": str(uuid.uuid4())}
    headers = {"Content-Type": "application/json"}

    unknown_flavor = api.post("/servers", json={"server": {**server, "flavorRef": "no-such"}})
    assert "flavor" in _assert_fault(unknown_flavor, 400, "badRequest").lower()

    malformed = api.post("/servers", data=b'{"server": {"name": "x",', headers=headers)
    _assert_fault(malformed, 400, "badRequest")
    empty = api.post("/servers", data=b"", headers=headers)
    _assert_fault(empty, 400, "badRequest")
    no_name = api.post("/servers", json={"server": {"flavorRef": FLAVOR}})
    assert "name" in _assert_fault(no_name, 400, "badRequest")
    extra = api.post("/servers", json={"server": {**server, "bogus": 1}})
    _assert_fault(extra, 400, "badRequest")
    bad_count = api.post("/servers", json={"server": {**server, "min_count": 0}})
    _assert_fault(bad_count, 400, "badRequest")

    missing = str(uuid.uuid4())
    _assert_fault(api.get(f"/servers/{missing}"), 404, "itemNotFound")
    _assert_fault(api.delete(f"/servers/{missing}"), 404, "itemNotFound")
    _assert_fault(api.get("/servers/not-a-uuid"), 404, "itemNotFound")
    _assert_fault(api.get("/flavors/no-such"), 404, "itemNotFound")
    _assert_fault(api.get("/no-such-collection"), 404, "itemNotFound")

    wrong_method = api.request("PUT", "/servers", json={"server": server})
    _assert_fault(wrong_method, 405, "badMethod")
    _assert_fault(api.request("DELETE", "/servers/detail"), 405, "badMethod")

    not_admin = dep_mod.ApiClient(deployment.api_url, token="alice:project-a")
    forbidden = not_admin.post(
        "/flavors", json={"flavor": {"name": "x", "ram": 1, "vcpus": 1, "disk": 0}}
    )
    _assert_fault(forbidden, 403, "forbidden")

    assert deployment.query("SELECT COUNT(*) FROM instances")[0][0] == rows_before
    assert api.servers(all_tenants=1) == []


def test_non_json_body_on_flavors_is_a_400(deployment, flavor):
    """A body that is not JSON at all, with a JSON content type, is a 400, not a 500."""
    response = deployment.api.post(
        "/flavors", data=b"not json", headers={"Content-Type": "application/json"}
    )
    message = _assert_fault(response, 400, "badRequest")
    assert json.dumps(message)  # a plain string, not an exception repr of bytes


# -- restart ---------------------------------------------------------------------------------


def _service_rows(deployment, host: str, binary: str) -> list[tuple]:
    return deployment.query(
        "SELECT id, deleted, report_count FROM services WHERE host = %s AND `binary` = %s",
        (host, binary),
    )


def test_compute_killed_and_restarted_reuses_its_service_row(deployment_factory):
    deployment = deployment_factory("restart", computes=1, report_interval=1, service_down_time=10)
    api = deployment.api
    api.create_flavor(FLAVOR, ram=512, vcpus=1, disk=1)
    before = _boot_and_wait(api, "before-", requests_=1, per_request=1)
    assert [s["status"] for s in before] == ["ACTIVE"]
    (service_id, deleted, count_before_kill), *others = _service_rows(
        deployment, "compute1", "nova-compute"
    )
    assert deleted == 0 and not others

    compute = deployment.daemons["compute1"]
    old_pid = compute.pid
    compute.kill(signal.SIGKILL)
    assert not psutil.pid_exists(old_pid) or psutil.Process(old_pid).status() == "zombie"
    compute.start()
    assert compute.pid != old_pid

    def registered_again() -> bool:
        text = compute.log_file.read_text(errors="replace")
        return text.count("nova-compute started on compute1") >= 2

    deadline = time.monotonic() + 30
    while not registered_again():
        assert compute.running(), compute.log_text()[-3000:]
        assert time.monotonic() < deadline, "compute1 did not start again within 30 s"
        time.sleep(0.1)

    rows = _service_rows(deployment, "compute1", "nova-compute")
    assert [row[0] for row in rows] == [service_id], f"service rows after restart: {rows}"
    nodes = deployment.query("SELECT id FROM compute_nodes WHERE host = 'compute1' AND deleted = 0")
    assert len(nodes) == 1, f"compute node rows after restart: {nodes}"

    # It stays up and keeps reporting.
    counts = []
    for _ in range(4):
        states = {(s["binary"], s["host"]): s["state"] for s in deployment.services()}
        assert states[("nova-compute", "compute1")] == "up", states
        counts.append(_service_rows(deployment, "compute1", "nova-compute")[0][2])
        time.sleep(1)
    assert counts[-1] > counts[0] > count_before_kill, counts
    assert len(deployment.hypervisors()) == 1

    # The new process serves RPC: a new build lands on it, and both servers delete.
    after = _boot_and_wait(api, "after-", requests_=1, per_request=1)
    assert [(s["status"], s["OS-EXT-SRV-ATTR:host"]) for s in after] == [("ACTIVE", "compute1")]
    _delete_and_wait(api, _ids(before) + _ids(after))
    rows = deployment.query("SELECT deleted, vm_state FROM instances")
    assert len(rows) == 2 and all(d != 0 and vm == "deleted" for d, vm in rows), rows
    assert deployment.query("SELECT COUNT(*) FROM allocations") == [(0,)]
