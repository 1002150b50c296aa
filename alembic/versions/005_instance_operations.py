"""Instance operations: shelve and live-migration bookkeeping

Revision ID: 005
Revises: 004
Create Date: 2026-11-24 03:10:00.000000
"""

from alembic import op  # noqa: F401

revision = "005"
down_revision = "004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass
