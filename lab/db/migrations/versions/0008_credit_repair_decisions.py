"""credit: the steward's decision on a credit-repair request (who, when, why)

Revision ID: 0008_credit_repair_decisions
Revises: 0007_credit_query_windows
Create Date: 2026-12-01 22:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_credit_repair_decisions"
down_revision = "0007_credit_query_windows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_repair_requests") as table:
        table.add_column(sa.Column("decided_by", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(
            sa.Column("decision_reasons", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("credit_repair_requests") as table:
        table.drop_column("decision_reasons")
        table.drop_column("decided_at")
        table.drop_column("decided_by")
