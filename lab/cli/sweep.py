"""``datalab sweep``: delete what crashes left behind now, and say what went."""

from __future__ import annotations

import typer

from lab.cli.context import one_line_errors, services
from lab.housekeeping.leftovers import SweepReport, sweep_leftovers

CLI_ACTOR = "cli"


@one_line_errors
def sweep() -> None:
    """Delete leftovers of crashed publications and deletions: object-store folders no recorded
    version owns and Spark exports no served version owns, each only once older than
    DATALAB_SWEEP_GRACE_SECONDS (so publications in flight are safe). Servers also do this on
    their own (DATALAB_SWEEP_EVERY_SECONDS); audited when anything was deleted."""
    typer.echo("\n".join(described(sweep_leftovers(services(), actor=CLI_ACTOR))))


def described(report: SweepReport) -> list[str]:
    """What the sweep deleted: one line per dataset with orphaned objects, then the exports."""
    age = f"untouched for {_duration(report.grace_seconds)} or more"
    if not report.deleted_anything:
        return [f"nothing to sweep: no leftovers {age}"]
    lines = [f"deleted leftovers {age}:"]
    lines += [f"  {slug}: {n} objects no recorded version owns" for slug, n in report.objects]
    lines.append(f"  Spark exports and job folders no served version owns: {report.exports}")
    return lines


def _duration(seconds: int) -> str:
    """``6 h``, ``90 min`` or ``45 s``: the largest unit that says it exactly."""
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"
