"""Staged versions at rest: the sealed table a version awaits its decision in, until published.

Each ingest stages its upload in a 0700 folder under ``$DATALAB_HOME/staging`` (written by
``lab.ingest.staging``). Once classified, ``seal`` encrypts the staged table with the lab's
keyring (the same envelope encryption as published restricted objects) and deletes the upload
copy and the plaintext table, so a version awaiting the steward's decision is encrypted at rest.
``open_staged`` decrypts it into an anonymous in-memory file for publication; ``purge`` removes
the folder once published or rejected.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import BinaryIO

from lab.crypto import Keyring, SealedObjectStore
from lab.storage import LocalObjectStore

STAGED_TABLE = "table.parquet"
SEALED_FOLDER = "sealed"


def staging_root(home: Path) -> Path:
    """Where the lab at ``home`` stages uploads."""
    return home / "staging"


def seal(folder: Path, keyring: Keyring) -> None:
    """Encrypt the staged table at rest and delete every plaintext file in ``folder``."""
    with (folder / STAGED_TABLE).open("rb") as plaintext:
        _sealed_store(folder, keyring).put(STAGED_TABLE, plaintext)
    for entry in folder.iterdir():
        if entry.is_file():
            entry.unlink()


def open_staged(folder: Path, keyring: Keyring) -> BinaryIO:
    """The staged table's plaintext in an anonymous in-memory file (the caller closes it).

    Its path for DuckDB or pyarrow is ``/proc/self/fd/<fileno>``. A folder staged before tables
    were sealed still holds its plaintext table, which is opened as it is.
    """
    legacy = folder / STAGED_TABLE
    if legacy.exists():
        return legacy.open("rb")
    return _sealed_store(folder, keyring).open_plaintext_memfd(STAGED_TABLE)


def sealed_staging(root: Path, keyring: Keyring) -> list[SealedObjectStore]:
    """The sealed store of every staging folder under ``root`` (for key rotation and status)."""
    if not root.exists():
        return []
    folders = sorted(p for p in root.iterdir() if (p / SEALED_FOLDER).is_dir())
    return [_sealed_store(folder, keyring) for folder in folders]


def _sealed_store(folder: Path, keyring: Keyring) -> SealedObjectStore:
    return SealedObjectStore(LocalObjectStore(folder / SEALED_FOLDER), keyring)


def purge(folder: Path) -> None:
    """Remove a staging folder and everything in it."""
    shutil.rmtree(folder, ignore_errors=True)
