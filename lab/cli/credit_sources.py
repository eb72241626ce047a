"""``datalab credit sources …``: show, check and revise the credit source mapping."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer

from lab.cli.context import one_line_errors, services
from lab.credit.inputs import INPUTS, UNITS
from lab.credit.mapping import MappingError, SourceMapping, parse_mapping
from lab.credit.mapping_check import check_mapping, unmapped_inputs
from lab.credit.mapping_store import current_mapping, save_mapping
from lab.db import transaction

sources_app = typer.Typer(
    help="The credit source mapping: which published dataset feeds each credit input.",
    no_args_is_help=True,
)
ACTOR = "cli"
FILE_HELP = "Check this mapping file instead of the one in force."


def _read(file: Path) -> SourceMapping:
    return parse_mapping(file.read_text("utf-8"))


@sources_app.command("check")
@one_line_errors
def check(file: Path | None = typer.Option(None, "--file", help=FILE_HELP)) -> None:
    """Check the mapping against the published versions' dictionaries and tiers (exit 1 if not)."""
    lab = services()
    with lab.sessions() as session:
        try:
            mapping = _read(file) if file is not None else current_mapping(session)
        except MappingError as problem:
            _report(problem.problems)
        problems = check_mapping(session, mapping)
    if problems:
        _report(problems, mapping.version)
    unmapped = unmapped_inputs(mapping)
    typer.echo(f"mapping {mapping.version}: OK, {len(mapping.bindings)} inputs bound")
    if unmapped:
        typer.echo(f"not mapped (their scopes say no data held): {', '.join(unmapped)}")


def _report(problems: tuple[str, ...] | list[str], version: str = "") -> NoReturn:
    name = f" {version}" if version else ""
    typer.echo(f"mapping{name}: {len(problems)} problems", err=True)
    for problem in problems:
        typer.echo(f"  - {problem}", err=True)
    raise typer.Exit(1)


@sources_app.command("set")
@one_line_errors
def set_mapping(
    file: Path = typer.Argument(..., help="The edited mapping (TOML)."),
    note: str = typer.Option(..., help="Why it changed (kept in the audit log)."),
) -> None:
    """Store a checked mapping as the newest revision (refused, with every problem, if invalid)."""
    mapping = _read(file)
    lab = services()
    with transaction(lab.sessions) as session:
        problems = check_mapping(session, mapping)
        if problems:
            raise MappingError(mapping.version, problems)
        save_mapping(session, lab.audit, mapping=mapping, actor=ACTOR, note=note)
    typer.echo(f"mapping {mapping.version} in force; run `datalab credit refresh` to use it")


@sources_app.command("show")
@one_line_errors
def show() -> None:
    """Print the mapping in force (the shipped one until a steward stores a revision)."""
    lab = services()
    with lab.sessions() as session:
        typer.echo(current_mapping(session).text)


@sources_app.command("inputs")
def inputs() -> None:
    """List every credit input with its fields, units and code lists."""
    for spec in INPUTS:
        tier = "T1" if spec.open else "T3/T4"
        typer.echo(f"[inputs.{spec.name}]  scope {spec.scope or '-'}, from {tier}")
        for field in spec.fields:
            optional = "" if field.required else " (optional)"
            units = f" units: {', '.join(UNITS[field.kind])}" if field.kind in UNITS else ""
            typer.echo(f"  {field.name}: {field.kind}{optional}{units}")
        for name in spec.code_lists:
            typer.echo(f"  codes.{name}: list of values")
