"""catalogue: steward-edited generalisation hierarchies and the de-identification chosen per version

``hierarchy_revisions`` keeps every steward edit of the hierarchies beside the guide (newest
wins, like ``guide_revisions``); ``dataset_versions.deidentification`` records the solution the
steward chose for a T2 extract (levels, limits, rows suppressed, loss, who and when).

Revision ID: 0011_deidentification
Revises: 0010_value_free_profiles
Create Date: 2026-12-04 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_deidentification"
down_revision = "0010_value_free_profiles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hierarchy_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hierarchies_version", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hierarchy_revisions")),
    )
    with op.batch_alter_table("dataset_versions") as batch:
        batch.add_column(sa.Column("deidentification", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop the column in place (SQLite ≥ 3.35 and PostgreSQL both can): rebuilding
    ``dataset_versions`` in a batch would break the foreign keys that point at it."""
    op.drop_column("dataset_versions", "deidentification")
    op.drop_table("hierarchy_revisions")
