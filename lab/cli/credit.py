"""``datalab credit …``: refresh profiles, train the scorecard, verify receipts, expire consents."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import typer

from lab.cli.context import one_line_errors, services
from lab.credit.consent import expire_due
from lab.credit.drift import check_stability
from lab.credit.mapping import shipped_mapping
from lab.credit.refresh import refresh_profiles
from lab.credit.signing import parse_receipt, verify_receipt
from lab.credit.sources import source_files
from lab.credit.training import train_from_files, train_scorecard
from lab.credit.validation_report import validation_markdown
from lab.db import transaction
from lab.demo import generate_demo_data
from lab.demo.local_files import readable_files
from lab.errors import IntegrityError, InvalidInput

credit_app = typer.Typer(help="Credit profiles for banks.", no_args_is_help=True)
ACTOR = "cli"
DOC_BLOCK = re.compile(
    r"(<!-- credit-validation:start -->\n).*?(\n<!-- credit-validation:end -->)", re.S
)


@credit_app.command("refresh")
@one_line_errors
def refresh() -> None:
    """Recompute every enterprise's derived features from the published sources."""
    report = refresh_profiles(services(), actor=ACTOR)
    typer.echo(
        f"{report.enterprises} enterprises refreshed from {len(report.sources)} sources; "
        f"data as of {report.data_as_of}"
    )


@credit_app.command("train")
@one_line_errors
def train() -> None:
    """Train a scorecard on the loan outcomes (source and bank-reported) and activate it."""
    result = train_scorecard(services(), actor=ACTOR)
    held = result.validation["out_of_sample"]
    line = (
        f"scorecard {result.model['version']} active; out-of-sample AUC {held['auc']:.3f}, "
        f"KS {held['ks']:.3f} on {held['loans']} loans"
    )
    later = result.validation.get("out_of_time")
    if later:
        line += f"; out-of-time AUC {later['auc']:.3f}, KS {later['ks']:.3f} on {later['loans']}"
    typer.echo(line)


@credit_app.command("monitor")
@one_line_errors
def monitor() -> None:
    """PSI of the score and each input, current population against development; alarm > 0.25."""
    check = check_stability(services(), actor=ACTOR)
    inputs = ", ".join(f"{name} {value:.3f}" for name, value in sorted(check.psi["inputs"].items()))
    typer.echo(
        f"scorecard {check.version} on {check.population} enterprises: "
        f"score PSI {check.psi['score']:.3f}; {inputs}"
    )
    if check.alarm:
        typer.echo(f"ALARM: PSI above 0.25 for {', '.join(check.drifted())}")


@credit_app.command("validate-demo")
@one_line_errors
def validate_demo(
    scale: int = typer.Option(10_000, help="Enterprises in the generated demo city."),
    seed: int = typer.Option(20261122, help="Seed of the demo generator."),
    write: Path | None = typer.Option(None, help="Rewrite the validation block of this file."),
) -> None:
    """Train and validate the scorecard on a freshly generated demo city (nothing stored):
    point-in-time features, out-of-sample and out-of-time tests, calibration and PSI."""
    with tempfile.TemporaryDirectory() as work:
        generate_demo_data(Path(work), scale=scale, seed=seed)
        paths = source_files(shipped_mapping(), readable_files(Path(work)))
        table = validation_markdown(train_from_files(paths), scale=scale, seed=seed)
    typer.echo(table)
    if write is not None:
        text = write.read_text()
        if not DOC_BLOCK.search(text):
            raise InvalidInput(f"{write} has no <!-- credit-validation:start/end --> block")
        write.write_text(DOC_BLOCK.sub(lambda m: m.group(1) + table + m.group(2), text))


@credit_app.command("verify-receipt")
@one_line_errors
def verify_receipt_file(
    receipt: Path = typer.Argument(..., help="A consent receipt (JSON) to check."),
    public_key: str | None = typer.Option(
        None, help="The lab's public key (base64, from GET /api/credit/signing-key) to pin."
    ),
) -> None:
    """Check a consent receipt offline; exit 1 if any field was edited."""
    try:
        verify_receipt(parse_receipt(receipt.read_bytes()), public_key)
    except IntegrityError as problem:
        typer.echo(f"receipt INVALID: {problem.message}")
        raise typer.Exit(1) from None
    typer.echo("receipt valid: the signature holds for every field")


@credit_app.command("expire")
@one_line_errors
def expire() -> None:
    """Record as expired every authorised consent past its end (audited)."""
    lab = services()
    with transaction(lab.sessions) as session:
        count = expire_due(session, lab.audit, actor=ACTOR)
    typer.echo(f"{count} consents expired")
