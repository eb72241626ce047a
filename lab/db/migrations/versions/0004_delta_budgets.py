"""privacy budgets and releases account for delta in pico-delta; projects name their datasets

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 06:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sandbox_projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("datasets", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("privacy_budgets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("delta_limit_pico", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("delta_spent_pico", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.drop_column("delta_limit")
    with op.batch_alter_table("query_releases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cost_delta_pico", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("query_releases", schema=None) as batch_op:
        batch_op.drop_column("cost_delta_pico")
    with op.batch_alter_table("privacy_budgets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("delta_limit", sa.Float(), nullable=False, server_default="0")
        )
        batch_op.drop_column("delta_spent_pico")
        batch_op.drop_column("delta_limit_pico")
    with op.batch_alter_table("sandbox_projects", schema=None) as batch_op:
        batch_op.drop_column("datasets")
