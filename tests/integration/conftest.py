"""Fixtures of the integration tests: real daemons on RabbitMQ and MariaDB.

RabbitMQ and MariaDB are started when they are down; the tests fail (never
skip) when that does not work. Set ``NOVA_LITE_IT_LOGS=DIR`` to keep every
deployment's configuration and logs under DIR.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import openstack_services
from tests.integration import deployment as dep_mod

FLAVOR = "it.small"


def _keep_logs(name: str) -> Path | None:
    root = os.environ.get("NOVA_LITE_IT_LOGS")
    return Path(root) / name if root else None


@pytest.fixture(scope="session")
def infrastructure() -> None:
    """RabbitMQ and MariaDB up (started here if needed), or a clear failure."""
    try:
        dep_mod.ensure_infrastructure()
    except dep_mod.DeploymentError as error:
        pytest.fail(f"integration infrastructure unavailable: {error}", pytrace=False)


def start_deployment(name: str, **kwargs) -> dep_mod.Deployment:
    """Start a deployment, turning a start failure into a test failure with the logs."""
    deployment = dep_mod.Deployment(keep_logs=_keep_logs(name), **kwargs)
    try:
        deployment.start()
    except dep_mod.DeploymentError as error:
        pytest.fail(f"deployment {name} did not start: {error}", pytrace=False)
    return deployment


@pytest.fixture(scope="session")
def glance() -> Iterator[openstack_services.Glance]:
    """A no-auth Glance with the image the deployments boot (dep_mod.IMAGE), shared by
    the session's deployments."""
    with openstack_services.Glance() as service:
        service.create_image(id=dep_mod.IMAGE, name="cirros")
        yield service


@pytest.fixture(scope="session")
def deployment(infrastructure, glance) -> Iterator[dep_mod.Deployment]:
    """api + conductor + scheduler + compute1 + compute2, shared by the session."""
    deployment = start_deployment("shared", computes=2, glance_url=glance.url)
    _running.append(deployment)
    try:
        yield deployment
    finally:
        _running.remove(deployment)
        deployment.stop()


@pytest.fixture
def deployment_factory(infrastructure, glance) -> Iterator:
    """``deployment_factory(name, **Deployment kwargs)``: a private deployment for one
    test (on the session's Glance unless ``glance_url`` is given), stopped after it."""
    started: list[dep_mod.Deployment] = []

    def make(name: str, **kwargs) -> dep_mod.Deployment:
        kwargs.setdefault("glance_url", glance.url)
        deployment = start_deployment(name, **kwargs)
        started.append(deployment)
        _running.append(deployment)
        return deployment

    yield make
    for deployment in started:
        _running.remove(deployment)
        deployment.stop()


@pytest.fixture(scope="session")
def flavor(deployment) -> dict:
    """A small flavor (1 vCPU, 512 MB, 1 GB) on the shared deployment."""
    return deployment.api.create_flavor(FLAVOR, ram=512, vcpus=1, disk=1)


@pytest.fixture
def api(deployment) -> dep_mod.ApiClient:
    return deployment.api


@pytest.fixture
def clean_servers(deployment) -> Iterator[None]:
    """Delete whatever servers a test left behind on the shared deployment."""
    yield
    api = deployment.api
    for server in api.servers(all_tenants=1):
        api.delete(f"/servers/{server['id']}")
    api.wait_servers(lambda servers: not servers, timeout=60, all_tenants=1)


# Deployments alive right now, so a failing test's report can show their logs.
_running: list[dep_mod.Deployment] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        for deployment in _running:
            for name, daemon in deployment.daemons.items():
                text = daemon.log_text()
                if text:
                    report.sections.append((f"{deployment.run_id} {name} log (tail)", text[-4000:]))
    return report
