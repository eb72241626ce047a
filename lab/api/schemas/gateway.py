"""Request and response shapes of the DP gateway API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lab.db.models import PrivacyBudget
from lab.gateway.accounting import MICRO
from lab.gateway.accuracy import AccuracyTarget
from lab.gateway.zcdp import Accounting


class QueryIn(BaseModel):
    """A DP query: the dataset, the SQL, the ε to spend and the δ partition selection may spend.

    A project under zCDP accounting gives ``rho`` (the ρ to spend) instead of ``epsilon``.
    """

    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(min_length=1, max_length=120)
    sql: str = Field(min_length=1, max_length=10_000)
    epsilon: float | None = Field(default=None, gt=0, le=10)
    rho: float | None = Field(default=None, gt=0, le=10)
    delta: float = Field(default=0.0, ge=0, le=1e-5)


class CostIn(QueryIn):
    """A cost question: at ``epsilon`` (or ``rho``), or — with ``target_half_width`` — the least
    budget that gives a count or sum (``aggregate``, e.g. ``count(*)``; every count and sum by
    default) a 95% interval of ± that much, in the column's declared unit. A relative target
    (``target_relative`` = 0.05 for ±5%) needs ``expected``, the value it is relative to: the
    gateway never reads the true value to size the noise."""

    target_half_width: float | None = Field(default=None, gt=0)
    target_relative: float | None = Field(default=None, gt=0)
    expected: float | None = Field(default=None, allow_inf_nan=False)
    aggregate: str | None = Field(default=None, max_length=300)

    def target(self) -> AccuracyTarget | None:
        """The accuracy target asked for, if any (InvalidInput when it is incomplete)."""
        if self.target_half_width is None and self.target_relative is None:
            return None
        return AccuracyTarget(
            self.target_half_width, self.target_relative, self.expected, self.aggregate
        )


class AccuracyOut(BaseModel):
    """An aggregate's 95% half-width before it runs: exact for counts and sums (``half_width``);
    for a mean, variance or quantile the half-widths of its parts (``parts``)."""

    aggregate: str
    half_width: float | None
    parts: dict[str, float]


class CostOut(BaseModel):
    """What the query would charge: ε and δ (pure), or ρ and the (ε, δ) it implies at the
    project's δ (zCDP); and each aggregate's expected accuracy. Nothing is charged."""

    accounting: str = "pure"
    epsilon: float
    delta: float
    rho: float | None = None
    accuracy: list[AccuracyOut] = []
    target_half_width: float | None = Field(
        default=None, description="The half-width aimed at (a relative target times expected)."
    )


class ColumnOut(BaseModel):
    """One column of a gateway dataset: its kind, declared bounds and public domain."""

    name: str
    kind: str
    bounds: list[int | float] | None
    precision: str | None = None
    domain: list[str] | None
    domain_spec: str | None = Field(
        default=None,
        description="The steward's generated domain, e.g. months:2024-01:2025-12 (its groups "
        "are in `domain`); None for a public code list or no domain.",
    )


class DatasetOut(BaseModel):
    """A dataset the project may query, with its privacy unit and columns."""

    name: str
    title: str
    tier: str
    version: int
    privacy_unit: str
    max_rows_per_unit: int
    columns: list[ColumnOut]
    unique_per_unit: list[str] = Field(
        default_factory=list,
        description="Columns with at most one row per unit and value: a join that also matches "
        "one of them has a smaller per-unit bound.",
    )


class DatasetsOut(BaseModel):
    """The datasets the project may query."""

    datasets: list[DatasetOut]


class MockOut(BaseModel):
    """Made-up rows in a dataset's shape, for writing queries before spending budget."""

    columns: list[str]
    rows: list[dict[str, Any]]


class AnswerOut(BaseModel):
    """A differentially private answer, what it cost and the budget left."""

    columns: list[str]
    rows: list[dict[str, Any]]
    epsilon: float
    delta: float
    cached: bool
    budget_left: float
    delta_left: float
    notes: list[str] = Field(
        default_factory=list,
        description="Per group key with a public domain: values outside it are in no group.",
    )
    rho: float | None = None


class LevelOut(BaseModel):
    """One level a query on the dataset is charged to.

    ``level`` is ``project`` (this project on the dataset), ``organisation_dataset`` (all of the
    organisation's projects on the dataset) or ``organisation_unit`` (all of the organisation's
    queries on datasets about the same privacy unit, named by ``scope``).
    """

    level: str
    scope: str
    limit: float
    spent: float
    remaining: float
    delta_limit: float
    delta_spent: float
    delta_remaining: float


class BudgetOut(BaseModel):
    """The project's budget on a dataset (the flat fields) and every level charged with it;
    ``left``/``delta_left`` is what the tightest level leaves for the next query."""

    dataset: str
    limit: float
    spent: float
    remaining: float
    delta_limit: float
    delta_spent: float
    delta_remaining: float
    left: float
    delta_left: float
    levels: list[LevelOut]
    accounting: str = "pure"
    rho_limit: float | None = None
    rho_spent: float | None = None
    rho_remaining: float | None = None

    def with_rho(self, accounting: Accounting, budget: PrivacyBudget) -> BudgetOut:
        """This budget with its accounting, and its ρ when the project is under zCDP."""
        if accounting is not Accounting.ZCDP:
            return self
        limit, spent = budget.rho_limit_micro, budget.rho_spent_micro
        return self.model_copy(
            update={
                "accounting": accounting.value,
                "rho_limit": limit / MICRO,
                "rho_spent": spent / MICRO,
                "rho_remaining": max(0, limit - spent) / MICRO,
            }
        )


class BudgetsOut(BaseModel):
    """The project's privacy budget on each dataset it may query."""

    budgets: list[BudgetOut]


class HistoryItemOut(BaseModel):
    """One query the project ran: its text, its cost and its state."""

    dataset: str
    query: str
    epsilon: float
    delta: float
    state: str
    at: str


class HistoryOut(BaseModel):
    """The project's queries, newest first."""

    queries: list[HistoryItemOut]
