"""gateway: columns a steward declares unique per privacy unit (joins on the unit and the month)

``dp_metadata.unique_per_unit`` lists the columns whose value identifies at most one row of a
unit (a monthly table's month); publication keeps one row per (unit, value), and a join that
also matches such a column has a smaller per-unit bound. Existing declarations name none.

Revision ID: 0015_unique_per_unit
Revises: 0014_zcdp_accounting
Create Date: 2026-12-04 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_unique_per_unit"
down_revision = "0014_zcdp_accounting"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "dp_metadata",
        sa.Column("unique_per_unit", sa.JSON(), nullable=False, server_default="[]"),
    )


def downgrade() -> None:
    """Drop the column in place, so the referenced table is not rebuilt."""
    op.drop_column("dp_metadata", "unique_per_unit")
