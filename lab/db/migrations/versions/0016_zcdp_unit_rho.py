"""gateway: a zCDP project's releases compose in ρ on the organisation's privacy-unit level

``project_unit_rho`` holds, per (project, organisation budget row on a privacy unit), the ρ the
project has spent on every dataset about that unit (a join once), and the δ its (ε, δ) is charged
at. Rows are made on a project's first zCDP charge on the unit; projects that spent ρ before this
migration start at 0 — their earlier unit charges (a sum of ε's) already cover at least ε of
what they spent, and ε(ρ) is subadditive, so the later charges stay an upper bound.

Revision ID: 0016_zcdp_unit_rho
Revises: 0015_unique_per_unit
Create Date: 2026-12-04 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_zcdp_unit_rho"
down_revision = "0015_unique_per_unit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_unit_rho",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("organisation_budget_id", sa.Integer(), nullable=False),
        sa.Column("rho_spent_micro", sa.BigInteger(), nullable=False),
        sa.Column("delta_pico", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_budget_id"],
            ["organisation_budgets.id"],
            name=op.f("fk_project_unit_rho_organisation_budget_id_organisation_budgets"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["sandbox_projects.id"],
            name=op.f("fk_project_unit_rho_project_id_sandbox_projects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_unit_rho")),
        sa.UniqueConstraint(
            "project_id", "organisation_budget_id", name=op.f("uq_project_unit_rho_project_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("project_unit_rho")
