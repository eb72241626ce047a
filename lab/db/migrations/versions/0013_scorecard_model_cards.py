"""credit: a model card stored with each scorecard version, and the monitor's stability checks

Revision ID: 0013_scorecard_model_cards
Revises: 0012_credit_source_mappings
Create Date: 2026-12-04 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_scorecard_model_cards"
down_revision = "0012_credit_source_mappings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_scorecards") as table:
        table.add_column(sa.Column("model_card", sa.JSON(), nullable=True))
    op.create_table(
        "credit_scorecard_checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "version",
            sa.String(length=40),
            sa.ForeignKey("credit_scorecards.version"),
            nullable=False,
        ),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("psi", sa.JSON(), nullable=False),
        sa.Column("alarm", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_credit_scorecard_checks_at", "credit_scorecard_checks", ["at"])


def downgrade() -> None:
    op.drop_index("ix_credit_scorecard_checks_at", table_name="credit_scorecard_checks")
    op.drop_table("credit_scorecard_checks")
    op.drop_column("credit_scorecards", "model_card")  # in place: no referenced table rebuilt
