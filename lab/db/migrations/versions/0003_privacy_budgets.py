"""sandbox projects, privacy budgets, query releases

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:25:00.735056
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sandbox_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("applied_by", sa.String(length=64), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_sandbox_projects_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_projects")),
    )
    with op.batch_alter_table("sandbox_projects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sandbox_projects_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "privacy_budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("limit_micro", sa.BigInteger(), nullable=False),
        sa.Column("spent_micro", sa.BigInteger(), nullable=False),
        sa.Column("delta_limit", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_privacy_budgets_dataset_id_datasets")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["sandbox_projects.id"],
            name=op.f("fk_privacy_budgets_project_id_sandbox_projects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_budgets")),
        sa.UniqueConstraint("project_id", "dataset_id", name=op.f("uq_privacy_budgets_project_id")),
    )
    with op.batch_alter_table("privacy_budgets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_budgets_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "query_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("budget_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("query_key", sa.String(length=64), nullable=False),
        sa.Column("query_text", sa.Text(), nullable=False),
        sa.Column("cost_micro", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["budget_id"],
            ["privacy_budgets.id"],
            name=op.f("fk_query_releases_budget_id_privacy_budgets"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["dataset_versions.id"],
            name=op.f("fk_query_releases_version_id_dataset_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_releases")),
        sa.UniqueConstraint("budget_id", "query_key", name=op.f("uq_query_releases_budget_id")),
    )
    with op.batch_alter_table("query_releases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_query_releases_budget_id"), ["budget_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("query_releases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_query_releases_budget_id"))

    op.drop_table("query_releases")
    with op.batch_alter_table("privacy_budgets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_budgets_project_id"))

    op.drop_table("privacy_budgets")
    with op.batch_alter_table("sandbox_projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_projects_organisation_id"))

    op.drop_table("sandbox_projects")
