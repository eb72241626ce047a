"""gateway: ρ-zCDP accounting per project (discrete Gaussian), beside pure ε

A steward may approve a project under ρ-zCDP: ``sandbox_projects.accounting`` says which
("pure" or "zcdp"); a zCDP project's budgets hold their ρ in micro-ρ
(``privacy_budgets.rho_limit_micro`` / ``rho_spent_micro``) beside the (ε, δ) it implies, and
each release records the ρ it charged (``query_releases.cost_rho_micro``). Existing projects stay
pure ε with ρ columns at 0.

Revision ID: 0014_zcdp_accounting
Revises: 0013_scorecard_model_cards
Create Date: 2026-12-04 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_zcdp_accounting"
down_revision = "0013_scorecard_model_cards"
branch_labels = None
depends_on = None


def _micro(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=False, server_default="0")


def upgrade() -> None:
    op.add_column(
        "sandbox_projects",
        sa.Column("accounting", sa.String(10), nullable=False, server_default="pure"),
    )
    op.add_column("privacy_budgets", _micro("rho_limit_micro"))
    op.add_column("privacy_budgets", _micro("rho_spent_micro"))
    op.add_column("query_releases", _micro("cost_rho_micro"))


def downgrade() -> None:
    """Drop the columns in place (SQLite ≥ 3.35 and PostgreSQL both can), so no referenced
    table is rebuilt."""
    op.drop_column("query_releases", "cost_rho_micro")
    op.drop_column("privacy_budgets", "rho_spent_micro")
    op.drop_column("privacy_budgets", "rho_limit_micro")
    op.drop_column("sandbox_projects", "accounting")
