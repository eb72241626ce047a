"""The lab's running parts, opened once from settings and passed explicitly to whoever needs them.

``open_services`` prepares the data directory (0700), the secret key and the keyring (created
once, 0600, unless ``DATALAB_KEK`` supplies the keys), checks the
database and object store (one clear line each if unreachable) and brings the schema up to date.
``open_directory`` opens the database and audit log alone, for a process that checks identities
and mints tokens but must hold no storage credentials or encryption keys (the sandbox hub).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lab.audit import AuditLog
from lab.crypto import SealedObjectStore
from lab.crypto.keyring import Keyring, init_keyring_file, load_keyring
from lab.db import PoolSizing, check_database, make_engine, session_factory, upgrade
from lab.settings import LabSettings
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
    return PoolSizing(settings.db_pool_size, settings.db_pool_overflow, settings.db_pool_timeout)


def open_directory(settings: LabSettings) -> LabDirectory:
    """The database (schema not migrated: the lab owns it) and the audit log, nothing else."""
    engine = make_engine(settings.resolved_database_url, pool_sizing(settings))
    check_database(engine)
    sessions = session_factory(engine)
    return LabDirectory(settings, engine, sessions, AuditLog(sessions))


def open_services(settings: LabSettings, *, migrate: bool = True) -> LabServices:
    """Open every backing service; raises ServiceUnavailable/ConfigurationError with one line."""
    prepare_home(settings.home)
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
    return LabServices(settings, engine, sessions, AuditLog(sessions), store, sealed, secret_key)


def prepare_home(home: Path) -> None:
    """Create the data directory and its ``secrets`` folder, readable by the owner only."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    (home / "secrets").mkdir(exist_ok=True, mode=0o700)


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
