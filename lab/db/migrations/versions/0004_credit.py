"""credit consents, profiles, queries, disputes, scorecards

Revision ID: 0004_credit
Revises: 0004
Create Date: 2026-11-22 06:40:35.872234
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_credit"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("item", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_disputes")),
    )
    with op.batch_alter_table("credit_disputes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_disputes_credit_code"), ["credit_code"], unique=False
        )

    op.create_table(
        "credit_profile_features",
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("data_as_of", sa.String(length=10), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("credit_code", name=op.f("pk_credit_profile_features")),
    )
    op.create_table(
        "credit_repair_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("penalty_reference", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_repair_requests")),
    )
    with op.batch_alter_table("credit_repair_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_repair_requests_credit_code"), ["credit_code"], unique=False
        )

    op.create_table(
        "credit_scorecards",
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("model", sa.JSON(), nullable=False),
        sa.Column("validation", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_credit_scorecards")),
    )
    op.create_table(
        "credit_alarms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("bank_org_id", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_alarms_bank_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_alarms")),
    )
    with op.batch_alter_table("credit_alarms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_alarms_at"), ["at"], unique=False)

    op.create_table(
        "credit_consents",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("enterprise_org_id", sa.Integer(), nullable=True),
        sa.Column("bank_org_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("level_rank", sa.Integer(), nullable=False),
        sa.Column("window_months", sa.Integer(), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("query_cap", sa.Integer(), nullable=False),
        sa.Column("queries_used", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_payload", sa.Text(), nullable=True),
        sa.Column("signature", sa.String(length=200), nullable=True),
        sa.Column("key_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["bank_org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_consents_bank_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_consents_enterprise_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_consents")),
    )
    with op.batch_alter_table("credit_consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_consents_bank_org_id"), ["bank_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_consents_credit_code"), ["credit_code"], unique=False
        )

    op.create_table(
        "credit_loan_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_org_id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("consent_id", sa.String(length=40), nullable=False),
        sa.Column("loan_reference", sa.String(length=80), nullable=False),
        sa.Column("disbursed_on", sa.String(length=10), nullable=False),
        sa.Column("defaulted", sa.Boolean(), nullable=False),
        sa.Column("reported_by", sa.String(length=64), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_loan_outcomes_bank_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_loan_outcomes")),
    )
    with op.batch_alter_table("credit_loan_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_loan_outcomes_bank_org_id"), ["bank_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_loan_outcomes_credit_code"), ["credit_code"], unique=False
        )

    op.create_table(
        "credit_queries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bank_org_id", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("consent_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("served", sa.Boolean(), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_queries_bank_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_queries")),
    )
    with op.batch_alter_table("credit_queries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_queries_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_credit_queries_bank_org_id"), ["bank_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_queries_credit_code"), ["credit_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_credit_queries_operator"), ["operator"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("credit_queries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_queries_operator"))
        batch_op.drop_index(batch_op.f("ix_credit_queries_credit_code"))
        batch_op.drop_index(batch_op.f("ix_credit_queries_bank_org_id"))
        batch_op.drop_index(batch_op.f("ix_credit_queries_at"))

    op.drop_table("credit_queries")
    with op.batch_alter_table("credit_loan_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_loan_outcomes_credit_code"))
        batch_op.drop_index(batch_op.f("ix_credit_loan_outcomes_bank_org_id"))

    op.drop_table("credit_loan_outcomes")
    with op.batch_alter_table("credit_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_consents_credit_code"))
        batch_op.drop_index(batch_op.f("ix_credit_consents_bank_org_id"))

    op.drop_table("credit_consents")
    with op.batch_alter_table("credit_alarms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_alarms_at"))

    op.drop_table("credit_alarms")
    op.drop_table("credit_scorecards")
    with op.batch_alter_table("credit_repair_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_repair_requests_credit_code"))

    op.drop_table("credit_repair_requests")
    op.drop_table("credit_profile_features")
    with op.batch_alter_table("credit_disputes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_disputes_credit_code"))

    op.drop_table("credit_disputes")
