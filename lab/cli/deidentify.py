"""``datalab dataset deidentify ID``: a T2 version's minimal generalisations; ``--choose`` one."""

from __future__ import annotations

import json

import typer

from classification.errors import ClassificationError
from classification.lattice import DEFAULT_K, DEFAULT_L, DEFAULT_MAX_SUPPRESSION, Limits
from lab.catalogue.t2_extracts.deidentification import choose, propose
from lab.cli.context import one_line_errors, services
from lab.errors import InvalidInput

CLI_STEWARD = "cli-steward"


@one_line_errors
def deidentify(
    version_id: int,
    k: int = typer.Option(DEFAULT_K, "--k", help="Smallest class size (k-anonymity)."),
    l: int = typer.Option(DEFAULT_L, "--l", help="Distinct sensitive values per class."),  # noqa: E741
    max_suppression: float = typer.Option(
        DEFAULT_MAX_SUPPRESSION, "--max-suppression", help="Share of rows that may be removed."
    ),
    choose_rank: int = typer.Option(
        0, "--choose", help="Record the solution of this rank (1 = best) for publication."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the search result as JSON."),
) -> None:
    """Every minimal generalisation of a version decided T2 that meets k, l and the limit."""
    try:
        limits = Limits(k, l, max_suppression)
    except ClassificationError as exc:
        raise InvalidInput(str(exc)) from None
    lab = services()
    proposal = propose(lab, version_id=version_id, limits=limits).to_json()
    if as_json:
        typer.echo(json.dumps(proposal, ensure_ascii=False, indent=2))
    else:
        _print(proposal)
    if choose_rank:
        if not 1 <= choose_rank <= len(proposal["solutions"]):
            raise InvalidInput(f"--choose takes a rank from 1 to {len(proposal['solutions'])}")
        levels = proposal["solutions"][choose_rank - 1]["levels"]
        choose(lab, version_id=version_id, levels=levels, limits=limits, actor=CLI_STEWARD)
        typer.echo(f"version {version_id}: solution {choose_rank} chosen; publish to apply it")


def _print(proposal: dict) -> None:
    limits = proposal["limits"]
    typer.echo(
        f"{proposal['minimal_solutions']} minimal solution(s) for k = {limits['k']}, "
        f"l = {limits['l']}, suppression ≤ {limits['max_suppression']:.1%} over "
        f"{', '.join(proposal['quasi_identifiers'])} ({proposal['rows']:,} rows)"
    )
    for solution in proposal["solutions"]:
        levels = ", ".join(f"{c}: {n}" for c, n in solution["level_names"].items())
        typer.echo(
            f"  {solution['rank']}. {levels} — {solution['suppressed']:,} rows suppressed, "
            f"{solution['classes']:,} classes, information loss {solution['information_loss']:.4f}"
        )
