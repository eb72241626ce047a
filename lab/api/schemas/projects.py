"""Request and response shapes of sandbox projects: applications, decisions, budgets."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lab.db.models import PrivacyBudget, SandboxProject
from lab.gateway.ledger import MICRO, BudgetState
from lab.gateway.org_budgets import OrganisationLevel
from lab.gateway.projects import DEFAULT_DELTA_PER_DATASET, MAX_DELTA_PER_DATASET


class ProjectIn(BaseModel):
    """An application: what the project is for and which restricted datasets it needs."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=10, max_length=5000)
    datasets: list[str] = Field(min_length=1, max_length=50)


class ProjectDecisionIn(BaseModel):
    """A steward's decision: approve with ε per dataset (and one δ for each), or reject.

    ``accounting`` is ``pure`` (ε budgets, discrete Laplace) or ``zcdp`` (the budgets are ρ's,
    discrete Gaussian; δ must then be above 0)."""

    model_config = ConfigDict(extra="forbid")

    approve: bool
    accounting: Literal["pure", "zcdp"] = "pure"
    budgets: dict[str, float] = Field(default_factory=dict)
    delta: float = Field(default=DEFAULT_DELTA_PER_DATASET, ge=0, le=MAX_DELTA_PER_DATASET)
    note: str = Field(default="", max_length=5000)


class BudgetIn(BaseModel):
    """A new limit for one budget: ε (pure project) or ρ (zCDP project); δ kept when omitted."""

    model_config = ConfigDict(extra="forbid")

    epsilon: float | None = Field(default=None, gt=0)
    rho: float | None = Field(default=None, gt=0)
    delta: float | None = Field(default=None, ge=0, le=MAX_DELTA_PER_DATASET)


class ProjectBudgetOut(BaseModel):
    """A project budget in ε and δ; a zCDP project's also in ρ (``rho_limit``, ``rho_spent``),
    its ε being what that ρ implies at its δ."""

    dataset: str
    limit: float
    spent: float
    delta_limit: float
    delta_spent: float
    rho_limit: float | None = None
    rho_spent: float | None = None

    @classmethod
    def of(cls, slug: str, budget: PrivacyBudget) -> ProjectBudgetOut:
        state, zcdp = BudgetState.of(budget), budget.rho_limit_micro > 0
        return cls(
            dataset=slug,
            limit=state.limit,
            spent=state.spent,
            delta_limit=state.delta_limit,
            delta_spent=state.delta_spent,
            rho_limit=budget.rho_limit_micro / MICRO if zcdp else None,
            rho_spent=budget.rho_spent_micro / MICRO if zcdp else None,
        )


class CapIn(BaseModel):
    """A new cap for one of an organisation's budgets; δ is kept when omitted."""

    model_config = ConfigDict(extra="forbid")

    epsilon: float = Field(gt=0)
    delta: float | None = Field(default=None, ge=0, lt=1)


class OrganisationBudgetOut(BaseModel):
    """An organisation's cap on a dataset (``dataset:<slug>``) or privacy unit (``unit:<kind>``).

    ``allocated`` is what its projects were granted (dataset caps only); ``spent`` what its
    queries were charged; ``remaining`` what is left to spend.
    """

    scope: str
    limit: float
    allocated: float
    spent: float
    remaining: float
    delta_limit: float
    delta_allocated: float
    delta_spent: float
    delta_remaining: float

    @classmethod
    def of(cls, level: OrganisationLevel) -> OrganisationBudgetOut:
        state = level.state
        return cls(
            scope=level.scope,
            limit=state.limit,
            allocated=level.allocated,
            spent=state.spent,
            remaining=state.remaining,
            delta_limit=state.delta_limit,
            delta_allocated=level.delta_allocated,
            delta_spent=state.delta_spent,
            delta_remaining=state.delta_remaining,
        )


class OrganisationBudgetsOut(BaseModel):
    """An organisation's privacy-budget caps, on datasets and on privacy units."""

    organisation_id: int
    budgets: list[OrganisationBudgetOut]


class ProjectOut(BaseModel):
    """A sandbox project: its purpose, datasets, state and who applied and decided."""

    id: int
    organisation_id: int
    title: str
    purpose: str
    datasets: list[str]
    state: str
    applied_by: str
    decided_by: str | None
    decision_note: str
    created_at: datetime
    decided_at: datetime | None
    accounting: str
    budgets: list[ProjectBudgetOut]
    organisation_budgets: list[OrganisationBudgetOut]

    @classmethod
    def of(
        cls,
        project: SandboxProject,
        budgets: list[tuple[str, PrivacyBudget]],
        organisation: list[OrganisationLevel],
    ) -> ProjectOut:
        return cls(
            id=project.id,
            organisation_id=project.organisation_id,
            title=project.title,
            purpose=project.purpose,
            datasets=list(project.datasets),
            state=project.state,
            applied_by=project.applied_by,
            decided_by=project.decided_by,
            decision_note=project.decision_note,
            created_at=project.created_at,
            decided_at=project.decided_at,
            accounting=project.accounting or "pure",
            budgets=[ProjectBudgetOut.of(slug, budget) for slug, budget in budgets],
            organisation_budgets=[OrganisationBudgetOut.of(level) for level in organisation],
        )


class ProjectsOut(BaseModel):
    """The sandbox projects."""

    projects: list[ProjectOut]
