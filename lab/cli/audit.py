"""``datalab audit …``: verify and read the hash-chained audit log."""

from __future__ import annotations

import typer

from lab.audit import parse_anchor
from lab.cli.context import one_line_errors, services

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("verify")
@one_line_errors
def verify(
    anchor: str | None = typer.Option(
        None, help="A head SEQ:HASH printed earlier; catches entries removed from the end."
    ),
) -> None:
    """Check every link of the chain; exit 1 naming the first bad entry."""
    report = services().audit.verify(anchor=parse_anchor(anchor) if anchor else None)
    if report.problem:
        typer.echo(
            f"audit chain BROKEN at entry {report.problem.seq}: {report.problem.reason}",
        )
        raise typer.Exit(1)
    typer.echo(
        f"audit chain ok: {report.entries} entries; head {report.head_seq}:{report.head_hash}",
    )


@audit_app.command("show")
@one_line_errors
def show(last: int = typer.Option(20, help="How many of the newest entries to print.")) -> None:
    """Print the newest entries."""
    log = services().audit
    head = log.verify().head_seq
    for record in log.records(after_seq=max(0, head - last)):
        typer.echo(
            f"{record.seq}\t{record.at}\t{record.actor}\t{record.action}\t"
            f"{record.target}\t{record.details}",
        )
