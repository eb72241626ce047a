"""The lab-wide turn to sweep leftovers: one process at a time, the others skip their turn.

With PostgreSQL the turn is a session-level advisory lock (``pg_try_advisory_lock``), so it
holds across every host that shares the database; with SQLite (one host) it is an exclusive
``flock`` on a file in the lab's data directory. Either is released when its holder ends, even
by a crash. The turn saves work rather than guarding safety: every deletion of a sweep is
idempotent, so two sweeps at once would only repeat each other.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text

from lab.errors import Conflict
from lab.services import LabServices

LOCK_FILE = ".sweep.lock"
# The advisory lock's key: a fixed 64-bit number of the lab's own (PostgreSQL has one key space).
ADVISORY_KEY = int.from_bytes(hashlib.sha256(b"datalab:sweep-leftovers").digest()[:8], "big") >> 1
BUSY = "another process is sweeping leftovers right now; try again when it finishes"


class SweepBusy(Conflict):
    """Another process holds the turn to sweep."""


@contextlib.contextmanager
def sweeping_turn(lab: LabServices) -> Iterator[None]:
    """Hold the turn to sweep for the block; SweepBusy at once if another process holds it."""
    if lab.engine.dialect.name == "postgresql":
        with _advisory_lock(lab.engine):
            yield
    else:
        with _file_lock(lab.settings.home / LOCK_FILE):
            yield


@contextlib.contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    """A session-level advisory lock on a connection of its own (autocommit, so the sweep
    holds no transaction open while it works)."""
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        key = {"key": ADVISORY_KEY}
        if not connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), key):
            raise SweepBusy(BUSY)
        try:
            yield
        finally:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)
            except Exception:
                connection.invalidate()  # closing the connection releases the lock
                raise


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive, non-blocking ``flock`` of ``path`` (made 0600 on first use)."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SweepBusy(BUSY) from None
        yield
    finally:
        os.close(descriptor)  # closing releases the lock
