"""catalogue: scrub every value (ranges, top values) from the profiles of restricted versions

A version proposed or decided T3 or above keeps only value-free statistics in its stored
profile: counts, nulls, numeric share, longest length. Profiles written before that rule kept
the ranges and top values of their T1 columns; this revision empties them. It cannot be undone:
the values are gone.

Revision ID: 0010_value_free_profiles
Revises: 0009_organisation_budgets
Create Date: 2026-12-03 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_value_free_profiles"
down_revision = "0009_organisation_budgets"
branch_labels = None
depends_on = None

_RESTRICTED = ("T3", "T4", "T5")
_versions = sa.table(
    "dataset_versions",
    sa.column("id", sa.Integer),
    sa.column("tier", sa.String),
    sa.column("proposed_tier", sa.String),
    sa.column("profile", sa.JSON),
)


def _value_free(entry: dict) -> dict:
    return {**entry, "min": None, "max": None, "top_values": []}


def upgrade() -> None:
    connection = op.get_bind()
    restricted = sa.or_(
        _versions.c.tier.in_(_RESTRICTED),
        sa.and_(_versions.c.tier.is_(None), _versions.c.proposed_tier.in_(_RESTRICTED)),
    )
    rows = connection.execute(sa.select(_versions.c.id, _versions.c.profile).where(restricted))
    for version_id, profile in rows.all():
        connection.execute(
            _versions.update()
            .where(_versions.c.id == version_id)
            .values(profile=[_value_free(entry) for entry in profile or []])
        )


def downgrade() -> None:
    """Nothing to restore: the scrubbed values are gone on purpose."""
