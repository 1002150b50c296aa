"""All services in this process: inproc:// transport, SQLite, fake driver."""

from __future__ import annotations

import threading
import time

import pytest
import webob
from oslo_serialization import jsonutils

from nova_lite import rpc
from nova_lite.api import app as api_app
from nova_lite.cmd import compute as compute_cmd
from nova_lite.cmd import conductor as conductor_cmd
from nova_lite.cmd import scheduler as scheduler_cmd
from tests import openstack_services
from tests.functional.test_rebuild_rescue import NEW_IMAGE
from tests.functional.test_servers import IMAGE

ADMIN = "admin:admin"
USER = "demo:demo"


class Client:
    """Calls the WSGI app in process, as a REST client would."""

    def __init__(self, application, token: str = ADMIN):
        self.application = application
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        body=None,
        headers: dict | None = None,
        token: str | None = None,
        raw: bytes | None = None,
    ) -> webob.Response:
        req = webob.Request.blank(path, method=method)
        token = self.token if token is None else token
        if token:
            req.headers["X-Auth-Token"] = token
        req.headers.update(headers or {})
        if raw is not None:
            req.body = raw
        elif body is not None:
            req.body = jsonutils.dump_as_bytes(body)
            req.content_type = "application/json"
        return req.get_response(self.application)

    def get(self, path: str, **kwargs) -> webob.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body=None, **kwargs) -> webob.Response:
        return self.request("POST", path, body, **kwargs)

    def delete(self, path: str, **kwargs) -> webob.Response:
        return self.request("DELETE", path, **kwargs)

    def wait_for(self, path: str, predicate, timeout: float = 10.0):
        """Poll GET ``path`` until ``predicate(response)`` is true; return the response."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(path)
            if predicate(response):
                return response
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting on {path}: {response.status} {response.text[:500]}"
                )
            time.sleep(0.01)


@pytest.fixture(scope="session")
def transport(parsed_conf):
    parsed_conf.set_override("transport_url", "inproc://")
    rpc.init(parsed_conf)
    yield
    rpc.cleanup()


@pytest.fixture(scope="session")
def glance():
    """A real Glance (no authentication, SQLite, file store) for the session, with
    the active images the tests boot from: IMAGE and NEW_IMAGE."""
    with openstack_services.Glance() as service:
        for image_id in (IMAGE, NEW_IMAGE):
            service.create_image(id=image_id, name=f"image-{image_id[:8]}")
        yield service


@pytest.fixture
def cloud(conf, db, transport, glance):
    """Conductor, scheduler, two computes (compute1, compute2) and the API client;
    images come from the session's Glance."""
    conf.set_override("transport_url", "inproc://")
    conf.set_override("endpoint_override", glance.url, group="glance")
    conf.set_override("report_interval", 1)
    services = [
        conductor_cmd.build_service(),
        scheduler_cmd.build_service(),
        compute_cmd.build_service("compute1"),
        compute_cmd.build_service("compute2"),
    ]
    for service in services:
        service.start()
    client = Client(api_app.build(conf))
    client.services = services
    yield client
    _quiesce(db)
    # Each stop waits ~1 s for oslo.messaging's executor; stop them side by side.
    stoppers = [threading.Thread(target=service.stop) for service in services]
    for thread in stoppers:
        thread.start()
    for thread in stoppers:
        thread.join()


def _quiesce(db, timeout: float = 10.0) -> None:
    """Wait until no instance has a task in progress, so stopping loses nothing."""
    from sqlalchemy import func, select

    from nova_lite.db import models

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.get_engine().connect() as connection:
            busy = connection.execute(
                select(func.count())
                .select_from(models.Instance)
                .where(models.Instance.deleted == 0, models.Instance.task_state.is_not(None))
            ).scalar()
        if not busy:
            return
        time.sleep(0.01)


@pytest.fixture
def flavor(cloud):
    response = cloud.post(
        "/v2.1/flavors",
        {"flavor": {"name": "m1.small", "ram": 2048, "vcpus": 1, "disk": 10, "id": "1"}},
    )
    assert response.status_int == 200, response.text
    return response.json["flavor"]
