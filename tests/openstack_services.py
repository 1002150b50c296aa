"""Real Keystone and Glance on 127.0.0.1, for tests and developer scripts.

Each runs from its own cached virtualenv (``bin/openstack-venvs``) under
gunicorn, with SQLite and everything else in a temporary directory::

    with Keystone(catalog={"compute": nova_url}) as keystone, Glance(keystone) as glance:
        keystone.register_service("image", glance.url)
        token = keystone.token("member", "demo")

Both wait until the service answers; when a start fails the error carries
the tail of the service's log files (kept in :attr:`workdir`).

``python -m tests.openstack_services [--port N] [--workdir DIR] -- COMMAND...`` runs
COMMAND beside a no-auth Glance (bin/quickstart runs nova-lite-all so).
"""

from __future__ import annotations

import argparse
import base64
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent
VENVS_SCRIPT = REPO / "bin" / "openstack-venvs"
HOST = "127.0.0.1"
REGION = "RegionOne"
DOMAIN = "Default"
ADMIN_PASSWORD = "admin-secret"
PASSWORD = "secret"  # every user but admin
SERVICE_USERS = ("nova", "glance")  # in project "service", with the admin and service roles
# user: (project, role)
USERS = {"member": ("demo", "member"), "reader": ("demo", "reader"), "other": ("other", "member")}
GLANCE_ENV = "OS_GLANCE__ENDPOINT_OVERRIDE"  # oslo.config: [glance] endpoint_override
SERVICE_NAMES = {"compute": "nova", "image": "glance", "identity": "keystone"}

# Keystone's app, imported with an empty argv: oslo.config would parse gunicorn's.
_KEYSTONE_APP = """\
import sys

sys.argv = sys.argv[:1]
from keystone.server import wsgi  # noqa: E402

application = wsgi.initialize_public_application()
"""


class ServiceError(RuntimeError):
    """A service did not start or set up; the message carries its log tail."""


def venv(name: str) -> Path:
    """The venv of ``name`` (keystone, glance), built by bin/openstack-venvs if needed."""
    result = subprocess.run([str(VENVS_SCRIPT), name], capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise ServiceError(f"bin/openstack-venvs {name} failed:\n{result.stderr[-3000:]}")
    return Path(result.stdout.strip().splitlines()[-1])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _ini(sections: dict[str, dict[str, Any]]) -> str:
    lines = []
    for section, options in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value}" for key, value in options.items())
        lines.append("")
    return "\n".join(lines)


def _write_fernet_keys(repository: Path) -> None:
    """A key repository as ``keystone-manage fernet_setup`` makes it (staged key 0,
    primary key 1), without its second and a half of start-up."""
    repository.mkdir(mode=0o700)
    for index in (0, 1):
        key = repository / str(index)
        key.write_bytes(base64.urlsafe_b64encode(os.urandom(32)))
        key.chmod(0o600)


def _terminate_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started it dies, so a
    killed test run leaves no service behind (Linux prctl PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


class _Service:
    """A gunicorn-served WSGI app in its own venv and work directory."""

    name = ""
    app = ""  # module:attribute

    def __init__(
        self, port: int | None = None, workdir: Path | None = None, keep_workdir: bool = False
    ):
        """``workdir``: where the data and logs go (kept); a new temporary directory,
        removed on stop unless ``keep_workdir``, when not given."""
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.keep_workdir = keep_workdir or workdir is not None
        if workdir is None:
            workdir = Path(tempfile.mkdtemp(prefix=f"nova-lite-{self.name}-"))
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_file = self.workdir / f"{self.name}.log"
        self.output_file = self.workdir / f"{self.name}.out"
        self.venv: Path | None = None
        self.process: subprocess.Popen | None = None
        self.start_seconds = 0.0

    # -- to be provided by the services --
    def _configure(self) -> dict[str, str]:
        """Write the configuration, prepare the database; return the environment."""
        raise NotImplementedError

    def _set_up(self) -> None:
        """Work done through the service's API once it answers."""

    # -- lifecycle --
    def start(self, timeout: float = 60.0):
        started = time.monotonic()
        try:
            self.venv = venv(self.name)
            env = self._configure()
            self._serve(env)
            self._wait_answering(timeout)
            self._set_up()
        except BaseException as error:
            logs = self.log_tail()
            self.stop(keep=True)
            if isinstance(error, ServiceError):
                raise ServiceError(f"{error}\n{logs}") from None
            raise
        self.start_seconds = time.monotonic() - started
        return self

    def _serve(self, env: dict[str, str]) -> None:
        command = [
            str(self.venv / "bin" / "gunicorn"),
            "--bind", f"{HOST}:{self.port}",
            "--workers", "1",
            "--threads", "4",
            "--timeout", "120",
            "--no-control-socket",
            "--chdir", str(self.workdir),
            "--pythonpath", str(self.workdir),
            self.app,
        ]  # fmt: skip
        with open(self.output_file, "ab") as output:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_terminate_with_parent,
                env={**os.environ, **env},
            )

    def _wait_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise ServiceError(f"{self.name} exited with {self.process.returncode}")
            try:
                if requests.get(self.url, timeout=5).status_code < 500:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise ServiceError(f"{self.name} did not answer on {self.url} in {timeout} s")
            time.sleep(0.1)

    def _run(self, *command: str, env: dict[str, str] | None = None) -> None:
        """Run one of the venv's commands, output to the service's log."""
        with open(self.output_file, "ab") as output:
            result = subprocess.run(
                [str(self.venv / "bin" / command[0]), *command[1:]],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
                timeout=300,
            )
        if result.returncode != 0:
            raise ServiceError(f"{' '.join(command[:3])} failed ({result.returncode})")

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the service's log and output files."""
        parts = []
        for path in (self.log_file, self.output_file):
            if path.exists():
                parts.append(f"--- {path} ---\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(parts)

    def stop(self, keep: bool = False) -> None:
        """Stop gunicorn and its workers; remove the work directory unless kept."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if not (keep or self.keep_workdir):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class Keystone(_Service):
    """Keystone with fernet tokens, the admin user from ``bootstrap`` and:

    - project ``service`` with users ``nova`` and ``glance`` (admin and service roles);
    - projects ``demo`` and ``other``; users ``member`` (member on demo),
      ``reader`` (reader on demo), ``other`` (member on other), password PASSWORD;
    - ``catalog`` ({service type: URL}) registered in region RegionOne.
    """

    name = "keystone"
    app = "keystone_app:application"

    def __init__(self, catalog: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.catalog = dict(catalog or {})
        self.auth_url = f"{self.url}/v3"
        self._admin: requests.Session | None = None

    def _configure(self) -> dict[str, str]:
        config = self.workdir / "keystone.conf"
        config.write_text(
            _ini(
                {
                    "DEFAULT": {"log_file": self.log_file},
                    "database": {"connection": f"sqlite:///{self.workdir}/keystone.sqlite"},
                    "token": {"provider": "fernet"},
                    "fernet_tokens": {"key_repository": self.workdir / "fernet-keys"},
                    "fernet_receipts": {"key_repository": self.workdir / "fernet-keys"},
                    "credential": {"key_repository": self.workdir / "credential-keys"},
                    # bcrypt's fewest rounds: a password check costs ~1 ms, not ~250 ms.
                    "identity": {"password_hash_rounds": 4},
                }
            )
        )
        (self.workdir / "keystone_app.py").write_text(_KEYSTONE_APP)
        for repository in ("fernet-keys", "credential-keys"):
            _write_fernet_keys(self.workdir / repository)
        manage = ("keystone-manage", "--config-file", str(config))
        self._run(*manage, "db_sync")
        self._run(
            *manage, "bootstrap",
            "--bootstrap-password", ADMIN_PASSWORD,
            "--bootstrap-region-id", REGION,
            "--bootstrap-public-url", self.auth_url,
        )  # fmt: skip
        return {"OS_KEYSTONE_CONFIG_FILES": str(config)}

    # -- API --
    def token(self, user: str = "admin", project: str | None = None) -> str:
        """A project-scoped token of ``user`` (admin: project admin)."""
        if project is None:
            project = "admin" if user == "admin" else USERS.get(user, ("service",))[0]
        password = ADMIN_PASSWORD if user == "admin" else PASSWORD
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": user, "domain": {"name": DOMAIN}, "password": password}
                    },
                },
                "scope": {"project": {"name": project, "domain": {"name": DOMAIN}}},
            }
        }
        response = requests.post(f"{self.auth_url}/auth/tokens", json=body, timeout=30)
        if response.status_code != 201:
            raise ServiceError(f"token of {user}: {response.status_code} {response.text}")
        return response.headers["X-Subject-Token"]

    def _api(self, method: str, path: str, expected: int = 200, **kwargs: Any) -> dict:
        if self._admin is None:
            self._admin = requests.Session()
            self._admin.headers["X-Auth-Token"] = self.token("admin", "admin")
        response = self._admin.request(method, f"{self.auth_url}{path}", timeout=30, **kwargs)
        if response.status_code != expected:
            raise ServiceError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else {}

    def _create(self, collection: str, **fields: Any) -> str:
        key = collection[:-1]
        return self._api("POST", f"/{collection}", 201, json={key: fields})[key]["id"]

    def _id(self, collection: str, name: str) -> str:
        return self._api("GET", f"/{collection}", params={"name": name})[collection][0]["id"]

    def project_id(self, name: str) -> str:
        return self._id("projects", name)

    def _grant(self, project_id: str, user_id: str, role: str) -> None:
        role_id = self._id("roles", role)
        self._api("PUT", f"/projects/{project_id}/users/{user_id}/roles/{role_id}", 204)

    def _set_up(self) -> None:
        domain = self._id("domains", DOMAIN)
        projects = {
            name: self._create("projects", name=name, domain_id=domain)
            for name in ("service", "demo", "other")
        }
        for name in SERVICE_USERS:
            user_id = self._create("users", name=name, password=PASSWORD, domain_id=domain)
            for role in ("admin", "service"):
                self._grant(projects["service"], user_id, role)
        for name, (project, role) in USERS.items():
            user_id = self._create("users", name=name, password=PASSWORD, domain_id=domain)
            self._grant(projects[project], user_id, role)
        for service_type, url in self.catalog.items():
            self.register_service(service_type, url)

    def register_service(self, service_type: str, url: str) -> None:
        """Add a service with a public endpoint in RegionOne to the catalog."""
        name = SERVICE_NAMES.get(service_type, service_type)
        service_id = self._create("services", type=service_type, name=name)
        self._create(
            "endpoints", service_id=service_id, interface="public", url=url, region_id=REGION
        )
        self.catalog[service_type] = url

    def authtoken_options(self, user: str = "nova") -> dict[str, str]:
        """``[keystone_authtoken]`` of a service authenticating as ``user``."""
        return {
            "www_authenticate_uri": self.auth_url,
            "auth_url": self.auth_url,
            "auth_type": "password",
            "interface": "public",
            "username": user,
            "password": PASSWORD,
            "project_name": "service",
            "user_domain_name": DOMAIN,
            "project_domain_name": DOMAIN,
        }


class Glance(_Service):
    """glance-api with SQLite and the file store; no authentication, or
    keystonemiddleware against ``keystone`` (as user ``glance``)."""

    name = "glance"
    app = "glance.wsgi.api:application"

    def __init__(self, keystone: Keystone | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.keystone = keystone

    def _configure(self) -> dict[str, str]:
        paste = self.workdir / "glance-api-paste.ini"
        shutil.copy(self.venv / "etc" / "glance" / "glance-api-paste.ini", paste)
        sections: dict[str, dict[str, Any]] = {
            "DEFAULT": {"log_file": self.log_file, "public_endpoint": self.url},
            "database": {"connection": f"sqlite:///{self.workdir}/glance.sqlite"},
            "glance_store": {
                "stores": "file",
                "default_store": "file",
                "filesystem_store_datadir": self.workdir / "images",
            },
            "paste_deploy": {"config_file": paste},
        }
        if self.keystone is None:
            # Without Keystone every caller is an admin; the new policy defaults
            # would still ask for project scope and refuse everything.
            sections["oslo_policy"] = {"enforce_new_defaults": False, "enforce_scope": False}
        else:
            sections["paste_deploy"]["flavor"] = "keystone"
            sections["keystone_authtoken"] = self.keystone.authtoken_options("glance")
        config = self.workdir / "glance-api.conf"
        config.write_text(_ini(sections))
        self._run("glance-manage", "--config-file", str(config), "db_sync")
        return {"OS_GLANCE_CONFIG_DIR": str(self.workdir)}

    # -- API --
    def request(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        """A request to ``/v2<path>``, with the token when given."""
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["X-Auth-Token"] = token
        kwargs.setdefault("timeout", 30)
        return requests.request(method, f"{self.url}/v2{path}", headers=headers, **kwargs)

    def create_image(
        self, data: bytes | None = b"nova-lite test image", token: str | None = None, **fields
    ) -> dict:
        """Create an image (``fields`` as Glance's: id, name, min_ram, ...) and,
        unless ``data`` is None, upload it so that it becomes active."""
        fields.setdefault("name", f"image-{uuid.uuid4().hex[:8]}")
        fields.setdefault("disk_format", "raw")
        fields.setdefault("container_format", "bare")
        if token is None and self.keystone is not None:
            token = self.keystone.token("admin", "admin")
        response = self.request("POST", "/images", token, json=fields)
        if response.status_code != 201:
            raise ServiceError(f"image create: {response.status_code} {response.text}")
        image = response.json()
        if data is not None:
            upload = self.request(
                "PUT",
                f"/images/{image['id']}/file",
                token,
                data=data,
                headers={"Content-Type": "application/octet-stream"},
            )
            if upload.status_code != 204:
                raise ServiceError(f"image upload: {upload.status_code} {upload.text}")
            image = self.request("GET", f"/images/{image['id']}", token).json()
        return image


def _run_beside_glance(argv: list[str]) -> int:
    """``python -m tests.openstack_services [--port N] [--workdir DIR] -- COMMAND...``:
    a no-auth Glance, then COMMAND with ``[glance] endpoint_override`` set to it
    (oslo.config's OS_GLANCE__ENDPOINT_OVERRIDE); Glance stops when COMMAND exits."""
    parser = argparse.ArgumentParser(prog="python -m tests.openstack_services")
    parser.add_argument("--port", type=int, default=None, help="Glance's port (default: free)")
    parser.add_argument("--workdir", type=Path, default=None, help="Glance's data (kept)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run beside Glance")
    with Glance(port=args.port, workdir=args.workdir) as glance:
        print(f"Glance (no authentication) on {glance.url}, data in {glance.workdir}", flush=True)
        child = subprocess.Popen(command, env={**os.environ, GLANCE_ENV: glance.url})
        signal.signal(signal.SIGTERM, lambda *_: child.terminate())
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                continue  # the command got the ^C too: let it finish


if __name__ == "__main__":
    sys.exit(_run_beside_glance(sys.argv[1:]))
