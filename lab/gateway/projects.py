"""Sandbox projects: an enterprise or bank applies, a steward approves with a budget per dataset.

Only published T3/T4 datasets can be named; budgets are in ε (stored as micro-ε) and can be
raised or lowered by a steward, never below what is already spent. Every decision and budget
change is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import Tier
from lab.audit import AuditLog
from lab.catalogue.datasets import current_version, get_dataset
from lab.db.models import Organisation, PrivacyBudget, SandboxProject
from lab.errors import Conflict, InvalidInput, NotFound
from lab.gateway.ledger import MICRO, to_micro
from lab.identity import OrganisationKind
from lab.identity.accounts import now

MAX_EPSILON_PER_DATASET = 20.0


class ProjectState(StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"


def apply_for_project(
    session: Session,
    audit: AuditLog,
    *,
    organisation_id: int,
    title: str,
    purpose: str,
    actor: str,
) -> SandboxProject:
    """Record an organisation's application (enterprises and banks only)."""
    org = session.get(Organisation, organisation_id)
    if org is None or org.kind not in (OrganisationKind.ENTERPRISE, OrganisationKind.BANK):
        raise InvalidInput("sandbox projects are for enterprises and banks")
    if len(purpose.strip()) < 10 or not title.strip():
        raise InvalidInput("a project needs a title and a purpose of at least 10 characters")
    project = SandboxProject(
        organisation_id=org.id,
        title=title.strip(),
        purpose=purpose.strip(),
        state=ProjectState.APPLIED.value,
        applied_by=actor,
        created_at=now(),
    )
    session.add(project)
    session.flush()
    audit.append_in(
        session,
        actor=actor,
        action="project.apply",
        target=f"project:{project.id}",
        details={"organisation": org.name, "title": project.title},
    )
    return project


def approve_project(
    session: Session,
    audit: AuditLog,
    *,
    project: SandboxProject,
    budgets: Mapping[str, float],
    actor: str,
    note: str = "",
) -> list[PrivacyBudget]:
    """Approve ``project`` with an ε budget per restricted dataset slug."""
    if project.state != ProjectState.APPLIED:
        raise Conflict(f"project {project.id} is {project.state}, not awaiting a decision")
    if not budgets:
        raise InvalidInput("approve a project with a budget for at least one dataset")
    project.state, project.decided_by = ProjectState.APPROVED.value, actor
    project.decided_at, project.decision_note = now(), note
    made = [_new_budget(session, project, slug, eps) for slug, eps in budgets.items()]
    audit.append_in(
        session,
        actor=actor,
        action="project.approve",
        target=f"project:{project.id}",
        details={"budgets": dict(budgets), "note": note},
    )
    return made


def set_budget(
    session: Session, audit: AuditLog, *, budget: PrivacyBudget, epsilon: float, actor: str
) -> None:
    """Change a budget's limit; it may not drop below what has been spent."""
    limit = _checked_limit(epsilon)
    if limit < budget.spent_micro:
        raise Conflict(
            f"{budget.spent_micro / MICRO} ε is already spent; the limit cannot be lower"
        )
    old = budget.limit_micro
    budget.limit_micro, budget.updated_at = limit, now()
    audit.append_in(
        session,
        actor=actor,
        action="budget.set",
        target=f"budget:{budget.id}",
        details={"from": old / MICRO, "to": limit / MICRO},
    )


def _checked_limit(epsilon: float) -> int:
    if not 0 < epsilon <= MAX_EPSILON_PER_DATASET:
        raise InvalidInput(f"a budget is an ε in (0, {MAX_EPSILON_PER_DATASET}]")
    return to_micro(epsilon)


def _new_budget(session: Session, project: SandboxProject, slug: str, eps: float) -> PrivacyBudget:
    dataset = get_dataset(session, slug)
    version = current_version(session, dataset)
    if version is None or Tier(version.tier) < Tier.T3:
        raise InvalidInput(f"{slug!r} is not a published restricted (T3/T4) dataset")
    budget = PrivacyBudget(
        project_id=project.id,
        dataset_id=dataset.id,
        limit_micro=_checked_limit(eps),
        spent_micro=0,
        updated_at=now(),
    )
    session.add(budget)
    session.flush()
    return budget


def budget_for(session: Session, *, project_id: int, dataset_id: int) -> PrivacyBudget:
    """The budget of an approved project on a dataset; NotFound otherwise."""
    budget = session.scalar(
        select(PrivacyBudget)
        .join(SandboxProject, SandboxProject.id == PrivacyBudget.project_id)
        .where(
            PrivacyBudget.project_id == project_id,
            PrivacyBudget.dataset_id == dataset_id,
            SandboxProject.state == ProjectState.APPROVED.value,
        )
    )
    if budget is None:
        raise NotFound("no approved budget for this project and dataset")
    return budget
