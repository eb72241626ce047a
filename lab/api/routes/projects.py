"""``/api/projects``, ``/api/steward/projects`` and ``/api/steward/organisations/…/budgets``.

Members of an enterprise or bank apply for their organisation and see its projects (with the
organisation's caps); stewards and auditors see every project; only a steward decides, changes
project budgets and changes an organisation's caps per dataset and per privacy unit. Each change
commits (with its audit entry) before the answer is sent.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from lab.api.routes.steward import StewardDep
from lab.api.schemas.projects import (
    BudgetIn,
    CapIn,
    OrganisationBudgetOut,
    OrganisationBudgetsOut,
    ProjectDecisionIn,
    ProjectIn,
    ProjectOut,
    ProjectsOut,
)
from lab.db import transaction
from lab.errors import InvalidInput, NotFound
from lab.gateway.org_budgets import OrganisationCaps, find_level, organisation_levels, set_cap
from lab.gateway.projects import (
    apply_for_project,
    approve_project,
    get_project,
    list_projects,
    project_budgets,
    reject_project,
    set_budget,
)
from lab.gateway.zcdp import Accounting
from lab.http.deps import DbDep, PrincipalDep, ServicesDep
from lab.http.params import IdPath
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
        return ProjectOut.of(project, [], organisation_levels(session, project.organisation_id))


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
                caps=OrganisationCaps.of(services.settings),
                accounting=Accounting(body.accounting),
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
            rho=body.rho,
            delta=body.delta,
            actor=actor,
        )
        session.flush()
        return _out(session, project_id)


@router.get("/api/steward/organisations/{organisation_id}/budgets")
def organisation_budgets(
    organisation_id: IdPath, principal: PrincipalDep, db: DbDep
) -> OrganisationBudgetsOut:
    """An organisation's caps per dataset and per privacy unit: granted, spent, left."""
    principal.require_role(Role.STEWARD, Role.AUDITOR)
    return _organisation_out(db, organisation_id)


@router.put("/api/steward/organisations/{organisation_id}/budgets/{scope}")
def change_cap(
    organisation_id: IdPath, scope: str, body: CapIn, actor: StewardDep, services: ServicesDep
) -> OrganisationBudgetsOut:
    """Raise or lower a cap (``dataset:<slug>`` or ``unit:<kind>``), never below what is held."""
    with transaction(services.sessions) as session:
        row = find_level(session, organisation_id, scope)
        set_cap(
            session, services.audit, row=row, epsilon=body.epsilon, delta=body.delta, actor=actor
        )
        session.flush()
        return _organisation_out(session, organisation_id)


def _organisation_out(session: Session, organisation_id: int) -> OrganisationBudgetsOut:
    levels = organisation_levels(session, organisation_id)
    return OrganisationBudgetsOut(
        organisation_id=organisation_id,
        budgets=[OrganisationBudgetOut.of(level) for level in levels],
    )


def _visible(session: Session, principal: Principal, project_id: int) -> None:
    target = get_project(session, project_id)
    mine = principal.organisation_id == target.organisation_id
    if not (mine or principal.has_role(Role.STEWARD, Role.AUDITOR)):
        raise NotFound(f"no sandbox project {project_id}")


def _out(session: Session, project_id: int) -> ProjectOut:
    target = get_project(session, project_id)
    return ProjectOut.of(
        target,
        project_budgets(session, project_id),
        organisation_levels(session, target.organisation_id),
    )
