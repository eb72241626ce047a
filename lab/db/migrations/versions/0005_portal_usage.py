"""open-data portal: live usage counters and the search index

Revision ID: 0005_portal_usage
Revises: 0004_credit
Create Date: 2026-11-22 06:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_portal_usage"
down_revision = "0004_credit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_usage",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_portal_usage_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "event", "format", name=op.f("pk_portal_usage")),
    )
    op.create_table(
        "portal_search_documents",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("source_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title_text", sa.Text(), nullable=False),
        sa.Column("keyword_text", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_portal_search_documents_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_portal_search_documents")),
    )
    op.create_table(
        "portal_search_tags",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_portal_search_tags_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "tag", name=op.f("pk_portal_search_tags")),
    )
    with op.batch_alter_table("portal_search_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_search_tags_tag"), ["tag"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("portal_search_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_search_tags_tag"))
    op.drop_table("portal_search_tags")
    op.drop_table("portal_search_documents")
    op.drop_table("portal_usage")
