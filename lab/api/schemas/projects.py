"""Request and response shapes of sandbox projects: applications, decisions, budgets."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lab.db.models import PrivacyBudget, SandboxProject
from lab.gateway.ledger import BudgetState
from lab.gateway.projects import DEFAULT_DELTA_PER_DATASET, MAX_DELTA_PER_DATASET


class ProjectIn(BaseModel):
    """An application: what the project is for and which restricted datasets it needs."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=10, max_length=5000)
    datasets: list[str] = Field(min_length=1, max_length=50)


class ProjectDecisionIn(BaseModel):
    """A steward's decision: approve with ε per dataset (and one δ for each), or reject."""

    model_config = ConfigDict(extra="forbid")

    approve: bool
    budgets: dict[str, float] = Field(default_factory=dict)
    delta: float = Field(default=DEFAULT_DELTA_PER_DATASET, ge=0, le=MAX_DELTA_PER_DATASET)
    note: str = Field(default="", max_length=5000)


class BudgetIn(BaseModel):
    """A new limit for one budget; δ is kept when omitted."""

    model_config = ConfigDict(extra="forbid")

    epsilon: float = Field(gt=0)
    delta: float | None = Field(default=None, ge=0, le=MAX_DELTA_PER_DATASET)


class ProjectBudgetOut(BaseModel):
    dataset: str
    limit: float
    spent: float
    delta_limit: float
    delta_spent: float

    @classmethod
    def of(cls, slug: str, budget: PrivacyBudget) -> ProjectBudgetOut:
        state = BudgetState.of(budget)
        return cls(
            dataset=slug,
            limit=state.limit,
            spent=state.spent,
            delta_limit=state.delta_limit,
            delta_spent=state.delta_spent,
        )


class ProjectOut(BaseModel):
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
    budgets: list[ProjectBudgetOut]

    @classmethod
    def of(cls, project: SandboxProject, budgets: list[tuple[str, PrivacyBudget]]) -> ProjectOut:
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
            budgets=[ProjectBudgetOut.of(slug, budget) for slug, budget in budgets],
        )


class ProjectsOut(BaseModel):
    projects: list[ProjectOut]
