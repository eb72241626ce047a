"""``datalab demo``: generate the demo city's data, create demo logins, then serve."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lab.cli.context import console, one_line_errors, settings
from lab.cli.serve import run_server
from lab.db import transaction
from lab.demo import generate_demo_data
from lab.demo.accounts import DemoLogin, seed_demo_accounts
from lab.demo.catalogue import (
    DemoLoadResult,
    discard_sources,
    load_demo_catalogue,
    sources_ready,
)
from lab.demo.credit_journey import DemoCredit, prepare_demo_credit
from lab.demo.projects import seed_demo_projects
from lab.gateway.org_budgets import OrganisationCaps
from lab.private_files import make_private_dir
from lab.services import LabServices, open_services


@one_line_errors
def demo(
    prepare_only: bool = typer.Option(False, help="Stop after preparing; do not serve."),
    scale: int | None = typer.Option(None, help="Enterprises to generate (DATALAB_DEMO_SCALE)."),
    host: str | None = typer.Option(None, help="Bind address (default: DATALAB_HOST)."),
    port: int | None = typer.Option(None, help="Port (default: DATALAB_PORT)."),
) -> None:
    """Prepare the demo (data, logins) on the embedded defaults and serve it."""
    lab = open_services(settings(log_to_stderr=True))
    prepare_demo(lab, scale or lab.settings.demo_scale)
    if prepare_only:
        lab.close()
        return
    run_server(lab, host or lab.settings.host, port or lab.settings.port)


def prepare_demo(lab: LabServices, scale: int) -> None:
    """Everything the demo needs, each step once: data, logins, catalogue, projects, credit.

    ``datalab demo`` and the sandbox's demo command both start from here.
    """
    data_dir = prepare_demo_data(lab, scale)
    with transaction(lab.sessions) as session:
        logins = seed_demo_accounts(session, lab.audit)
    console.print(f"demo data in {data_dir}", highlight=False)
    print_catalogue(load_catalogue(lab, data_dir))
    discard_sources(lab, data_dir)
    with transaction(lab.sessions) as session:
        projects = seed_demo_projects(session, lab.audit, OrganisationCaps.of(lab.settings))
        console.print(
            "sandbox projects: " + "; ".join(f"{p.id} {p.title} ({p.state})" for p in projects),
            highlight=False,
        )
    print_logins(logins)
    print_credit(prepare_demo_credit(lab))


def prepare_demo_data(lab: LabServices, scale: int) -> Path:
    """Generate the demo files once per (scale, seed) into a 0700 folder; a later run reuses
    them, or needs none when every dataset is in the catalogue (its file was deleted then)."""
    out = lab.settings.home / "demo-data"
    stamp = out / "generated.json"
    wanted = {"scale": scale, "seed": lab.settings.demo_seed}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted and sources_ready(lab, out):
        return out
    make_private_dir(out)
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("generating demo data", total=None)

        def advance(step: str, _rows: int) -> None:
            progress.update(task, description=f"generating demo data: {step}", advance=1)

        generate_demo_data(out, scale=scale, seed=lab.settings.demo_seed, progress=advance)
    stamp.write_text(json.dumps(wanted))
    return out


def load_catalogue(lab: LabServices, data_dir: Path) -> list[DemoLoadResult]:
    """Ingest, classify, decide and publish each demo dataset, with a progress bar."""
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("loading the catalogue", total=None)
        return load_demo_catalogue(
            lab, data_dir, lambda slug: progress.update(task, description=f"ingesting {slug}")
        )


def print_catalogue(results: list[DemoLoadResult]) -> None:
    """Print the demo datasets with their intended and proposed tiers."""
    table = Table(title="demo catalogue")
    for column in ("dataset", "intended", "proposed", "state"):
        table.add_column(column)
    for result in results:
        table.add_row(result.slug, result.intended, result.proposed, result.state)
    console.print(table)


def print_logins(logins: tuple[DemoLogin, ...]) -> None:
    """Print the demo's sign-ins (demo only)."""
    table = Table(title="demo logins (demo only)")
    for column in ("username", "password", "roles", "for"):
        table.add_column(column)
    for login in logins:
        table.add_row(login.username, login.password, ",".join(login.roles), login.purpose)
    console.print(table)


def print_credit(credit: DemoCredit) -> None:
    """How to try the bank journey: the demo consent and one profile request."""
    console.print(
        f"credit profiles: {credit.enterprises} enterprises, scorecard {credit.scorecard or '-'}; "
        f"demo consent {credit.consent_id} for {credit.credit_code} "
        "(banker: POST /api/credit/profiles; enterprise: /enterprise/)",
        highlight=False,
    )
