"""Alembic migrations build exactly the models' schema, on SQLite and MariaDB."""

from __future__ import annotations

import uuid

import pymysql
import pytest
import sqlalchemy
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from nova_lite.db import migration, models


@pytest.fixture(params=["sqlite", "mariadb"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        yield sqlalchemy.create_engine(f"sqlite:///{tmp_path}/m.sqlite")
        return
    name = f"nova_lite_mig_{uuid.uuid4().hex[:8]}"
    admin = pymysql.connect(host="127.0.0.1", user="root", password="")
    admin.cursor().execute(f"CREATE DATABASE {name}")
    engine = sqlalchemy.create_engine(f"mysql+pymysql://root:@127.0.0.1/{name}?charset=utf8")
    yield engine
    engine.dispose()
    admin.cursor().execute(f"DROP DATABASE {name}")
    admin.close()


def test_migrations_match_models(engine):
    with engine.begin() as connection:
        command.upgrade(migration.alembic_config(connection), "head")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() is not None
        diff = compare_metadata(context, models.BASE.metadata)
    assert diff == []


def test_migrations_are_idempotent(engine):
    for _ in range(2):
        with engine.begin() as connection:
            command.upgrade(migration.alembic_config(connection), "head")
    tables = set(sqlalchemy.inspect(engine).get_table_names())
    assert set(models.BASE.metadata.tables) <= tables
