"""Server tags (2.26) and the instance attributes 2.3 shows

Revision ID: 004
Revises: 003
Create Date: 2026-11-24 03:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "004"
down_revision = "003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("tag", sa.Unicode(length=80), nullable=False),
        sa.PrimaryKeyConstraint("resource_id", "tag"),
    )
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.create_index("tags_tag_idx", ["tag"], unique=False)
    with op.batch_alter_table("instances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kernel_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("ramdisk_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("root_device_name", sa.String(length=255), nullable=True))
