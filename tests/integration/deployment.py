"""Launch a real nova-lite deployment: the daemons as separate processes on
RabbitMQ and MariaDB.

Usable from pytest fixtures and from benchmark scripts::

    with Deployment(computes=2) as dep:
        dep.api.post("/flavors", json={...})

Each deployment gets its own MariaDB database, RabbitMQ virtual host (when
``rabbitmqctl`` works; the default vhost otherwise) and ``control_exchange``,
so runs never see each other's messages. Every process writes its own log
file; :meth:`Deployment.stop` terminates the processes (SIGTERM, then SIGKILL)
and reads the logs into :attr:`Deployment.logs`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymysql
import requests

from tests import openstack_services

BIN_DIR = Path(sys.executable).parent
RABBIT_HOST, RABBIT_PORT = "127.0.0.1", 5672
MYSQL_HOST, MYSQL_PORT = "127.0.0.1", 3306
MYSQL_SOCKET = "/run/mysqld/mysqld.sock"
ADMIN_TOKEN = "admin:admin"
IMAGE = "155d900f-4e14-4e4c-a73d-069cbf4541e6"  # booted by default; in the deployment's Glance

START_RABBIT = ["rabbitmq-server", "-detached"]
START_MARIADB = [
    "start-stop-daemon", "--start", "--oknodo", "--background",
    "--exec", "/usr/sbin/mariadbd", "--", "--user=mysql",
]  # fmt: skip


class DeploymentError(RuntimeError):
    """The deployment (or the infrastructure under it) could not be brought up."""


# -- infrastructure ---------------------------------------------------------------


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()


def _mysql_ready() -> bool:
    try:
        mysql_connect().close()
        return True
    except pymysql.MySQLError:
        return False


def ensure_infrastructure(timeout: float = 90.0) -> None:
    """Make sure RabbitMQ and MariaDB answer; start them if they are down.

    Raises DeploymentError naming the component that could not be started.
    """
    if not port_open(RABBIT_HOST, RABBIT_PORT):
        _start_component("RabbitMQ", START_RABBIT)
        if not _wait_until(lambda: port_open(RABBIT_HOST, RABBIT_PORT), timeout, 0.5):
            raise DeploymentError(
                f"RabbitMQ is down and did not come up on {RABBIT_HOST}:{RABBIT_PORT} "
                f"within {timeout:.0f} s after `{' '.join(START_RABBIT)}`"
            )
    if not _mysql_ready():
        _start_component("MariaDB", START_MARIADB)
        if not _wait_until(_mysql_ready, timeout, 0.5):
            raise DeploymentError(
                f"MariaDB is down and did not accept connections on {MYSQL_HOST}:{MYSQL_PORT} "
                f"within {timeout:.0f} s after `{' '.join(START_MARIADB)}`"
            )


def _start_component(name: str, command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, timeout=60, capture_output=True)
    except (OSError, subprocess.SubprocessError) as error:
        raise DeploymentError(f"{name} is down and `{' '.join(command)}` failed: {error}") from None


def mysql_connect(database: str | None = None) -> pymysql.connections.Connection:
    """A pymysql connection as root over TCP (autocommit)."""
    return pymysql.connect(
        host=MYSQL_HOST,
        port=MYSQL_PORT,
        user="root",
        password="",
        database=database,
        autocommit=True,
        connect_timeout=5,
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _rabbitmqctl(*args: str) -> bool:
    try:
        result = subprocess.run(["rabbitmqctl", *args], capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


# -- processes ----------------------------------------------------------------------


@dataclass
class Daemon:
    """One daemon process of the deployment."""

    name: str  # conductor, scheduler, api, compute1, compute2, ...
    binary: str  # nova-lite-conductor, ...
    config_file: Path
    log_file: Path
    output_file: Path  # stdout and stderr
    env: dict[str, str] | None = None  # added to the environment
    process: subprocess.Popen | None = None
    generations: int = 0  # how many times it was started

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} is not started"
        return self.process.pid

    def start(self) -> None:
        """Start the process (again): logs are appended to."""
        executable = BIN_DIR / self.binary
        if not executable.exists():
            raise DeploymentError(f"{executable} not found (is the package installed?)")
        with open(self.output_file, "ab") as output:
            self.process = subprocess.Popen(
                [str(executable), "--config-file", str(self.config_file)],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, **self.env} if self.env else None,
            )
        self.generations += 1

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` and, for SIGKILL, reap the process."""
        if self.running():
            self.process.send_signal(sig)
            if sig == signal.SIGKILL:
                self.process.wait(timeout=10)

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; return the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    def log_text(self) -> str:
        """The daemon's log file followed by anything it printed."""
        parts = []
        for path in (self.log_file, self.output_file):
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "".join(parts)


# -- API client -------------------------------------------------------------------------


class ApiClient:
    """A thin ``requests`` client of the Compute API (v2.1) as one user."""

    def __init__(self, base_url: str, token: str = ADMIN_TOKEN, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update({"X-Auth-Token": token, "Accept": "application/json"})

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """``path`` is relative to /v2.1 (e.g. "/servers"), or absolute with http."""
        url = path if path.startswith("http") else f"{self.base_url}/v2.1{path}"
        kwargs.setdefault("timeout", self.timeout)
        return self.session.request(method, url, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def ok(self, method: str, path: str, expected: int = 200, **kwargs: Any) -> Any:
        """Make a request, assert its status, return the decoded body (or None)."""
        response = self.request(method, path, **kwargs)
        if response.status_code != expected:
            raise AssertionError(
                f"{method} {path}: expected {expected}, got {response.status_code}: "
                f"{response.text[:500]}"
            )
        return response.json() if response.content else None

    def create_flavor(
        self, name: str = "m1.test", ram: int = 512, vcpus: int = 1, disk: int = 1, flavor_id=None
    ) -> dict:
        body = {"name": name, "ram": ram, "vcpus": vcpus, "disk": disk, "id": flavor_id or name}
        return self.ok("POST", "/flavors", json={"flavor": body})["flavor"]

    def boot(
        self, name: str, flavor_ref: str, count: int = 1, image_ref: str | None = None
    ) -> requests.Response:
        """POST /servers for ``count`` servers (min_count = max_count)."""
        server = {
            "name": name,
            "flavorRef": flavor_ref,
            "imageRef": image_ref or IMAGE,
            "min_count": count,
            "max_count": count,
        }
        return self.post("/servers", json={"server": server})

    def servers(self, **params: Any) -> list[dict]:
        """GET /servers/detail (the caller's project unless all_tenants)."""
        params.setdefault("limit", 1000)
        return self.ok("GET", "/servers/detail", params=params)["servers"]

    def wait_servers(
        self,
        predicate: Callable[[list[dict]], bool],
        timeout: float = 60.0,
        interval: float = 0.2,
        **params: Any,
    ) -> list[dict]:
        """Poll GET /servers/detail until ``predicate(servers)`` holds; return the list."""
        deadline = time.monotonic() + timeout
        servers = self.servers(**params)
        while not predicate(servers):
            if time.monotonic() > deadline:
                states = sorted({(s["status"], s.get("OS-EXT-STS:task_state")) for s in servers})
                raise TimeoutError(
                    f"servers not as expected after {timeout:.0f} s: {len(servers)} servers, "
                    f"states {states}"
                )
            time.sleep(interval)
            servers = self.servers(**params)
        return servers


# -- the deployment ----------------------------------------------------------------------

# The options of keystoneauth's password plugin, shared by [keystone_authtoken]
# and [service_user].
PASSWORD_AUTH_OPTIONS = (
    "auth_type", "auth_url", "username", "password",
    "project_name", "user_domain_name", "project_domain_name",
)  # fmt: skip


def _service_user(authtoken: dict[str, Any]) -> dict[str, Any]:
    """[service_user] in Keystone mode: the user of [keystone_authtoken] (Nova's
    ``nova`` in project ``service``, admin and service roles), its tokens sent along
    with the callers' (as devstack configures Nova)."""
    credentials = {key: authtoken[key] for key in PASSWORD_AUTH_OPTIONS if key in authtoken}
    return {"send_service_user_token": True, **credentials}


@dataclass
class Deployment:
    """api + conductor + scheduler + N computes as separate processes.

    Only the conductor's configuration carries ``[database] connection``.
    """

    computes: int = 2
    report_interval: int = 10
    service_down_time: int = 60
    debug: bool = False
    fake_resources: dict[str, int] = field(
        default_factory=lambda: {"vcpus": 16, "memory_mb": 32768, "local_gb": 1024}
    )
    # Extra options by daemon name ("*" for all): {"compute1": {"fake.vcpus": 8, "debug": True}}
    extra_config: dict[str, dict[str, Any]] = field(default_factory=dict)
    keep_logs: Path | None = None  # copy the logs there on stop
    env: dict[str, str] = field(default_factory=dict)  # extra environment of the daemons
    start_timeout: float = 90.0
    # Glance's URL ([glance] endpoint_override); None: start a no-auth Glance with IMAGE,
    # unless image_from_catalog (Keystone mode: the caller's catalog names Glance).
    glance_url: str | None = None
    image_from_catalog: bool = False
    admin_token: str = ADMIN_TOKEN  # of the admin client (a Keystone token in keystone mode)

    run_id: str = field(init=False)
    workdir: Path = field(init=False)
    db_name: str = field(init=False)
    vhost: str = field(init=False)
    control_exchange: str = field(init=False)
    api_port: int = field(init=False)
    daemons: dict[str, Daemon] = field(init=False, default_factory=dict)
    logs: dict[str, str] = field(init=False, default_factory=dict)
    _db_created: bool = field(init=False, default=False)
    _vhost_created: bool = field(init=False, default=False)
    _api: ApiClient | None = field(init=False, default=None)
    _glance: openstack_services.Glance | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.run_id = uuid.uuid4().hex[:10]
        self.db_name = f"nova_lite_it_{self.run_id}"
        self.control_exchange = f"nova_lite_it_{self.run_id}"
        self.vhost = ""
        self.workdir = Path(tempfile.mkdtemp(prefix=f"nova-lite-it-{self.run_id}-"))
        self.api_port = 0

    # -- properties -----------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def api(self) -> ApiClient:
        """An admin client (X-Auth-Token ``admin_token``)."""
        if self._api is None:
            self._api = ApiClient(self.api_url, token=self.admin_token)
        return self._api

    @property
    def transport_url(self) -> str:
        return f"rabbit://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{self.vhost}"

    @property
    def db_url(self) -> str:
        return f"mysql+pymysql://root:@{MYSQL_HOST}/{self.db_name}?charset=utf8"

    @property
    def compute_names(self) -> list[str]:
        return [f"compute{i}" for i in range(1, self.computes + 1)]

    def db(self) -> pymysql.connections.Connection:
        """A new autocommit connection to this deployment's database."""
        return mysql_connect(self.db_name)

    def query(self, sql: str, args: Any = None) -> list[tuple]:
        """Run one statement on the deployment's database, return all rows."""
        with contextlib.closing(self.db()) as conn, conn.cursor() as cursor:
            cursor.execute(sql, args)
            return list(cursor.fetchall())

    # -- configuration -----------------------------------------------------------------
    def _config(self, name: str, host: str, with_database: bool) -> str:
        sections: dict[str, dict[str, Any]] = {
            "DEFAULT": {
                "transport_url": self.transport_url,
                "control_exchange": self.control_exchange,
                "host": host,
                "compute_driver": "fake.FakeDriver",
                "report_interval": self.report_interval,
                "service_down_time": self.service_down_time,
                "osapi_compute_listen": "127.0.0.1",
                "osapi_compute_listen_port": self.api_port,
                "state_path": str(self.workdir / "state" / name),
                "log_file": str(self.workdir / f"{name}.log"),
                "debug": self.debug,
            },
            "api": {"auth_strategy": "noauth2"},
            "fake": dict(self.fake_resources),
            # Bursts of many servers: the hosts bound them, not the tenant's quota.
            "quota": {"instances": -1, "cores": -1, "ram": -1},
        }
        if self.glance_url is not None:
            sections["glance"] = {"endpoint_override": self.glance_url}
        if with_database:
            sections["database"] = {"connection": self.db_url}
        extra = {**self.extra_config.get("*", {}), **self.extra_config.get(name, {})}
        for key, value in extra.items():
            section, option = key.split(".", 1) if "." in key else ("DEFAULT", key)
            sections.setdefault(section, {})[option] = value
        if sections["api"]["auth_strategy"] == "keystone":
            sections["service_user"] = {
                **_service_user(sections.get("keystone_authtoken", {})),
                **sections.get("service_user", {}),
            }
        lines = []
        for section, options in sections.items():
            lines.append(f"[{section}]")
            lines.extend(f"{key} = {value}" for key, value in options.items())
            lines.append("")
        return "\n".join(lines)

    def _add_daemon(self, name: str, binary: str, host: str, with_database: bool) -> Daemon:
        config_file = self.workdir / f"{name}.conf"
        config_file.write_text(self._config(name, host, with_database))
        daemon = Daemon(
            name=name,
            binary=binary,
            config_file=config_file,
            log_file=self.workdir / f"{name}.log",
            output_file=self.workdir / f"{name}.out",
            env=self.env,
        )
        self.daemons[name] = daemon
        return daemon

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> Deployment:
        """Create the database and vhost, sync the schema, start every daemon and wait
        until the API answers, every service is up and every hypervisor is listed."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        ensure_infrastructure()
        with contextlib.closing(mysql_connect()) as conn, conn.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{self.db_name}` CHARACTER SET utf8mb4")
        self._db_created = True
        vhost = f"nova_lite_it_{self.run_id}"
        if _rabbitmqctl("add_vhost", vhost) and _rabbitmqctl(
            "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"
        ):
            self.vhost = vhost
            self._vhost_created = True
        self.api_port = free_port()
        if self.glance_url is None and not self.image_from_catalog:
            self.glance_url = self._start_glance()

        conductor = self._add_daemon("conductor", "nova-lite-conductor", "conductor", True)
        self._add_daemon("scheduler", "nova-lite-scheduler", "scheduler", False)
        for host in self.compute_names:
            self._add_daemon(host, "nova-lite-compute", host, False)
        self._add_daemon("api", "nova-lite-api", "api", False)

        sync = subprocess.run(
            [str(BIN_DIR / "nova-lite-manage"), "--config-file", str(conductor.config_file)]
            + ["db", "sync"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if sync.returncode != 0:
            raise DeploymentError(f"db sync failed ({sync.returncode}):\n{sync.stderr}")

        # The conductor first: the other daemons register through it.
        conductor.start()
        self._wait_for_log(conductor, "nova-conductor started")
        for name, daemon in self.daemons.items():
            if name != "conductor":
                daemon.start()
        self.wait_ready(self.start_timeout)

    def _start_glance(self) -> str:
        """A no-auth Glance of this deployment, holding IMAGE; its URL."""
        self._glance = openstack_services.Glance()
        try:
            self._glance.start()
            self._glance.create_image(id=IMAGE, name="cirros")
        except openstack_services.ServiceError as error:
            raise DeploymentError(str(error)) from None
        return self._glance.url

    def _wait_for_log(self, daemon: Daemon, text: str, timeout: float = 30.0) -> None:
        def seen() -> bool:
            self._check_alive(daemon)
            return daemon.log_file.exists() and text in daemon.log_file.read_text(errors="replace")

        if not _wait_until(seen, timeout, 0.05):
            raise DeploymentError(f"{daemon.name} did not log {text!r} within {timeout} s")

    def _check_alive(self, *daemons: Daemon) -> None:
        for daemon in daemons or tuple(self.daemons.values()):
            if daemon.process is not None and daemon.process.poll() is not None:
                tail = daemon.log_text()[-3000:]
                raise DeploymentError(
                    f"{daemon.name} exited with {daemon.process.returncode}:\n{tail}"
                )

    def services(self) -> list[dict]:
        return self.api.ok("GET", "/os-services")["services"]

    def hypervisors(self) -> list[dict]:
        return self.api.ok("GET", "/os-hypervisors/detail")["hypervisors"]

    def expected_services(self) -> set[tuple[str, str]]:
        """(binary, host) of every RPC service of the deployment."""
        expected = {("nova-conductor", "conductor"), ("nova-scheduler", "scheduler")}
        expected |= {("nova-compute", host) for host in self.compute_names}
        return expected

    def is_ready(self) -> bool:
        """API answers, all services up, all hypervisors listed."""
        try:
            services = self.services()
            hypervisors = self.hypervisors()
        except (requests.RequestException, AssertionError, ValueError):
            return False
        up = {(s["binary"], s["host"]) for s in services if s["state"] == "up"}
        nodes = {h["hypervisor_hostname"] for h in hypervisors}
        return self.expected_services() <= up and set(self.compute_names) <= nodes

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until :meth:`is_ready`, failing early when a daemon dies."""
        deadline = time.monotonic() + timeout
        while not self.is_ready():
            self._check_alive()
            if time.monotonic() > deadline:
                tails = "\n".join(
                    f"--- {name} ---\n{daemon.log_text()[-1500:]}"
                    for name, daemon in self.daemons.items()
                )
                raise DeploymentError(f"deployment not ready after {timeout:.0f} s:\n{tails}")
            time.sleep(0.1)

    def restart(self, name: str, sig: int = signal.SIGKILL) -> Daemon:
        """Kill daemon ``name`` with ``sig`` (SIGTERM waits for a clean exit), start it
        again."""
        daemon = self.daemons[name]
        if sig == signal.SIGTERM:
            daemon.stop()
        else:
            daemon.kill(sig)
        daemon.start()
        return daemon

    def stop(self, timeout: float = 20.0) -> dict[str, str]:
        """Stop every daemon (api first, conductor last), collect the logs, drop the
        database and vhost, remove the work directory. Returns the logs by daemon."""
        # Everything but the conductor at once (each takes up to ~10 s: oslo.messaging's
        # listener and reply poller block up to 5 s in drain_events before they notice the
        # stop), then the conductor they talk to.
        others = [d for n, d in self.daemons.items() if n != "conductor"]
        for phase in (others, [self.daemons.get("conductor")]):
            for daemon in phase:
                if daemon is not None and daemon.running():
                    daemon.process.terminate()
            for daemon in phase:
                if daemon is not None:
                    with contextlib.suppress(Exception):
                        daemon.stop(timeout)
        for name, daemon in self.daemons.items():
            self.logs[name] = daemon.log_text()
        if self._api is not None:
            self._api.session.close()
        if self.keep_logs is not None and self.workdir.exists():
            self.keep_logs.mkdir(parents=True, exist_ok=True)
            for path in self.workdir.glob("*.*"):
                if path.suffix in (".log", ".out", ".conf"):
                    shutil.copy(path, self.keep_logs / path.name)
        if self._db_created:
            with contextlib.suppress(pymysql.MySQLError):
                with contextlib.closing(mysql_connect()) as conn, conn.cursor() as cursor:
                    cursor.execute(f"DROP DATABASE IF EXISTS `{self.db_name}`")
            self._db_created = False
        if self._vhost_created:
            _rabbitmqctl("delete_vhost", self.vhost)
            self._vhost_created = False
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self._glance is not None:
            self._glance.stop()
            self._glance = None
            self.glance_url = None
        return self.logs

    def __enter__(self) -> Deployment:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def deployment(**kwargs: Any) -> Iterator[Deployment]:
    """``with deployment(computes=2) as dep:`` - start, yield, stop."""
    dep = Deployment(**kwargs)
    dep.start()
    try:
        yield dep
    finally:
        dep.stop()


if __name__ == "__main__":  # a quick manual check: start, print status, stop
    with deployment(computes=int(os.environ.get("COMPUTES", "2"))) as dep:
        print(f"API {dep.api_url}, database {dep.db_name}, vhost {dep.vhost!r}")
        for service in dep.services():
            print(f"  {service['binary']:15} {service['host']:10} {service['state']}")
