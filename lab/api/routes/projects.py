"""``/api/projects`` and ``/api/steward/projects``: apply for a sandbox project, decide, budget.

Members of an enterprise or bank apply for their organisation and see its projects; stewards
and auditors see every project; only a steward decides and changes budgets. Each change commits
(with its audit entry) before the answer is sent.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from lab.api.deps import DbDep, PrincipalDep, ServicesDep
from lab.api.params import IdPath
from lab.api.routes.steward import StewardDep
from lab.api.schemas.projects import (
    BudgetIn,
    ProjectDecisionIn,
    ProjectIn,
    ProjectOut,
    ProjectsOut,
)
from lab.db import transaction
from lab.errors import InvalidInput, NotFound
from lab.gateway.projects import (
    apply_for_project,
    approve_project,
    get_project,
    list_projects,
    project_budgets,
    reject_project,
    set_budget,
)
from lab.identity import Principal, Role

APPLICANT_ROLES = (Role.ENTERPRISE_ADMIN, Role.BANK_OPERATOR, Role.ANALYST)
router = APIRouter(tags=["projects"])


@router.post("/api/projects", status_code=201)
def apply(body: ProjectIn, principal: PrincipalDep, services: ServicesDep) -> ProjectOut:
    """Apply for a sandbox project on behalf of the caller's organisation."""
    principal.require_role(*APPLICANT_ROLES)
    if principal.organisation_id is None:
        raise InvalidInput("only members of an enterprise or bank can apply for a project")
    with transaction(services.sessions) as session:
        project = apply_for_project(
            session,
            services.audit,
            organisation_id=principal.organisation_id,
            title=body.title,
            purpose=body.purpose,
            datasets=body.datasets,
            actor=principal.username,
        )
        return ProjectOut.of(project, [])


@router.get("/api/projects")
def projects(principal: PrincipalDep, db: DbDep) -> ProjectsOut:
    """Every project for stewards and auditors; the caller's organisation's for anyone else."""
    everything = principal.has_role(Role.STEWARD, Role.AUDITOR)
    if not everything and principal.organisation_id is None:
        return ProjectsOut(projects=[])
    found = list_projects(db, organisation_id=None if everything else principal.organisation_id)
    return ProjectsOut(projects=[_out(db, project.id) for project in found])


@router.get("/api/projects/{project_id}")
def project(project_id: IdPath, principal: PrincipalDep, db: DbDep) -> ProjectOut:
    """One project, if the caller may see it (others are reported as not found)."""
    _visible(db, principal, project_id)
    return _out(db, project_id)


@router.post("/api/steward/projects/{project_id}/decision")
def decide(
    project_id: IdPath, body: ProjectDecisionIn, actor: StewardDep, services: ServicesDep
) -> ProjectOut:
    """Approve with a budget per dataset, or reject with a reason."""
    with transaction(services.sessions) as session:
        target = get_project(session, project_id)
        if body.approve:
            approve_project(
                session,
                services.audit,
                project=target,
                budgets=body.budgets,
                delta=body.delta,
                note=body.note,
                actor=actor,
            )
        else:
            reject_project(session, services.audit, project=target, note=body.note, actor=actor)
        session.flush()
        return _out(session, project_id)


@router.put("/api/steward/projects/{project_id}/budgets/{dataset}")
def change_budget(
    project_id: IdPath, dataset: str, body: BudgetIn, actor: StewardDep, services: ServicesDep
) -> ProjectOut:
    """Raise or lower one budget (never below what is spent)."""
    with transaction(services.sessions) as session:
        budgets = dict(project_budgets(session, get_project(session, project_id).id))
        if dataset not in budgets:
            raise NotFound(f"project {project_id} has no budget on {dataset!r}")
        set_budget(
            session,
            services.audit,
            budget=budgets[dataset],
            epsilon=body.epsilon,
            delta=body.delta,
            actor=actor,
        )
        session.flush()
        return _out(session, project_id)


def _visible(session: Session, principal: Principal, project_id: int) -> None:
    target = get_project(session, project_id)
    mine = principal.organisation_id == target.organisation_id
    if not (mine or principal.has_role(Role.STEWARD, Role.AUDITOR)):
        raise NotFound(f"no sandbox project {project_id}")


def _out(session: Session, project_id: int) -> ProjectOut:
    return ProjectOut.of(get_project(session, project_id), project_budgets(session, project_id))
