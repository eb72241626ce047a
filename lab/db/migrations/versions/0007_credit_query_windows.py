"""credit: indexes for counting a bank's and an operator's recent profile requests

Revision ID: 0007_credit_query_windows
Revises: 0006_portal_applications
Create Date: 2026-12-01 21:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0007_credit_query_windows"
down_revision = "0006_portal_applications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_queries", schema=None) as batch_op:
        batch_op.create_index("ix_credit_queries_bank_at", ["bank_org_id", "at"], unique=False)
        batch_op.create_index(
            "ix_credit_queries_bank_operator_at", ["bank_org_id", "operator", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("credit_queries", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_queries_bank_operator_at")
        batch_op.drop_index("ix_credit_queries_bank_at")
