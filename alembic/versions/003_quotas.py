"""Quotas: per-project hard limits (os-quota-sets)

Revision ID: 003
Revises: 002
Create Date: 2026-11-24 03:10:00.000000
"""

from alembic import op  # noqa: F401

revision = "003"
down_revision = "002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass
