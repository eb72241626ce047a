"""gateway: organisation × dataset and × privacy-unit budgets; one release cache per organisation

Existing approved budgets move into consistent organisation-level rows, so nothing in flight
breaks:

* organisation x dataset: ``allocated`` and ``spent`` are the sums over the organisation's
  project budgets on the dataset; the cap is max(default, what is allocated, what is spent);
* organisation x privacy unit (the kind read from the classifier's finding for the served
  version's declared unit column, ``lab.gateway.units``): ``spent`` sums the dataset rows of that
  kind; the cap is max(default, the sum of their allocations, what is spent). Datasets with no
  served DP metadata get their unit row on first query;
* every release is linked to its organisation's dataset row, which scopes the release cache;
  of releases that repeat an earlier one of the same organisation (possible before the cache
  was shared) only the earliest is linked — the later ones keep their project and history.

The defaults are those declared in ``lab.settings`` when this migration was written (a migration
is a snapshot); a steward raises or lowers any cap afterwards, audited.

Revision ID: 0009_organisation_budgets
Revises: 0008_credit_repair_decisions
Create Date: 2026-12-03 23:00:00
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from lab.gateway.units import privacy_unit_kind

revision = "0009_organisation_budgets"
down_revision = "0008_credit_repair_decisions"
branch_labels = None
depends_on = None

DATASET_EPSILON_MICRO = 10_000_000
DATASET_DELTA_PICO = 10_000_000
UNIT_EPSILON_MICRO = 10_000_000
UNIT_DELTA_PICO = 20_000_000
AMOUNTS = ("limit_micro", "spent_micro", "delta_limit_pico", "delta_spent_pico")

organisation_budgets = sa.table(
    "organisation_budgets",
    sa.column("id", sa.Integer),
    sa.column("organisation_id", sa.Integer),
    sa.column("dataset_id", sa.Integer),
    sa.column("privacy_unit", sa.String),
    sa.column("limit_micro", sa.BigInteger),
    sa.column("allocated_micro", sa.BigInteger),
    sa.column("spent_micro", sa.BigInteger),
    sa.column("delta_limit_pico", sa.BigInteger),
    sa.column("delta_allocated_pico", sa.BigInteger),
    sa.column("delta_spent_pico", sa.BigInteger),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
query_releases = sa.table(
    "query_releases",
    sa.column("id", sa.Integer),
    sa.column("budget_id", sa.Integer),
    sa.column("query_key", sa.String),
    sa.column("organisation_budget_id", sa.Integer),
)


def upgrade() -> None:
    op.create_table(
        "organisation_budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("privacy_unit", sa.String(length=240), nullable=True),
        sa.Column("limit_micro", sa.BigInteger(), nullable=False),
        sa.Column("allocated_micro", sa.BigInteger(), nullable=False),
        sa.Column("spent_micro", sa.BigInteger(), nullable=False),
        sa.Column("delta_limit_pico", sa.BigInteger(), nullable=False),
        sa.Column("delta_allocated_pico", sa.BigInteger(), nullable=False),
        sa.Column("delta_spent_pico", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(dataset_id IS NULL) <> (privacy_unit IS NULL)",
            name=op.f("ck_organisation_budgets_one_scope"),
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_organisation_budgets_dataset_id_datasets"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_budgets_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_budgets")),
        sa.UniqueConstraint(
            "organisation_id", "dataset_id", name=op.f("uq_organisation_budgets_dataset")
        ),
        sa.UniqueConstraint(
            "organisation_id", "privacy_unit", name=op.f("uq_organisation_budgets_unit")
        ),
    )
    with op.batch_alter_table("query_releases") as table:
        table.add_column(sa.Column("organisation_budget_id", sa.Integer(), nullable=True))
        table.create_foreign_key(
            op.f("fk_query_releases_organisation_budget_id_organisation_budgets"),
            "organisation_budgets",
            ["organisation_budget_id"],
            ["id"],
        )
        table.create_unique_constraint(
            op.f("uq_query_releases_organisation_budget_id"),
            ["organisation_budget_id", "query_key"],
        )
    _move_existing_budgets(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("query_releases") as table:
        table.drop_constraint(op.f("uq_query_releases_organisation_budget_id"), type_="unique")
        table.drop_constraint(
            op.f("fk_query_releases_organisation_budget_id_organisation_budgets"),
            type_="foreignkey",
        )
        table.drop_column("organisation_budget_id")
    op.drop_table("organisation_budgets")


def _move_existing_budgets(bind) -> None:
    budgets = bind.execute(
        sa.text(
            "SELECT b.id, b.dataset_id, p.organisation_id, b.limit_micro, b.spent_micro, "
            "b.delta_limit_pico, b.delta_spent_pico FROM privacy_budgets b "
            "JOIN sandbox_projects p ON p.id = b.project_id"
        )
    ).all()
    per_dataset: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for b in budgets:
        sums = per_dataset[(b.organisation_id, b.dataset_id)]
        for i, name in enumerate(AMOUNTS):
            sums[i] += getattr(b, name)
    at = datetime.now(UTC)
    rows = {
        key: _insert(
            bind, at, key[0], sums, DATASET_EPSILON_MICRO, DATASET_DELTA_PICO, dataset_id=key[1]
        )
        for key, sums in per_dataset.items()
    }
    _unit_rows(bind, at, per_dataset)
    _link_releases(bind, {b.id: rows[(b.organisation_id, b.dataset_id)] for b in budgets})


def _insert(bind, at, organisation_id, sums, epsilon_default, delta_default, **scope) -> int:
    allocated, spent, delta_allocated, delta_spent = sums
    return bind.execute(
        organisation_budgets.insert()
        .values(
            organisation_id=organisation_id,
            limit_micro=max(epsilon_default, allocated, spent),
            allocated_micro=allocated if "dataset_id" in scope else 0,
            spent_micro=spent,
            delta_limit_pico=max(delta_default, delta_allocated, delta_spent),
            delta_allocated_pico=delta_allocated if "dataset_id" in scope else 0,
            delta_spent_pico=delta_spent,
            updated_at=at,
            **scope,
        )
        .returning(organisation_budgets.c.id)
    ).scalar_one()


def _unit_rows(bind, at, per_dataset) -> None:
    units = _served_units(bind)
    per_unit: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for (organisation_id, dataset_id), sums in per_dataset.items():
        if dataset_id in units:
            total = per_unit[(organisation_id, units[dataset_id])]
            for i, amount in enumerate(sums):
                total[i] += amount
    for (organisation_id, unit), sums in per_unit.items():
        _insert(
            bind, at, organisation_id, sums, UNIT_EPSILON_MICRO, UNIT_DELTA_PICO, privacy_unit=unit
        )


def _served_units(bind) -> dict[int, str]:
    found = bind.execute(
        sa.text(
            "SELECT d.id AS dataset_id, v.classification AS classification, "
            "m.privacy_unit AS unit FROM datasets d "
            "JOIN dataset_versions v ON v.id = d.current_version_id "
            "JOIN dp_metadata m ON m.version_id = v.id"
        ).columns(dataset_id=sa.Integer, classification=sa.JSON, unit=sa.String)
    )
    return {row.dataset_id: privacy_unit_kind(row.classification or {}, row.unit) for row in found}


def _link_releases(bind, row_of_budget: dict[int, int]) -> None:
    seen: set[tuple[int, str]] = set()
    releases = bind.execute(
        sa.select(
            query_releases.c.id, query_releases.c.budget_id, query_releases.c.query_key
        ).order_by(query_releases.c.id)
    ).all()
    for release in releases:
        scope = (row_of_budget[release.budget_id], release.query_key)
        if scope in seen:
            continue
        seen.add(scope)
        bind.execute(
            query_releases.update()
            .where(query_releases.c.id == release.id)
            .values(organisation_budget_id=scope[0])
        )
