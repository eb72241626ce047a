"""gateway: ρ-zCDP accounting per project (discrete Gaussian), beside pure ε

A steward may approve a project under ρ-zCDP: ``sandbox_projects.accounting`` says which
("pure" or "zcdp"); a zCDP project's budgets hold their ρ in micro-ρ
(``privacy_budgets.rho_limit_micro`` / ``rho_spent_micro``) beside the (ε, δ) it implies, and
each release records the ρ it charged (``query_releases.cost_rho_micro``). Existing projects stay
pure ε with ρ columns at 0.

Revision ID: 0014_zcdp_accounting
Revises: 0010_value_free_profiles
Create Date: 2026-12-04 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_zcdp_accounting"
down_revision = "0010_value_free_profiles"
branch_labels = None
depends_on = None


def _micro(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=False, server_default="0")


def upgrade() -> None:
    with op.batch_alter_table("sandbox_projects") as batch:
        batch.add_column(
            sa.Column("accounting", sa.String(10), nullable=False, server_default="pure")
        )
    with op.batch_alter_table("privacy_budgets") as batch:
        batch.add_column(_micro("rho_limit_micro"))
        batch.add_column(_micro("rho_spent_micro"))
    with op.batch_alter_table("query_releases") as batch:
        batch.add_column(_micro("cost_rho_micro"))


def downgrade() -> None:
    with op.batch_alter_table("query_releases") as batch:
        batch.drop_column("cost_rho_micro")
    with op.batch_alter_table("privacy_budgets") as batch:
        batch.drop_column("rho_spent_micro")
        batch.drop_column("rho_limit_micro")
    with op.batch_alter_table("sandbox_projects") as batch:
        batch.drop_column("accounting")
