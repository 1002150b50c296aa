"""Server tags (2.26)

Revision ID: 004
Revises: 003
Create Date: 2026-11-24 03:10:00.000000
"""

from alembic import op  # noqa: F401

revision = "004"
down_revision = "003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass
