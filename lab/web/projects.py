"""The sandbox-project page: applications awaiting a decision, approval with budgets, rejection,
and each organisation's caps per dataset and per privacy unit.

Approval takes an ε per dataset the application named (form fields ``epsilon:<slug>``) and one δ
for each, granted out of the organisation's cap on the dataset; a rejection needs the reason the
applicant will read; a cap is changed per scope. All call the same domain functions as
``/api/steward/…`` and are audited there.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from lab.db import row_of, transaction
from lab.db.models import Organisation, PrivacyBudget, SandboxProject
from lab.errors import InvalidInput, LabError
from lab.gateway.ledger import MICRO, BudgetState
from lab.gateway.org_budgets import OrganisationCaps, find_level, organisation_levels, set_cap
from lab.gateway.projects import (
    DEFAULT_DELTA_PER_DATASET,
    approve_project,
    get_project,
    list_projects,
    project_budgets,
    reject_project,
)
from lab.gateway.zcdp import Accounting
from lab.http.deps import DbDep, ServicesDep
from lab.http.params import IdPath, SubmittedFormDep
from lab.web.pages import (
    SignedIn,
    StewardFormDep,
    StewardPageDep,
    redirect,
    render,
)
from lab.web.steward_text import PROJECT_STATES

router = APIRouter(prefix="/projects")
PAGE = "/steward/projects"
EPSILON_FIELD = "epsilon:"


def projects_page(request: Request, db: Session, steward: SignedIn, **extra: Any):
    """Every project, newest first, with its organisation and budgets."""
    rows = []
    for project in list_projects(db):
        budgets = [
            (slug, BudgetState.of(b), _rho(project, b))
            for slug, b in project_budgets(db, project.id)
        ]
        organisation = row_of(db, Organisation, project.organisation_id)
        rows.append(
            {
                "project": project,
                "organisation": organisation.name,
                "budgets": budgets,
                "caps": organisation_levels(db, organisation.id),
            }
        )
    return render(
        request,
        "projects.html",
        steward,
        page=PAGE,
        project_states=PROJECT_STATES,
        rows=rows,
        default_delta=DEFAULT_DELTA_PER_DATASET,
        **extra,
    )


@router.get("", response_class=HTMLResponse)
def show(request: Request, db: DbDep, steward: StewardPageDep) -> HTMLResponse:
    """Applications and approved projects."""
    return projects_page(request, db, steward)


@router.post("/{project_id}/approve", response_class=HTMLResponse)
def approve(
    request: Request,
    project_id: IdPath,
    services: ServicesDep,
    db: DbDep,
    steward: StewardFormDep,
    form: SubmittedFormDep,
) -> Response:
    """Approve with the ε typed for each requested dataset (blank: no budget on it)."""
    try:
        budgets = _budgets(form)
        delta = _number(str(form.get("delta") or DEFAULT_DELTA_PER_DATASET), "δ")
        with transaction(services.sessions) as session:
            approve_project(
                session,
                services.audit,
                project=get_project(session, project_id),
                budgets=budgets,
                delta=delta,
                note=str(form.get("note") or ""),
                actor=steward.username,
                caps=OrganisationCaps.of(services.settings),
                accounting=Accounting.parse(str(form.get("accounting") or "pure")),
            )
    except LabError as exc:
        return projects_page(request, db, steward, failure=exc)
    return redirect(PAGE, "project-approved")


def _rho(project: SandboxProject, budget: PrivacyBudget) -> tuple[float, float] | None:
    """A zCDP project's ρ spent and limit on one budget; None for a pure-ε project."""
    if project.accounting != Accounting.ZCDP:
        return None
    return budget.rho_spent_micro / MICRO, budget.rho_limit_micro / MICRO


@router.post("/{project_id}/reject", response_class=HTMLResponse)
def reject(
    request: Request,
    project_id: IdPath,
    services: ServicesDep,
    db: DbDep,
    steward: StewardFormDep,
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Reject with the reason the applicant will read."""
    try:
        with transaction(services.sessions) as session:
            reject_project(
                session,
                services.audit,
                project=get_project(session, project_id),
                note=note,
                actor=steward.username,
            )
    except LabError as exc:
        return projects_page(request, db, steward, failure=exc)
    return redirect(PAGE, "project-rejected")


@router.post("/organisations/{organisation_id}/cap", response_class=HTMLResponse)
def change_cap(
    request: Request,
    organisation_id: IdPath,
    services: ServicesDep,
    db: DbDep,
    steward: StewardFormDep,
    form: SubmittedFormDep,
) -> Response:
    """Set one of an organisation's caps (``scope``: dataset:<slug> or unit:<kind>)."""
    try:
        epsilon = _number(str(form.get("epsilon") or ""), "ε")
        delta_text = str(form.get("delta") or "").strip()
        with transaction(services.sessions) as session:
            set_cap(
                session,
                services.audit,
                row=find_level(session, organisation_id, str(form.get("scope") or "")),
                epsilon=epsilon,
                delta=_number(delta_text, "δ") if delta_text else None,
                actor=steward.username,
            )
    except LabError as exc:
        return projects_page(request, db, steward, failure=exc)
    return redirect(PAGE, "cap-set")


def _budgets(form) -> dict[str, float]:
    return {
        key.removeprefix(EPSILON_FIELD): _number(str(value), "ε")
        for key, value in form.items()
        if key.startswith(EPSILON_FIELD) and str(value).strip()
    }


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{what} must be a number, got {text!r}") from None
