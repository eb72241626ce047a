"""Queueing SQLite writers: one writer at a time, handed over at once, across threads and processes.

SQLite lets one transaction write at a time. A writer that finds the lock taken waits in SQLite's
busy handler, which sleeps in growing steps (up to 100 ms), so under load the wait is mostly
sleep and the tail grows long. Hot write paths instead take their turn here first: a thread lock
within the process, then an exclusive ``flock`` on a file beside the database shared by every
process (``datalab serve --workers N``), which the kernel hands to the next waiter as soon as it
is released. PostgreSQL needs no turn: its row locks and unique keys queue writers themselves.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine

_thread_turns: dict[str, threading.Lock] = {}
_files: dict[str, int] = {}
_guard = threading.Lock()


def _turn_of(database: str) -> tuple[threading.Lock, int]:
    with _guard:
        if database not in _thread_turns:
            path = Path(f"{database}.writer")
            _files[database] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            _thread_turns[database] = threading.Lock()
        return _thread_turns[database], _files[database]


@contextlib.contextmanager
def writer_turn(engine: Engine) -> Iterator[None]:
    """Hold the database's writer turn (SQLite file databases only; a no-op otherwise)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    lock, handle = _turn_of(os.path.abspath(database))
    with lock:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
