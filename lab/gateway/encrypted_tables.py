"""Restricted tables for a Spark cluster: encrypted Parquet on the shared folder, keys in the lab.

With ``DATALAB_GATEWAY_SPARK_STORAGE=encrypted-parquet`` the gateway leases tables from here
instead of the in-memory cache (``open_tables``). The first lease of a table version exports it:
the sealed object is decrypted into an anonymous memory file in the lab and written to
``<shared folder>/<scope>`` as Parquet with modular encryption (``parquet_crypto``), so only
ciphertext and wrapped keys ever reach shared storage. Every lease hands the engine the folder
and a fresh token of the lab's key service (``lab/crypto/kms_server``) for that table alone,
short-lived; Spark's executors present it to unwrap the file keys they need.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from lab.crypto.keyring import Keyring
from lab.crypto.kms import LabKms, table_scope
from lab.crypto.kms_server import KmsServer
from lab.crypto.sealed_store import SealedObjectStore
from lab.db.models import DatasetVersion, DpMetadata
from lab.errors import NotFound
from lab.gateway.parquet_crypto import EncryptedParquet, KeyService, rotate, write_encrypted
from lab.services import LabServices

_EXPORT_TOKEN_SECONDS = 3600


class EncryptedTables:
    """Leases encrypted table versions (exported on first use) and serves their keys to Spark."""

    def __init__(
        self,
        sealed: SealedObjectStore,
        folder: Path,
        privacy_unit_of: Callable[[str], str],
        *,
        bind: str = "127.0.0.1:0",
        token_seconds: int = 900,
    ) -> None:
        self.sealed = sealed
        self.folder = folder
        self._privacy_unit_of = privacy_unit_of
        self.kms = LabKms(sealed.keyring, token_seconds=token_seconds)
        host, _, port = bind.rpartition(":")
        self._server = KmsServer(self.kms, host, int(port)).start()
        self._lock = threading.Lock()

    @property
    def kms_url(self) -> str:
        """The key service's URL, as Spark's executors call it."""
        return self._server.url

    @contextmanager
    def lease(self, key: str) -> Iterator[EncryptedParquet]:
        """The encrypted copy of the sealed table ``key``, with a reading token for it."""
        scope = table_scope(key)
        target = self.folder / scope
        with self._lock:
            if not target.is_dir():
                self._export(key, target, scope)
        yield EncryptedParquet(target, KeyService(self.kms_url, self.kms.issue_token(scope)))

    def rotate(self) -> int:
        """Re-wrap the key material of every exported table under the active KEK; returns how
        many files were re-wrapped (their data is not rewritten)."""
        with self._lock:
            return sum(
                rotate(folder, self._writing(folder.name)) for folder in self._exported_folders()
            )

    def close(self) -> None:
        """Stop the key service (exported tables stay; they are ciphertext)."""
        self._server.close()

    def _export(self, key: str, target: Path, scope: str) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with self.sealed.open_plaintext_memfd(key) as plaintext:
            source = f"/proc/self/fd/{plaintext.fileno()}"
            unit = self._privacy_unit_of(key)
            write_encrypted(source, target, unit=unit, scope=scope, keys=self._writing(scope))

    def _writing(self, scope: str) -> KeyService:
        token = self.kms.issue_token(scope, may_wrap=True, seconds=_EXPORT_TOKEN_SECONDS)
        return KeyService(self.kms_url, token)

    def _exported_folders(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if p.is_dir() and p.name.startswith("t"))


def encrypted_tables(
    lab: LabServices, keyring: Keyring | None = None, *, bind: str | None = None
) -> EncryptedTables:
    """The lab's encrypted tables as its settings place them (``keyring`` overrides the lab's,
    e.g. the freshly rotated one of ``datalab keys rotate``; ``bind`` the key service's address)."""
    settings = lab.settings
    sealed = lab.sealed if keyring is None else SealedObjectStore(lab.store, keyring)
    return EncryptedTables(
        sealed,
        settings.resolved_spark_tables_dir,
        lambda key: privacy_unit_of_object(lab, key),
        bind=bind or settings.gateway_spark_kms_bind,
        token_seconds=settings.gateway_spark_kms_token_seconds,
    )


def rotate_exported(lab: LabServices, keyring: Keyring) -> int:
    """Re-wrap the key material of every exported table under ``keyring``'s active KEK (a key
    service of this process on a free loopback port); returns how many files were re-wrapped."""
    if not lab.settings.resolved_spark_tables_dir.is_dir():
        return 0
    tables = encrypted_tables(lab, keyring, bind="127.0.0.1:0")
    try:
        return tables.rotate()
    finally:
        tables.close()


def privacy_unit_of_object(lab: LabServices, key: str) -> str:
    """The privacy-unit column of the published restricted table stored as ``key``."""
    with lab.sessions() as session:
        rows = session.execute(
            select(DatasetVersion.objects, DpMetadata.privacy_unit).join(
                DpMetadata, DpMetadata.version_id == DatasetVersion.id
            )
        )
        for objects, unit in rows:
            if objects and key in objects.values():
                return unit
    raise NotFound("no published restricted table is stored under this object key")
