"""The cache of decrypted tables: opened once, bounded by bytes, never closed under a lease."""

from __future__ import annotations

import io
import os
import tempfile

from lab.gateway.open_tables import OpenTableCache


class Opener:
    """Opens real temporary files of a given size and counts the opens."""

    def __init__(self, size: int) -> None:
        self.size, self.opened = size, []

    def __call__(self, key: str):
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - the cache under test owns and closes it
        handle.write(b"x" * self.size)
        handle.seek(0)
        self.opened.append(key)
        return handle


def test_table_decrypted_once_while_it_fits() -> None:
    """Two leases of the same table open it once."""
    opener = Opener(100)
    cache = OpenTableCache(opener, max_bytes=1000)
    for _ in range(2):
        with cache.lease("a") as handle:
            assert os.fstat(handle.fileno()).st_size == 100
    assert opener.opened == ["a"]
    cache.close()


def test_least_recent_unleased_table_is_evicted() -> None:
    """Over the byte budget the least recently used table closes, a leased one never does."""
    opener = Opener(400)
    cache = OpenTableCache(opener, max_bytes=1000)
    with cache.lease("a") as held:
        for key in ("b", "c", "d"):
            with cache.lease(key):
                pass
        assert "a" in cache.open_keys and "b" not in cache.open_keys
        assert not held.closed
    assert sum(1 for _ in cache.open_keys) * 400 <= 1000
    cache.close()
    assert cache.open_keys == [] and isinstance(held, io.BufferedRandom) and held.closed
