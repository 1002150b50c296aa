"""/os-migrations and /servers/{id}/migrations[/{id}] across microversions:
migration_type and links (2.23), uuid and paging (2.59), changes-before (2.66),
user_id/project_id (2.80)."""

from __future__ import annotations

import datetime

import pytest
from oslo_utils import uuidutils
from sqlalchemy import insert

from nova_lite.db import models
from tests.functional.test_moves import db_write, start_server

URL = "/v2.1/os-migrations"
V21_KEYS = {
    "id",
    "source_compute",
    "source_node",
    "dest_compute",
    "dest_node",
    "dest_host",
    "status",
    "created_at",
    "updated_at",
    "instance_uuid",
    "old_instance_type_id",
    "new_instance_type_id",
}
SERVER_KEYS = (V21_KEYS - {"instance_uuid", "old_instance_type_id", "new_instance_type_id"}) | {
    "server_uuid",
    "memory_total_bytes",
    "memory_processed_bytes",
    "memory_remaining_bytes",
    "disk_total_bytes",
    "disk_processed_bytes",
    "disk_remaining_bytes",
}
T0 = datetime.datetime(2024, 1, 1, 12, 0, 0)


def mv(version: str) -> dict:
    return {"OpenStack-API-Version": f"compute {version}"}


def add_migration(db, instance_uuid: str, minute: int, **values) -> str:
    """Insert a migration row created and updated ``minute`` minutes after T0; its uuid."""
    when = T0 + datetime.timedelta(minutes=minute)
    row = {
        "uuid": uuidutils.generate_uuid(),
        "instance_uuid": instance_uuid,
        "source_compute": "compute1",
        "source_node": "compute1",
        "dest_compute": "compute2",
        "dest_node": "compute2",
        "dest_host": "127.0.0.1",
        "old_instance_type_id": 1,
        "new_instance_type_id": 1,
        "status": "finished",
        "migration_type": "migration",
        "hidden": False,
        "user_id": "demo",
        "project_id": "demo",
        "created_at": when,
        "updated_at": when,
        "deleted": 0,
        **values,
    }
    db_write(db, insert(models.Migration).values(**row))
    return row["uuid"]


def listed(cloud, query: str = "", version: str = "2.1", status: int = 200):
    response = cloud.get(f"{URL}{query}", headers=mv(version))
    assert response.status_int == status, response.text
    return response.json


@pytest.mark.parametrize(
    ("version", "extra"),
    [
        ("2.1", set()),
        ("2.23", {"migration_type"}),
        ("2.59", {"migration_type", "uuid"}),
        ("2.80", {"migration_type", "uuid", "user_id", "project_id"}),
    ],
)
def test_os_migrations_body_per_version(cloud, db, version, extra):
    server = uuidutils.generate_uuid()
    add_migration(db, server, 0, migration_type="resize", new_instance_type_id=2)
    add_migration(db, server, 1, migration_type="live-migration", status="running")
    add_migration(db, server, 2, hidden=True)
    body = listed(cloud, "", version)
    assert set(body) == {"migrations"}
    live, resize = body["migrations"]  # newest first; the hidden one is not shown
    assert set(resize) == V21_KEYS | extra
    assert resize["created_at"] == "2024-01-01T12:00:00.000000"
    # From 2.23 a live migration in progress links to its server migration.
    if "migration_type" in extra:
        assert set(live) == V21_KEYS | extra | {"links"}
        assert live["links"][0]["href"].endswith(f"/v2.1/servers/{server}/migrations/{live['id']}")
    else:
        assert set(live) == V21_KEYS
    if "user_id" in extra:
        assert (live["user_id"], live["project_id"]) == ("demo", "demo")


def test_os_migrations_filters(cloud, db):
    a, b = uuidutils.generate_uuid(), uuidutils.generate_uuid()
    first = add_migration(db, a, 0, status="confirmed")
    second = add_migration(db, a, 1, source_compute="compute2", dest_compute="compute3")
    third = add_migration(db, b, 2, migration_type="live-migration", user_id="u2", project_id="p2")

    def uuids(query: str, version: str = "2.80") -> list[str]:
        return [m["uuid"] for m in listed(cloud, query, version)["migrations"]]

    assert uuids("") == [third, second, first]
    assert uuids("?status=confirmed") == [first]
    assert uuids(f"?instance_uuid={b}") == [third]
    assert uuids("?host=compute3") == [second]
    assert uuids("?host=compute2&source_compute=compute1") == [third, second, first]
    assert uuids("?source_compute=compute2") == [second]
    assert uuids("?migration_type=live-migration") == [third]
    assert uuids("?user_id=u2") == [third]
    assert uuids("?project_id=p2&user_id=u2") == [third]
    listed(cloud, "?user_id=u2", "2.79", 400)
    assert len(listed(cloud, "?bogus=1", "2.58")["migrations"]) == 3
    listed(cloud, "?bogus=1", "2.59", 400)
    assert cloud.get(URL, token="demo:demo").status_int == 403


def test_os_migrations_paging_and_changes(cloud, db):
    server = uuidutils.generate_uuid()
    uuids = [add_migration(db, server, minute) for minute in range(3)]
    newest_first = uuids[::-1]

    page = listed(cloud, "?limit=2", "2.59")
    assert [m["uuid"] for m in page["migrations"]] == newest_first[:2]
    (link,) = page["migrations_links"]
    assert link["href"].endswith(f"/v2.1/os-migrations?limit=2&marker={newest_first[1]}")
    page = listed(cloud, f"?limit=2&marker={newest_first[1]}", "2.59")
    assert [m["uuid"] for m in page["migrations"]] == newest_first[2:]
    assert "migrations_links" not in page
    assert listed(cloud, "?marker=nope", "2.59", 400)["badRequest"]["message"] == (
        "Marker nope could not be found."
    )
    assert len(listed(cloud, "?limit=1", "2.58")["migrations"]) == 3  # no paging before 2.59

    def since(query: str, version: str) -> list[str]:
        return [m["uuid"] for m in listed(cloud, query, version)["migrations"]]

    assert since("?changes-since=2024-01-01T12:01:00Z", "2.59") == newest_first[:2]
    assert len(listed(cloud, "?changes-since=2024-01-01T12:01:00Z", "2.58")["migrations"]) == 3
    listed(cloud, "?changes-before=2024-01-01T12:01:00Z", "2.65", 400)
    assert since("?changes-before=2024-01-01T12:01:00Z", "2.66") == newest_first[1:]
    both = "?changes-since=2024-01-01T12:01:00Z&changes-before=2024-01-01T12:01:30Z"
    assert since(both, "2.66") == [uuids[1]]
    reversed_range = "?changes-since=2024-01-02T00:00:00Z&changes-before=2024-01-01T00:00:00Z"
    assert listed(cloud, reversed_range, "2.66", 400)["badRequest"]["message"] == (
        "The value of changes-since must be less than or equal to changes-before."
    )
    listed(cloud, "?changes-since=yesterday", "2.59", 400)


def test_server_migrations(cloud, flavor, db):
    server_id, host = start_server(cloud)
    live = "live-migration"
    running = add_migration(db, server_id, 0, migration_type=live, status="running")
    add_migration(db, server_id, 1, migration_type=live, status="completed")
    add_migration(db, server_id, 2, migration_type="resize", status="finished")
    add_migration(db, uuidutils.generate_uuid(), 3, migration_type=live, status="queued")
    url = f"/v2.1/servers/{server_id}/migrations"

    assert cloud.get(url, headers=mv("2.22")).status_int == 404
    (migration,) = cloud.get(url, headers=mv("2.23")).json["migrations"]
    assert set(migration) == SERVER_KEYS and migration["status"] == "running"
    (migration,) = cloud.get(url, headers=mv("2.80")).json["migrations"]
    assert set(migration) == SERVER_KEYS | {"uuid", "user_id", "project_id"}
    assert migration["uuid"] == running

    ids = {m["status"]: m["id"] for m in listed(cloud, f"?instance_uuid={server_id}")["migrations"]}
    shown = cloud.get(f"{url}/{ids['running']}", headers=mv("2.59"))
    assert shown.status_int == 200, shown.text
    assert set(shown.json["migration"]) == SERVER_KEYS | {"uuid"}
    assert cloud.get(f"{url}/{ids['running']}", headers=mv("2.22")).status_int == 404

    for migration_id, message in (
        (
            ids["finished"],
            f"Migration {ids['finished']} for server {server_id} is not live-migration.",
        ),
        (
            ids["completed"],
            f"Live migration {ids['completed']} for server {server_id} is not in progress.",
        ),
        ("9999", f"In-progress live migration 9999 is not found for server {server_id}."),
        (running, f"In-progress live migration {running} is not found for server {server_id}."),
    ):
        response = cloud.get(f"{url}/{migration_id}", headers=mv("2.23"))
        assert response.status_int == 404
        assert response.json["itemNotFound"]["message"] == message
    other = next(m["id"] for m in listed(cloud)["migrations"] if m["status"] == "queued")
    assert cloud.get(f"{url}/{other}", headers=mv("2.23")).status_int == 404
    assert (
        cloud.get(f"{url}/{ids['running']}", headers=mv("2.23"), token="demo:demo").status_int
        == 403
    )
