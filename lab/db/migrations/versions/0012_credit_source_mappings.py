"""credit: steward revisions of the credit source mapping (dataset and columns per input)

Revision ID: 0012_credit_source_mappings
Revises: 0011_deidentification
Create Date: 2026-12-04 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_credit_source_mappings"
down_revision = "0011_deidentification"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_source_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mapping_version", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_source_mappings")),
    )


def downgrade() -> None:
    op.drop_table("credit_source_mappings")
