"""``datalab keys …``: the keys of encryption at rest and the signing keys — status and rotation.

Nothing here prints a secret key: only key ids, counts and (``keys signing --jwks``) public
signing keys, as plain tab-separated lines or JSON for scripts.
A running server keeps the keyring it loaded at start, so restart it after a rotation and run
``keys rotate`` again to catch objects it sealed meanwhile; drop an old key only once
``keys status`` shows no object under it.
"""

from __future__ import annotations

import json

import typer

from lab.catalogue.versions.staged import sealed_staging, staging_root
from lab.cli.context import one_line_errors, services
from lab.crypto import SealedObjectStore, add_active_key, load_keyring
from lab.crypto.keyring import KEK_SETTING
from lab.gateway.encrypted_tables import rotate_exported
from lab.gateway.parquet_crypto import kek_usage
from lab.signing import KEY_NAMES

keys_app = typer.Typer(
    help="Key-encryption keys of the restricted objects and the signing keys: status and "
    "rotation (private keys never shown).",
    no_args_is_help=True,
)
CLI_ACTOR = "cli"
PREFIX_HELP = (
    "Only published objects whose key starts with this (default: every sealed object, "
    "staged tables awaiting a decision included)."
)


@keys_app.command("rotate")
@one_line_errors
def rotate(prefix: str = typer.Option("", help=PREFIX_HELP)) -> None:
    """Re-wrap every data key under a new active key-encryption key; the data is not rewritten.

    With the keyring file, a fresh key is generated into it and made active (old keys stay for
    reading). With DATALAB_KEK set, nothing is generated: put the new key first in DATALAB_KEK,
    keep the old ones after it, and run this to re-wrap under the first.
    """
    lab = services()
    if not lab.settings.kek.get_secret_value():
        add_active_key(lab.settings.resolved_keyring_file)
    keyring = load_keyring(lab.settings)
    sealed = SealedObjectStore(lab.store, keyring, chunk_size=lab.sealed.chunk_size)
    reports = [sealed.rotate(prefix)]
    if not prefix:
        reports += [
            store.rotate() for store in sealed_staging(staging_root(lab.settings.home), keyring)
        ]
    rewrapped = sum(r.rewrapped for r in reports)
    already_current = sum(r.already_current for r in reports)
    parquet_files = rotate_exported(lab, keyring) if not prefix else 0
    details = {
        "active_key": keyring.active_id,
        "rewrapped": rewrapped,
        "already_current": already_current,
        "spark_parquet_files": parquet_files,
    }
    lab.audit.append(actor=CLI_ACTOR, action="keys.rotate", target=prefix or "*", details=details)
    typer.echo(
        f"active key {keyring.active_id}: re-wrapped {rewrapped} objects, "
        f"{already_current} already under it"
    )
    if parquet_files:
        typer.echo(
            f"re-wrapped the key material of {parquet_files} encrypted Parquet files for Spark"
        )


@keys_app.command("status")
@one_line_errors
def status(prefix: str = typer.Option("", help=PREFIX_HELP)) -> None:
    """Print the active key id, where the keys come from, and the sealed objects per key id."""
    lab = services()
    keyring = lab.sealed.keyring
    configured = lab.settings.kek.get_secret_value()
    source = KEK_SETTING if configured else str(lab.settings.resolved_keyring_file)
    typer.echo(f"active key {keyring.active_id} (keys from {source})")
    usage = lab.sealed.kek_usage(prefix)
    if not prefix:
        for store in sealed_staging(staging_root(lab.settings.home), keyring):
            usage.update(store.kek_usage())
    if not prefix and lab.settings.resolved_spark_tables_dir.is_dir():
        usage.update(kek_usage(lab.settings.resolved_spark_tables_dir))
    for key_id in sorted(set(keyring.keys) | set(usage)):
        note = " (active)" if key_id == keyring.active_id else ""
        if key_id not in keyring.keys:
            note = " (NOT in the keyring: these objects cannot be read)"
        typer.echo(f"{key_id}\t{usage[key_id]} objects{note}")


@keys_app.command("rotate-signing")
@one_line_errors
def rotate_signing(
    name: str = typer.Argument(..., help=f"Which signing key: one of {', '.join(KEY_NAMES)}."),
) -> None:
    """Make a fresh active signing key for NAME; the old one stays published, verify-only.

    Its private half is dropped; its public half stays in /.well-known/jwks.json so everything
    it signed still verifies. A running server picks the new key up at its next signature.
    """
    lab = services()
    retiring = lab.signing.current().active(name).kid if name in KEY_NAMES else ""
    fresh = lab.signing.rotate(name)
    details = {"name": name, "retired": retiring, "active": fresh.kid}
    lab.audit.append(actor=CLI_ACTOR, action="keys.rotate-signing", target=name, details=details)
    typer.echo(f"{name}: active key {fresh.kid}; {retiring} retired (still published)")


@keys_app.command("signing")
@one_line_errors
def signing_status(
    jwks: bool = typer.Option(False, "--jwks", help="Print the public key set as JSON instead."),
) -> None:
    """List the signing keys (name, kid, status, origin), or print the public JWK set."""
    keys = services().signing.current()
    if jwks:
        typer.echo(json.dumps(keys.to_jwks(), indent=2))
        return
    for key in keys.keys:
        typer.echo(f"{key.name}\t{key.kid}\t{key.status}\t{key.created_at}\t{key.origin}")
