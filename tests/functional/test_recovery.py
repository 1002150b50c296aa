"""Crash safety: repair after a restart, power-state sync, task deadlines,
and injected driver failures."""

from __future__ import annotations

import datetime
import time

from sqlalchemy import update

from nova_lite import context as nova_context
from nova_lite.compute import power_state
from nova_lite.db import models
from tests.functional.test_servers import boot, wait_status

PAST = datetime.datetime(2000, 1, 1)


def _server(cloud) -> tuple[str, object]:
    """An ACTIVE server and the compute service it runs on."""
    server_id = boot(cloud)["server"]["id"]
    host = wait_status(cloud, server_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"]
    (compute,) = [s for s in cloud.services if s.host == host and s.binary == "nova-compute"]
    deadline = time.monotonic() + 5
    while compute.manager._locks.is_held(server_id) and time.monotonic() < deadline:
        time.sleep(0.005)  # the build still records its event after ACTIVE
    return server_id, compute


def _set_columns(db, server_id: str, **values) -> None:
    with db._write_lock(), db.get_engine().begin() as connection:
        connection.execute(
            update(models.Instance).where(models.Instance.uuid == server_id).values(**values)
        )


def _show(cloud, server_id: str) -> dict:
    return cloud.get(f"/v2.1/servers/{server_id}").json["server"]


def test_power_sync_records_a_guest_that_stopped_by_itself(cloud, flavor):
    server_id, compute = _server(cloud)
    compute.manager.driver._guests[server_id] = power_state.SHUTDOWN
    compute.manager.sync_power_states(nova_context.get_admin_context())
    shown = _show(cloud, server_id)
    assert (shown["status"], shown["OS-EXT-STS:power_state"]) == ("SHUTOFF", 4)


def test_power_sync_stops_a_guest_the_user_stopped(cloud, flavor):
    server_id, compute = _server(cloud)
    cloud.post(f"/v2.1/servers/{server_id}/action", {"os-stop": None})
    wait_status(cloud, server_id, "SHUTOFF")
    compute.manager.driver._guests[server_id] = power_state.RUNNING  # started behind our back
    compute.manager.sync_power_states(nova_context.get_admin_context())
    assert compute.manager.driver._guests[server_id] == power_state.SHUTDOWN
    assert _show(cloud, server_id)["status"] == "SHUTOFF"


def test_restart_finishes_an_interrupted_stop(cloud, flavor, db):
    server_id, compute = _server(cloud)
    _set_columns(db, server_id, task_state="powering-off")
    compute.stop()
    compute.start()
    shown = _show(cloud, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("SHUTOFF", None)
    assert compute.manager.driver._guests[server_id] == power_state.SHUTDOWN


def test_restart_settles_an_interrupted_pause_from_the_hypervisor(cloud, flavor, db):
    server_id, compute = _server(cloud)
    _set_columns(db, server_id, task_state="pausing")
    compute.manager.driver._guests[server_id] = power_state.PAUSED
    compute.stop()
    compute.start()
    shown = _show(cloud, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("PAUSED", None)


def test_restart_marks_an_interrupted_build_error(cloud, flavor, db):
    server_id, compute = _server(cloud)
    _set_columns(db, server_id, vm_state="building", task_state="spawning")
    compute.stop()
    compute.start()
    shown = _show(cloud, server_id)
    assert shown["status"] == "ERROR"
    assert "restarted during the build" in shown["fault"]["message"]
    assert shown["OS-EXT-SRV-ATTR:host"] is None


def test_compute_repairs_its_own_task_past_deadline(cloud, flavor, db, conf):
    server_id, compute = _server(cloud)
    _set_columns(db, server_id, task_state="rebooting", updated_at=PAST)
    compute.manager.repair_stuck_tasks(nova_context.get_admin_context())
    shown = _show(cloud, server_id)
    assert (shown["status"], shown["OS-EXT-STS:task_state"]) == ("ACTIVE", None)


def test_task_within_deadline_is_left_alone(cloud, flavor, db):
    server_id, compute = _server(cloud)
    _set_columns(db, server_id, task_state="rebooting")
    compute.manager.repair_stuck_tasks(nova_context.get_admin_context())
    assert _show(cloud, server_id)["OS-EXT-STS:task_state"] == "rebooting"


def test_conductor_repairs_tasks_of_a_down_host(cloud, flavor, db):
    server_id, compute = _server(cloud)
    stuck_build = boot(cloud, name="lost")["server"]["id"]
    wait_status(cloud, stuck_build, "ACTIVE")
    _set_columns(db, server_id, task_state="rebooting", updated_at=PAST)
    _set_columns(
        db, stuck_build, vm_state="building", task_state="scheduling", host=None, updated_at=PAST
    )
    with db._write_lock(), db.get_engine().begin() as connection:
        connection.execute(
            update(models.Service)
            .where(models.Service.host == compute.host, models.Service.binary == "nova-compute")
            .values(forced_down=True)
        )
    conductor = cloud.services[0].manager
    conductor.repair_orphaned_tasks(nova_context.get_admin_context())
    shown = _show(cloud, server_id)
    assert shown["OS-EXT-STS:task_state"] is None and shown["status"] == "ACTIVE"
    lost = _show(cloud, stuck_build)
    assert lost["status"] == "ERROR"
    assert "scheduling passed its deadline" in lost["fault"]["message"]


def test_conductor_finishes_delete_on_a_down_host(cloud, flavor, db):
    server_id, compute = _server(cloud)
    _set_columns(db, server_id, task_state="deleting", updated_at=PAST)
    with db._write_lock(), db.get_engine().begin() as connection:
        connection.execute(
            update(models.Service)
            .where(models.Service.host == compute.host, models.Service.binary == "nova-compute")
            .values(forced_down=True)
        )
    cloud.services[0].manager.repair_orphaned_tasks(nova_context.get_admin_context())
    assert cloud.get(f"/v2.1/servers/{server_id}").status_int == 404


def test_injected_spawn_failure(cloud, flavor):
    server_id = boot(cloud, metadata={"fake:fail": "spawn"})["server"]["id"]
    shown = wait_status(cloud, server_id, "ERROR")
    assert shown["fault"]["message"] == "Injected failure in spawn of the fake driver"


def test_injected_failure_from_options(cloud, flavor, conf):
    conf.set_override("fail_methods", ["pause"], group="fake")
    server_id, _compute = _server(cloud)
    cloud.post(f"/v2.1/servers/{server_id}/action", {"pause": None})
    shown = cloud.wait_for(
        f"/v2.1/servers/{server_id}", lambda r: r.json["server"]["OS-EXT-STS:task_state"] is None
    ).json["server"]
    assert shown["status"] == "ACTIVE"
