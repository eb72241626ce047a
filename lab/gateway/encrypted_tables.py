"""Restricted tables for a Spark cluster: encrypted Parquet on the shared folder, keys in the lab.

With ``DATALAB_GATEWAY_SPARK_STORAGE=encrypted-parquet`` the gateway leases tables from here
instead of the in-memory cache (``open_tables``). Publishing a restricted version exports it
(``table_exports``): its plaintext, in an anonymous memory file of the lab, is written to
``<shared folder>/<scope>`` as Parquet with modular encryption (``parquet_crypto``), so only
ciphertext and wrapped keys ever reach shared storage. Every lease hands the engine the folder
and a fresh token of the lab's key service (``lab/crypto/kms_server``) for that table alone,
short-lived; Spark's executors present it to unwrap the file keys they need. A served version
without an export (published before the setting was on) is exported at its first lease, and the
export is removed again if the version stopped being served meanwhile.
"""

from __future__ import annotations

import os
import secrets
import shutil
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from lab.catalogue.versions.decisions import VersionState
from lab.crypto.keyring import Keyring
from lab.crypto.kms import LabKms, table_scope
from lab.crypto.kms_server import serve_on_first_free, server_tls
from lab.crypto.sealed_store import SealedObjectStore
from lab.db.models import Dataset, DatasetVersion, DpMetadata
from lab.errors import NotFound
from lab.gateway.parquet_crypto import EncryptedParquet, KeyService, rotate, write_encrypted
from lab.services import LabServices

_EXPORT_TOKEN_SECONDS = 3600


class EncryptedTables:
    """Exports and leases encrypted table versions and serves their keys to Spark."""

    def __init__(
        self,
        sealed: SealedObjectStore,
        folder: Path,
        privacy_unit_of: Callable[[str], str],
        *,
        bind: str = "127.0.0.1:0",
        token_seconds: int = 900,
        tls: ssl.SSLContext | None = None,
        trusted_ca: str | None = None,
    ) -> None:
        self.sealed = sealed
        self.folder = folder
        self._privacy_unit_of = privacy_unit_of
        self.kms = LabKms(sealed.keyring, token_seconds=token_seconds)
        self._server = serve_on_first_free(self.kms, bind, tls)
        self._ca = trusted_ca
        self._lock = threading.RLock()  # a lease exports through `export`, which locks too

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
                self._export_served(key)
        yield EncryptedParquet(target, self.reading(scope))

    def export(self, key: str, source: str, unit: str) -> Path:
        """Write ``source`` (the plaintext Parquet of the sealed table ``key``, partitioned by
        the privacy unit ``unit``) as ``key``'s encrypted export, unless it is there already;
        returns its folder. Another process exporting the same table at once is harmless: the
        first rename wins and the other copy is discarded."""
        scope = table_scope(key)
        target = self.folder / scope
        with self._lock:
            if target.is_dir():
                return target
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                write_encrypted(source, target, unit=unit, scope=scope, keys=self.writing(scope))
            except OSError:
                if not target.is_dir():
                    raise
        return target

    def rotate(self) -> int:
        """Re-wrap the key material of every exported table under the active KEK; returns how
        many files were re-wrapped (their data is not rewritten)."""
        with self._lock:
            return sum(
                rotate(folder, self.writing(folder.name)) for folder in self._exported_folders()
            )

    def close(self) -> None:
        """Stop the key service (exported tables stay; they are ciphertext)."""
        self._server.close()

    def _export_served(self, key: str) -> None:
        """Export a served version that has no export yet (NotFound unless it is served), and
        remove the export again if the version was withdrawn or superseded while it was written
        (its withdrawal may have looked for the folder before it existed)."""
        unit = self._privacy_unit_of(key)
        with self.sealed.open_plaintext_memfd(key) as plaintext:
            folder = self.export(key, f"/proc/self/fd/{plaintext.fileno()}", unit)
        try:
            self._privacy_unit_of(key)
        except NotFound:
            remove_export(folder)
            raise

    def reading(self, scope: str, seconds: float | None = None) -> KeyService:
        """The key service with a token that unwraps ``scope``'s keys only, for ``seconds``
        (the service's default lifetime when None)."""
        return KeyService(self.kms_url, self.kms.issue_token(scope, seconds=seconds), self._ca)

    def writing(self, scope: str, seconds: float = _EXPORT_TOKEN_SECONDS) -> KeyService:
        """The key service with a token that may also wrap keys of ``scope``, for ``seconds``."""
        token = self.kms.issue_token(scope, may_wrap=True, seconds=seconds)
        return KeyService(self.kms_url, token, self._ca)

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
        tls=server_tls(settings.gateway_spark_kms_tls_cert, settings.gateway_spark_kms_tls_key),
        trusted_ca=str(ca) if (ca := settings.gateway_spark_kms_tls_ca) else None,
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


def export_folder(folder: Path, key: str) -> Path:
    """Where the encrypted export of the sealed table ``key`` lies under the shared ``folder``."""
    return folder / table_scope(key)


def remove_export(folder: Path) -> bool:
    """Delete an export (data files and wrapped keys): renamed out of place first, so a reader
    never finds half of one, then removed; False if there was none. A crash between the two
    steps leaves a hidden ``.<scope>.*.removing`` folder that ``sweep_exports`` deletes."""
    doomed = folder.with_name(f".{folder.name}.{secrets.token_hex(4)}.removing")
    try:
        os.rename(folder, doomed)
    except FileNotFoundError:
        return False
    shutil.rmtree(doomed)
    return True


def privacy_unit_of_object(lab: LabServices, key: str) -> str:
    """The privacy-unit column of the served (published, current) restricted table stored as
    ``key``; NotFound once it is withdrawn or superseded."""
    with lab.sessions() as session:
        rows = session.execute(
            select(DatasetVersion.objects, DpMetadata.privacy_unit)
            .join(DpMetadata, DpMetadata.version_id == DatasetVersion.id)
            .join(Dataset, Dataset.current_version_id == DatasetVersion.id)
            .where(DatasetVersion.state == VersionState.PUBLISHED)
        )
        for objects, unit in rows:
            if objects and key in objects.values():
                return unit
    raise NotFound("no published restricted table is stored under this object key")
