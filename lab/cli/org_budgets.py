"""``datalab org budget …``: an organisation's caps per dataset and per privacy unit."""

from __future__ import annotations

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cli.context import one_line_errors, services
from lab.db import transaction
from lab.db.models import Organisation
from lab.errors import NotFound
from lab.gateway.org_budgets import find_level, organisation_levels, set_cap

budget_app = typer.Typer(
    help="An organisation's privacy-budget caps per dataset and per privacy unit.",
    no_args_is_help=True,
)
CLI_ACTOR = "cli"


@budget_app.command("list")
@one_line_errors
def budget_list(org: str) -> None:
    """Show each cap: scope, ε granted to projects / spent / cap, δ the same."""
    lab = services()
    with lab.sessions() as session:
        for level in organisation_levels(session, _organisation(session, org)):
            state = level.state
            typer.echo(
                f"{level.scope}\tε granted {level.allocated:g} spent {state.spent:g} "
                f"cap {state.limit:g}\tδ granted {level.delta_allocated:g} "
                f"spent {state.delta_spent:g} cap {state.delta_limit:g}"
            )


@budget_app.command("set")
@one_line_errors
def budget_set(
    org: str,
    scope: str = typer.Argument(..., help="dataset:<slug> or unit:<kind> (see `list`)."),
    epsilon: float = typer.Option(..., help="New ε cap."),
    delta: float | None = typer.Option(None, help="New δ cap (kept when omitted)."),
) -> None:
    """Change one cap (never below what is granted or spent); audited."""
    lab = services()
    with transaction(lab.sessions) as session:
        row = find_level(session, _organisation(session, org), scope)
        set_cap(session, lab.audit, row=row, epsilon=epsilon, delta=delta, actor=CLI_ACTOR)
    typer.echo(f"cap of {org} on {scope} set")


def _organisation(session: Session, name: str) -> int:
    found = session.scalar(select(Organisation.id).where(Organisation.name == name))
    if found is None:
        raise NotFound(f"no organisation {name!r}")
    return found
