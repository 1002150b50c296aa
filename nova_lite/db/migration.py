"""Schema upgrades with Alembic (``nova-lite-manage db sync``)."""

from __future__ import annotations

import os
import sys

from alembic import command
from alembic import config as alembic_cfg
from alembic.runtime import migration as alembic_migration

from nova_lite.db import api as db_api


def script_location() -> str:
    """The alembic/ directory: in the source tree, or where setup.cfg installs it."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [
        os.path.join(here, "..", "..", "alembic"),
        os.path.join(sys.prefix, "share", "nova-lite", "alembic"),
    ]
    for path in candidates:
        if os.path.exists(os.path.join(path, "env.py")):
            return os.path.normpath(path)
    raise RuntimeError("alembic migrations not found in " + ", ".join(candidates))


def alembic_config(connection=None) -> alembic_cfg.Config:
    config = alembic_cfg.Config()
    config.set_main_option("script_location", script_location())
    config.attributes["connection"] = connection
    return config


def db_sync(revision: str = "head") -> None:
    """Upgrade the configured database to ``revision``."""
    with db_api.get_engine().begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def db_version() -> str | None:
    with db_api.get_engine().connect() as connection:
        return alembic_migration.MigrationContext.configure(connection).get_current_revision()
