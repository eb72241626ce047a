"""``datalab project …``: sandbox project applications, decisions and budgets from the shell."""

from __future__ import annotations

import typer
from sqlalchemy import select

from lab.cli.context import one_line_errors, services
from lab.db import transaction
from lab.db.models import Organisation
from lab.errors import InvalidInput, NotFound
from lab.gateway.accounting import MICRO
from lab.gateway.ledger import BudgetState
from lab.gateway.org_budgets import OrganisationCaps
from lab.gateway.projects import (
    DEFAULT_DELTA_PER_DATASET,
    apply_for_project,
    approve_project,
    get_project,
    list_projects,
    project_budgets,
    reject_project,
    set_budget,
)
from lab.gateway.zcdp import Accounting

project_app = typer.Typer(
    help="Sandbox projects: apply, approve, reject, budget.", no_args_is_help=True
)
CLI_ACTOR = "cli"


@project_app.command("apply")
@one_line_errors
def project_apply(
    org: str = typer.Option(..., help="Name of the enterprise or bank applying."),
    title: str = typer.Option(..., help="Short project title."),
    purpose: str = typer.Option(..., help="What the analysis is for."),
    dataset: list[str] = typer.Option(..., "--dataset", help="Restricted dataset (repeatable)."),
) -> None:
    """Record an organisation's application for a sandbox project."""
    lab = services()
    with transaction(lab.sessions) as session:
        organisation = session.scalar(select(Organisation).where(Organisation.name == org))
        if organisation is None:
            raise NotFound(f"no organisation {org!r}")
        project = apply_for_project(
            session,
            lab.audit,
            organisation_id=organisation.id,
            title=title,
            purpose=purpose,
            datasets=dataset,
            actor=CLI_ACTOR,
        )
        typer.echo(f"project {project.id} applied")


@project_app.command("list")
@one_line_errors
def project_list() -> None:
    """List projects with their state and budgets."""
    lab = services()
    with lab.sessions() as session:
        for project in list_projects(session):
            typer.echo(f"{project.id}\t{project.state}\t{project.title}")
            for slug, budget in project_budgets(session, project.id):
                state = BudgetState.of(budget)
                rho = (
                    f"\tρ {budget.rho_spent_micro / MICRO:g}/{budget.rho_limit_micro / MICRO:g}"
                    if project.accounting == Accounting.ZCDP
                    else ""
                )
                typer.echo(
                    f"\t{slug}\tε {state.spent:g}/{state.limit:g}"
                    f"\tδ {state.delta_spent:g}/{state.delta_limit:g}{rho}"
                )


@project_app.command("approve")
@one_line_errors
def project_approve(
    project_id: int,
    budget: list[str] = typer.Option(
        ..., "--budget", help="DATASET=EPSILON (repeatable); DATASET=RHO under --accounting zcdp."
    ),
    delta: float = typer.Option(DEFAULT_DELTA_PER_DATASET, help="δ per dataset."),
    note: str = typer.Option("", help="Note for the applicant."),
    accounting: str = typer.Option(
        "pure", help="pure (ε budgets, discrete Laplace) or zcdp (ρ budgets, discrete Gaussian)."
    ),
) -> None:
    """Approve a project with an ε budget per dataset (or a ρ budget, under zCDP)."""
    lab = services()
    with transaction(lab.sessions) as session:
        approve_project(
            session,
            lab.audit,
            project=get_project(session, project_id),
            budgets=dict(_budget(text) for text in budget),
            delta=delta,
            note=note,
            actor=CLI_ACTOR,
            caps=OrganisationCaps.of(lab.settings),
            accounting=Accounting.parse(accounting),
        )
    typer.echo(f"project {project_id} approved")


@project_app.command("reject")
@one_line_errors
def project_reject(
    project_id: int, note: str = typer.Option(..., help="The reason, shown to the applicant.")
) -> None:
    """Reject a project with a reason."""
    lab = services()
    with transaction(lab.sessions) as session:
        reject_project(
            session, lab.audit, project=get_project(session, project_id), note=note, actor=CLI_ACTOR
        )
    typer.echo(f"project {project_id} rejected")


@project_app.command("budget")
@one_line_errors
def project_budget(
    project_id: int,
    dataset: str,
    epsilon: float | None = typer.Option(None, help="New ε limit (pure-ε projects)."),
    delta: float | None = typer.Option(None, help="New δ limit (kept when omitted)."),
    rho: float | None = typer.Option(None, help="New ρ limit (zCDP projects)."),
) -> None:
    """Change one of a project's budgets (never below what is spent)."""
    lab = services()
    with transaction(lab.sessions) as session:
        budgets = dict(project_budgets(session, project_id))
        if dataset not in budgets:
            raise NotFound(f"project {project_id} has no budget on {dataset!r}")
        set_budget(
            session,
            lab.audit,
            budget=budgets[dataset],
            epsilon=epsilon,
            rho=rho,
            delta=delta,
            actor=CLI_ACTOR,
        )
    typer.echo(f"budget of project {project_id} on {dataset} set")


def _budget(text: str) -> tuple[str, float]:
    slug, _, epsilon = text.partition("=")
    try:
        return slug.strip(), float(epsilon)
    except ValueError:
        raise InvalidInput(f"--budget takes DATASET=EPSILON, got {text!r}") from None
