"""A bounded cache of decrypted restricted tables, held in anonymous memory files.

Decrypting a table for every query costs far more than the query (DESIGN §4: ~0.25 s per
250 MB). The cache keeps recently used tables open as sealed ``memfd`` files — plaintext never
on disk — up to a byte budget, evicting the least recently used one that no query is reading.
A query ``lease``s its table: a leased table is never closed under it.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO


@dataclass
class _Entry:
    handle: BinaryIO
    size: int
    leases: int = 0


@dataclass
class OpenTableCache:
    """Open plaintext tables by object key, at most ``max_bytes`` of them (least recent first)."""

    open_table: Callable[[str], BinaryIO]
    max_bytes: int
    _entries: OrderedDict[str, _Entry] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def lease(self, key: str) -> Iterator[BinaryIO]:
        """The open plaintext of ``key`` for the duration of the block."""
        entry = self._acquire(key)
        try:
            yield entry.handle
        finally:
            with self._lock:
                entry.leases -= 1
                self._evict()

    def _acquire(self, key: str) -> _Entry:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                entry.leases += 1
                return entry
        handle = self.open_table(key)  # decrypt outside the lock; a race only costs a copy
        entry = _Entry(handle, os.fstat(handle.fileno()).st_size, leases=1)
        with self._lock:
            existing = self._entries.get(key)
            if existing is not None:
                handle.close()
                existing.leases += 1
                return existing
            self._entries[key] = entry
            self._evict()
        return entry

    def _evict(self) -> None:
        total = sum(e.size for e in self._entries.values())
        for key in list(self._entries):
            if total <= self.max_bytes:
                return
            entry = self._entries[key]
            if entry.leases == 0:
                entry.handle.close()
                del self._entries[key]
                total -= entry.size

    @property
    def open_keys(self) -> list[str]:
        with self._lock:
            return list(self._entries)

    def close(self) -> None:
        with self._lock:
            for entry in self._entries.values():
                entry.handle.close()
            self._entries.clear()
