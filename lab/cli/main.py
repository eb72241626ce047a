"""``datalab``: the lab's command line. Each sub-command group lives in its own module."""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from lab.cli import (
    accounts,
    audit,
    catalogue,
    database,
    deidentify,
    demo,
    org_budgets,
    projects,
    serve,
    sweep,
    trace,
)
from lab.cli.context import one_line_errors, settings
from lab.cli.credit import credit_app
from lab.cli.credit_sources import sources_app
from lab.cli.keys import keys_app
from lab.private_files import use_private_umask
from lab.services import open_services

app = typer.Typer(
    help="City Data Lab: classify public data, publish open data, answer DP queries.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(database.db_app, name="db")
app.add_typer(accounts.user_app, name="user")
accounts.org_app.add_typer(org_budgets.budget_app, name="budget")
app.add_typer(accounts.org_app, name="org")
app.add_typer(accounts.token_app, name="token")
app.add_typer(audit.audit_app, name="audit")
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("classify")(catalogue.classify)
app.command("ingest")(catalogue.ingest_command)
catalogue.dataset_app.command("deidentify")(deidentify.deidentify)
app.add_typer(catalogue.dataset_app, name="dataset")
app.add_typer(projects.project_app, name="project")
app.command("trace")(trace.trace)
app.command("sweep")(sweep.sweep)

app.add_typer(keys_app, name="keys")
credit_app.add_typer(sources_app, name="sources")
app.add_typer(credit_app, name="credit")

COMMAND_GROUP = "datalab.commands"


def add_plugin_commands(cli: typer.Typer) -> None:
    """Command groups registered by installed packages (e.g. ``datalab sandbox``), by name.

    Packages on top of the lab register a ``typer.Typer`` under the ``datalab.commands`` entry-point
    group, so the lab's CLI offers them without importing its dependants.
    """
    for entry in sorted(entry_points(group=COMMAND_GROUP), key=lambda e: e.name):
        cli.add_typer(entry.load(), name=entry.name)


add_plugin_commands(app)


@app.callback()
def private_files() -> None:
    """Every file a ``datalab`` command or server creates is private to its owner (umask 077)."""
    use_private_umask()


@app.command("init")
@one_line_errors
def init() -> None:
    """Create the data directory, secrets and keyring, and bring the database schema up to date."""
    loaded = settings()
    lab = open_services(loaded)
    lab.close()
    typer.echo(f"initialised {loaded.home}")
