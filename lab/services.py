"""The lab's running parts, opened once from settings and passed explicitly to whoever needs them.

``open_services`` prepares the data directory (0700), refuses to start while anything the lab
keeps there is open to the group or others (``lab.private_files``), makes the secret key, the
keyring (unless ``DATALAB_KEK`` supplies the keys) and the signing key file (``lab.signing``),
each created once, 0600, checks the database and object store (one clear line each if
unreachable) and brings the schema up to date.
``open_directory`` opens the database and audit log alone, for a process that checks identities
and mints tokens but must hold no storage credentials or encryption keys (the sandbox hub).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from lab.audit import AuditLog
from lab.audit.checkpoints import AuditCheckpoints
from lab.catalogue.versions.staged import staging_root
from lab.crypto import SealedObjectStore
from lab.crypto.keyring import Keyring, init_keyring_file, load_keyring
from lab.db import PoolSizing, check_database, make_engine, session_factory, upgrade
from lab.private_files import check_private, entries_of, make_private_dir, touch_private
from lab.settings import LabSettings
from lab.signing import SigningKeyStore
from lab.signing.legacy import legacy_keys
from lab.storage import ObjectStore, open_object_store
from lab.storage.signing import ObjectUrlSigner


@dataclass(frozen=True)
class LabServices:
    """Settings, database, audit log and object store of one running lab."""

    settings: LabSettings
    engine: Engine
    sessions: sessionmaker[Session]
    audit: AuditLog
    store: ObjectStore
    sealed: SealedObjectStore
    secret_key: bytes
    checkpoints: AuditCheckpoints
    signing: SigningKeyStore

    def close(self) -> None:
        self.engine.dispose()


@dataclass(frozen=True)
class LabDirectory:
    """The lab's database and audit log without its object store, keys or secret key."""

    settings: LabSettings
    engine: Engine
    sessions: sessionmaker[Session]
    audit: AuditLog

    def close(self) -> None:
        self.engine.dispose()


def pool_sizing(settings: LabSettings) -> PoolSizing:
    """The connection pool sizing the settings ask for."""
    return PoolSizing(settings.db_pool_size, settings.db_pool_overflow, settings.db_pool_timeout)


def open_directory(settings: LabSettings) -> LabDirectory:
    """The database (schema not migrated: the lab owns it) and the audit log, nothing else."""
    engine = make_engine(settings.resolved_database_url, pool_sizing(settings))
    check_database(engine)
    sessions = session_factory(engine)
    return LabDirectory(settings, engine, sessions, AuditLog(sessions))


def open_services(settings: LabSettings, *, migrate: bool = True) -> LabServices:
    """Open every backing service; raises ServiceUnavailable/ConfigurationError with one line."""
    prepare_home(settings)
    engine = make_engine(settings.resolved_database_url, pool_sizing(settings))
    check_database(engine)
    if migrate:
        upgrade(engine)
    secret_key = load_secret_key(settings)
    signer = ObjectUrlSigner(secret_key, settings.resolved_public_url)
    store = open_object_store(settings, url_signer=signer)
    store.prepare()
    sealed = SealedObjectStore(store, ensure_keyring(settings))
    sessions = session_factory(engine)
    audit = AuditLog(sessions)
    signing = signing_key_store(settings, secret_key)
    signing.current()  # made (importing earlier versions' keys) at the first start, not later
    checkpoints = audit_checkpoints(settings, audit, store, signing)
    return LabServices(
        settings, engine, sessions, audit, store, sealed, secret_key, checkpoints, signing
    )


def signing_key_store(settings: LabSettings, secret_key: bytes) -> SigningKeyStore:
    """The manifest, consent and audit-checkpoint signing keys; a new key file (or a name an
    older file lacks) imports the earlier versions' keys."""
    consent_pem = settings.resolved_credit_signing_key_file
    audit_pem = settings.resolved_audit_signing_key_file
    return SigningKeyStore(
        settings.resolved_signing_keys_file,
        lambda: legacy_keys(secret_key, consent_pem, audit_pem),
    )


def audit_checkpoints(
    settings: LabSettings, audit: AuditLog, store: ObjectStore, keys: SigningKeyStore
) -> AuditCheckpoints:
    """The checkpoint writer of ``audit``, told of every committed append."""
    checkpoints = AuditCheckpoints(
        audit,
        store,
        keys,
        every=settings.audit_checkpoint_every,
        seconds=settings.audit_checkpoint_seconds,
    )
    audit.on_commit(checkpoints.after_append)
    return checkpoints


def prepare_home(settings: LabSettings) -> None:
    """Create the data directory, its ``secrets`` folder and the SQLite file, owner-only, and
    refuse to go on if any of them (or any other file the lab keeps) is open to others."""
    make_private_dir(settings.home / "secrets")
    if database_file := sqlite_file(settings.resolved_database_url):
        make_private_dir(database_file.parent)
        touch_private(database_file)
    check_private(private_paths(settings))


def private_paths(settings: LabSettings) -> list[Path]:
    """Every folder and file the lab keeps at rest: it refuses to start if one is open to others.

    Only the lab's own paths: other files a user keeps in the home are none of its business.
    """
    home = settings.home
    paths = [
        home,
        home / "secrets",
        *entries_of(home / "secrets"),
        home / "datalab.toml",
        home / "demo-data",
        settings.resolved_hub_state_dir,
        staging_root(home),
        settings.resolved_log_file.parent,
        settings.resolved_log_file,
        settings.resolved_keyring_file,
        settings.resolved_signing_keys_file,
        settings.resolved_credit_signing_key_file,
        settings.resolved_audit_signing_key_file,
    ]
    if settings.storage_backend == "local":
        paths.append(settings.resolved_storage_dir)
    if database_file := sqlite_file(settings.resolved_database_url):
        paths += [database_file.with_name(database_file.name + end) for end in ("", "-wal", "-shm")]
    return paths


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite database URL (None for other databases or in-memory SQLite)."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def ensure_keyring(settings: LabSettings) -> Keyring:
    """The key-encryption keys: ``DATALAB_KEK`` if set, else the keyring file (made once)."""
    if not settings.kek.get_secret_value() and not settings.resolved_keyring_file.exists():
        init_keyring_file(settings.resolved_keyring_file)
    return load_keyring(settings)


def load_secret_key(settings: LabSettings) -> bytes:
    """The cookie/URL-signing secret: from settings, else a 0600 file generated once."""
    configured = settings.secret_key.get_secret_value()
    if configured:
        return configured.encode()
    path = settings.home / "secrets" / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()
