"""``datalab db …``: schema migrations."""

from __future__ import annotations

import typer

from lab.cli.context import one_line_errors, settings
from lab.db import check_database, make_engine
from lab.db.migrate import current_revision, head_revision, upgrade

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
@one_line_errors
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply the lab's migrations up to REVISION (default: the newest)."""
    engine = make_engine(settings().resolved_database_url)
    check_database(engine)
    upgrade(engine, revision)
    typer.echo(f"database at revision {current_revision(engine)}")


@db_app.command("current")
@one_line_errors
def db_current() -> None:
    """Show the database's revision and the newest one available."""
    engine = make_engine(settings().resolved_database_url)
    check_database(engine)
    typer.echo(f"current {current_revision(engine)} · newest {head_revision()}")
