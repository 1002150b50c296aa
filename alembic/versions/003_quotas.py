"""Quotas: per-project hard limits (os-quota-sets)

Revision ID: 003
Revises: 002
Create Date: 2026-11-24 03:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "003"
down_revision = "002"
branch_labels = None
depends_on = None


def _soft_delete_columns() -> list[sa.Column]:
    return [
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "quotas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(length=255), nullable=False),
        sa.Column("resource", sa.String(length=255), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        *_soft_delete_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "project_id", "resource", "deleted", name="uniq_quotas0project_id0resource0deleted"
        ),
    )
    op.create_table(
        "project_user_quotas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("resource", sa.String(length=255), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        *_soft_delete_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "user_id",
            "project_id",
            "resource",
            "deleted",
            name="uniq_project_user_quotas0user_id0project_id0resource0deleted",
        ),
    )
    op.create_index("project_user_quotas_project_id_idx", "project_user_quotas", ["project_id"])
    op.create_table(
        "quota_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_name", sa.String(length=255), nullable=False),
        sa.Column("resource", sa.String(length=255), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        *_soft_delete_columns(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "class_name",
            "resource",
            "deleted",
            name="uniq_quota_classes0class_name0resource0deleted",
        ),
    )
