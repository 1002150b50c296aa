"""Instance flavors of a move: old_flavor and new_flavor

Revision ID: 002
Revises: 001
Create Date: 2026-11-25 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "002"
down_revision = "001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("old_flavor", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("new_flavor", sa.Text(), nullable=True))
