"""open-data portal: conditional-data applications, traceable extract downloads, feedback

Revision ID: 0006_portal_applications
Revises: 0005_portal_usage
Create Date: 2026-11-22 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_portal_applications"
down_revision = "0005_portal_usage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "extract_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("pledge", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("access_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("usage_report", sa.JSON(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["users.id"], name=op.f("fk_extract_applications_applicant_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_extract_applications_dataset_id_datasets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extract_applications")),
    )
    with op.batch_alter_table("extract_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_extract_applications_applicant_id"), ["applicant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_extract_applications_dataset_id"), ["dataset_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_extract_applications_state"), ["state"], unique=False)

    op.create_table(
        "extract_downloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["extract_applications.id"],
            name=op.f("fk_extract_downloads_application_id_extract_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["dataset_versions.id"],
            name=op.f("fk_extract_downloads_version_id_dataset_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extract_downloads")),
    )
    with op.batch_alter_table("extract_downloads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_extract_downloads_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "portal_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("dataset_slug", sa.String(length=120), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_feedback")),
    )
    with op.batch_alter_table("portal_feedback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_feedback_dataset_slug"), ["dataset_slug"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("portal_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_feedback_dataset_slug"))
    op.drop_table("portal_feedback")
    with op.batch_alter_table("extract_downloads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_extract_downloads_application_id"))
    op.drop_table("extract_downloads")
    with op.batch_alter_table("extract_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_extract_applications_state"))
        batch_op.drop_index(batch_op.f("ix_extract_applications_dataset_id"))
        batch_op.drop_index(batch_op.f("ix_extract_applications_applicant_id"))
    op.drop_table("extract_applications")
