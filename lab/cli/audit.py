"""``datalab audit …``: verify, checkpoint and read the hash-chained audit log."""

from __future__ import annotations

import typer

from lab.audit import parse_anchor
from lab.audit.checkpoints import AnchoredReport, checkpoint_key
from lab.cli.context import one_line_errors, services
from lab.errors import IntegrityError

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("verify")
@one_line_errors
def verify(
    anchor: str | None = typer.Option(
        None, help="Also check a head SEQ:HASH printed earlier (kept by the auditor)."
    ),
    public_key: str | None = typer.Option(
        None,
        help="Trust only checkpoints signed by this base64 Ed25519 key (as `datalab audit "
        "checkpoint` prints it), not the key file on this machine.",
    ),
) -> None:
    """Check every link of the chain against the newest signed checkpoint; exit 1 if broken."""
    lab = services()
    try:
        report = lab.checkpoints.verify(public_key)
    except IntegrityError as exc:
        typer.echo(f"audit chain BROKEN: {exc.message}")
        raise typer.Exit(1) from None
    problem = report.chain.problem
    if problem is None and anchor:
        problem = lab.audit.verify(anchor=parse_anchor(anchor)).problem
    if problem:
        typer.echo(f"audit chain BROKEN at entry {problem.seq}: {problem.reason}")
        raise typer.Exit(1)
    typer.echo(describe(report))


def describe(report: AnchoredReport) -> str:
    """One line: entries, the checkpoint that anchors them, what it does not cover yet, head."""
    chain = report.chain
    head = f"head {chain.head_seq}:{chain.head_hash}"
    if report.checkpoint is None:
        return f"audit chain ok: {chain.entries} entries; no checkpoint yet (not anchored); {head}"
    checkpoint = report.checkpoint
    return (
        f"audit chain ok: {chain.entries} entries; checkpoint at seq {checkpoint.seq} signed "
        f"{checkpoint.signed_at}; {report.uncovered} entries after it not yet checkpointed; {head}"
    )


@audit_app.command("checkpoint")
@one_line_errors
def checkpoint() -> None:
    """Sign the chain's head now and store it write-once; print it and the public key."""
    written = services().checkpoints.write()
    if written is None:
        typer.echo("the audit chain is empty: nothing to checkpoint")
        return
    typer.echo(
        f"checkpoint {checkpoint_key(written.seq)}: seq {written.seq} signed {written.signed_at}"
    )
    typer.echo(f"public key (keep a copy off this machine): {written.public_key}")


@audit_app.command("show")
@one_line_errors
def show(last: int = typer.Option(20, help="How many of the newest entries to print.")) -> None:
    """Print the newest entries."""
    log = services().audit
    head, _ = log.head()
    for record in log.records(after_seq=max(0, head - last)):
        typer.echo(
            f"{record.seq}\t{record.at}\t{record.actor}\t{record.action}\t"
            f"{record.target}\t{record.details}",
        )
