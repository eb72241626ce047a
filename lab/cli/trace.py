"""``datalab trace FILE``: name the download record a leaked conditional-data file came from."""

from __future__ import annotations

from pathlib import Path

import typer

from lab.catalogue.t2_extracts.tracing import trace_file
from lab.cli.context import one_line_errors, services


@one_line_errors
def trace(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The leaked file."),
) -> None:
    """Trace a leaked T2 file (the ZIP, or a CSV/XLSX/JSON taken from it) to its download."""
    lab = services()
    try:
        result = trace_file(lab, file)
    finally:
        lab.close()
    if result.traced is None:
        typer.echo(f"no download record matches {file.name} ({result.candidates} weighed)")
        raise typer.Exit(1)
    found = result.traced
    how = "signed manifest" if result.manifest_verified else "recipient fingerprint"
    typer.echo(
        f"download #{found.download_id} (by {how}): recipient {found.recipient}"
        f" ({found.organisation}), application #{found.application_id}, "
        f"dataset {found.dataset} v{found.version}, issued {found.issued_at}"
    )
    if result.evidence is not None:
        typer.echo(f"evidence: {result.evidence.describe()}")
