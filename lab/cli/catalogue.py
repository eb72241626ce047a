"""``datalab classify``, ``datalab ingest`` and ``datalab dataset …``: the steward's shell tools."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from sqlalchemy import select

from classification import DatasetClassification, Tier
from lab.catalogue.dictionary import parse_sidecar
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.dp_metadata import DpDeclaration, set_dp_metadata
from lab.catalogue.versions.publishing import publish
from lab.catalogue.versions.staged import purge
from lab.cli.context import one_line_errors, services
from lab.db import transaction
from lab.db.models import Dataset, DatasetVersion
from lab.errors import InvalidInput
from lab.gateway.domains import is_generated
from lab.ingest.pipeline import classify_upload, ingest

dataset_app = typer.Typer(help="Review, decide and publish dataset versions.", no_args_is_help=True)
CLI_STEWARD = "cli-steward"


def print_classification(result: DatasetClassification, as_json: bool) -> None:
    """Print a classification proposal: its tier and reasons, or the JSON form."""
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"proposed tier: {result.tier.value} (guide {result.guide_version})",
    )
    for reason in result.reasons:
        typer.echo(f"  · {reason}")
    for column in result.columns:
        typer.echo(
            f"  {column.name}: {column.category} → {column.level.value}",
        )
        for reason in column.reasons:
            typer.echo(f"      {reason}")


@one_line_errors
def classify(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="File to classify."),
    as_json: bool = typer.Option(False, "--json", help="Print the stable JSON shape."),
) -> None:
    """Propose a tier for FILE with per-column reasons, without ingesting anything."""
    lab = services()
    with file.open("rb") as stream:
        staged, result = classify_upload(lab, stream, file.name)
    purge(staged.folder)
    print_classification(result, as_json)


@one_line_errors
def ingest_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="File to ingest."),
    title: str = typer.Option(..., help="Dataset title (Chinese)."),
    department: str = typer.Option(..., help="Data-owning department."),
    description: str = typer.Option("", help="What the data is."),
    slug: str | None = typer.Option(None, help="URL name; derived from the title if absent."),
    as_json: bool = typer.Option(False, "--json", help="Print the classification as JSON."),
    dictionary: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="Data dictionary sidecar (CSV: column,description,unit,code_list; or JSON).",
    ),
) -> None:
    """Ingest FILE as a new version of a dataset and print the proposed classification."""
    lab = services()
    meta = DatasetMeta(title=title, department=department, description=description, slug=slug)
    described = parse_sidecar(dictionary.read_bytes(), dictionary.name) if dictionary else None
    with file.open("rb") as stream:
        outcome = ingest(lab, stream, file.name, meta, actor=CLI_STEWARD, dictionary=described)
    print_classification(outcome.classification, as_json)
    state = "REJECTED (T5, nothing stored)" if outcome.rejected else "awaiting decision"
    summary = f"{outcome.slug} version {outcome.number} (id {outcome.version_id}): {state}"
    typer.echo(summary, err=as_json)


@dataset_app.command("list")
@one_line_errors
def dataset_list() -> None:
    """Every dataset with its versions' states and tiers."""
    lab = services()
    with lab.sessions() as session:
        for dataset in session.scalars(select(Dataset).order_by(Dataset.slug)):
            versions = session.scalars(
                select(DatasetVersion)
                .where(DatasetVersion.dataset_id == dataset.id)
                .order_by(DatasetVersion.number)
            )
            summary = " ".join(
                f"v{v.number}[id {v.id}]:{v.state}:{v.tier or v.proposed_tier}" for v in versions
            )
            typer.echo(f"{dataset.slug}\t{dataset.title}\t{summary}")


@dataset_app.command("decide")
@one_line_errors
def dataset_decide(
    version_id: int,
    tier: str = typer.Option(..., help="T1–T4: confirm, raise or lower the proposal."),
    justification: str = typer.Option("", help="Required to lower a tier."),
) -> None:
    """Confirm, raise or lower a proposed tier (audited)."""
    lab = services()
    with transaction(lab.sessions) as session:
        version = get_version(session, version_id)
        made = decide(
            session,
            lab.audit,
            version=version,
            tier=_tier(tier),
            justification=justification,
            actor=CLI_STEWARD,
        )
    typer.echo(f"version {version_id}: {made.value} → {tier}")


@dataset_app.command("dp")
@one_line_errors
def dataset_dp(
    version_id: int,
    unit: str = typer.Option(..., help="Privacy unit column."),
    max_rows: int = typer.Option(..., help="Max rows one unit may contribute."),
    bound: list[str] = typer.Option([], help="COLUMN:LOW:HIGH (repeatable)."),
    domain: list[str] = typer.Option(
        [],
        help="COLUMN:PUBLIC_CODE_LIST, or a generated domain: COLUMN:months:2024-01:2025-12 "
        "(also quarters:2024-Q1:2025-Q4, years:2020:2025, days:2024-01-01:2024-12-31), "
        "COLUMN:bins:LOW:HIGH:STEP[:overflow] or COLUMN:list:A,B,C (repeatable).",
    ),
    precision: list[str] = typer.Option(
        [], help="COLUMN:STEP fixed-point step of a non-integer column, e.g. 金额:0.01."
    ),
    unique: list[str] = typer.Option(
        [],
        help="COLUMN whose value identifies at most one row per unit, e.g. 月份 of a monthly "
        "table (repeatable); publication keeps one row per (unit, value).",
    ),
) -> None:
    """Declare the DP metadata of a T3/T4 version."""
    declaration = DpDeclaration(
        unit,
        max_rows,
        _bounds(bound),
        _domains(domain),
        _column_values(precision, "precision", "COLUMN:STEP, e.g. 金额:0.01"),
        tuple(unique),
    )
    lab = services()
    with transaction(lab.sessions) as session:
        version = get_version(session, version_id)
        set_dp_metadata(
            session,
            lab.audit,
            version=version,
            declaration=declaration,
            actor=CLI_STEWARD,
            max_domain_groups=lab.settings.gateway_max_domain_groups,
        )
    typer.echo(f"version {version_id}: DP metadata set")


@dataset_app.command("publish")
@one_line_errors
def dataset_publish(version_id: int) -> None:
    """Publish a decided version by its tier; the previous version stays served until done."""
    version = publish(services(), version_id=version_id, actor=CLI_STEWARD)
    typer.echo(f"published version {version.number} as {version.tier}")


def _tier(text: str) -> Tier:
    try:
        return Tier(text.upper())
    except ValueError:
        raise InvalidInput(f"tier {text!r}: expected T1, T2, T3 or T4") from None


def _bounds(specs: list[str]) -> dict[str, tuple[float, float]]:
    bounds = {}
    for spec in specs:
        parts = spec.rsplit(":", 2)
        if len(parts) != 3:
            raise InvalidInput(f"--bound {spec!r}: expected COLUMN:LOW:HIGH")
        try:
            bounds[parts[0]] = (float(parts[1]), float(parts[2]))
        except ValueError:
            raise InvalidInput(f"--bound {spec!r}: LOW and HIGH must be numbers") from None
    return bounds


def _domains(specs: list[str]) -> dict[str, str]:
    """``--domain`` options: COLUMN:CODE_LIST (the column may hold colons) or COLUMN:KIND:…, a
    generated domain, split at the first ``:KIND:`` of a known kind."""
    domains = {}
    for spec in specs:
        starts = [i for i, c in enumerate(spec) if c == ":" and i and is_generated(spec[i + 1 :])]
        if starts:
            domains[spec[: starts[0]]] = spec[starts[0] + 1 :]
        else:
            domains.update(_column_values([spec], "domain", "COLUMN:PUBLIC_CODE_LIST"))
    return domains


def _column_values(specs: list[str], option: str, expected: str) -> dict[str, str]:
    """``COLUMN:VALUE`` options as a mapping (the column may itself hold colons)."""
    values = {}
    for spec in specs:
        column, colon, value = spec.rpartition(":")
        if not colon or not column:
            raise InvalidInput(f"--{option} {spec!r}: expected {expected}")
        values[column] = value
    return values
