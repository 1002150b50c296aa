"""Shared fixtures: parsed config, an SQLite database, in-process services."""

from __future__ import annotations

import pytest
from oslo_config import cfg

from nova_lite import conf as _conf  # noqa: F401 - registers the options
from nova_lite import objects

CONF = cfg.CONF


@pytest.fixture(scope="session", autouse=True)
def parsed_conf():
    """The global CONF parsed with no arguments, as a daemon without a config file."""
    CONF([], project="nova-lite")
    objects.register_all()
    yield CONF


@pytest.fixture
def conf(parsed_conf):
    """CONF with overrides that are undone after the test."""
    saved = {
        "connection": parsed_conf.database.connection,
        "transport_url": parsed_conf.transport_url,
    }
    yield parsed_conf
    parsed_conf.reset()
    parsed_conf([], project="nova-lite")
    parsed_conf.set_override("connection", saved["connection"], group="database")
    parsed_conf.set_override("transport_url", saved["transport_url"])


@pytest.fixture(scope="session")
def database(parsed_conf, tmp_path_factory):
    """An SQLite database with the migrated schema, shared by the session."""
    from nova_lite.db import api as db_api
    from nova_lite.db import migration

    path = tmp_path_factory.mktemp("db") / "nova-lite.sqlite"
    parsed_conf.set_override("connection", f"sqlite:///{path}", group="database")
    db_api.configure(parsed_conf)
    migration.db_sync()
    yield db_api


@pytest.fixture
def db(database):
    """The database, emptied after the test."""
    yield database
    from nova_lite.db import models

    with database.get_engine().begin() as connection:
        for table in reversed(models.BASE.metadata.sorted_tables):
            connection.execute(table.delete())
