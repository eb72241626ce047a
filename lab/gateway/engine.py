"""Engines that run a compiled plan: a small interface, and DuckDB scanning Parquet in place.

The gateway only ever hands an engine a compiled statement and the restricted tables' Parquet
(paths or open anonymous memory files; two for a join; for Spark reading a cluster's storage,
encrypted table folders, ``parquet_crypto.EncryptedParquet``); the engine renders the statement for
its dialect and returns the exact per-group aggregates as Arrow. ``spark_engine`` is the other
implementation; ``engine_choice`` picks one from the settings.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import BinaryIO, Protocol

import duckdb
import pyarrow as pa

from lab.gateway.planner import CompiledQuery

ParquetSource = str | os.PathLike[str] | BinaryIO


class QueryEngine(Protocol):
    """Runs one compiled bounded-aggregation statement and returns its rows as Arrow."""

    def run(self, compiled: CompiledQuery, sources: Sequence[ParquetSource]) -> pa.Table:
        """The exact aggregates of ``compiled`` over the Parquet at ``sources`` (one per
        ``read_parquet(?)`` of the statement, in its order)."""
        ...

    def close(self) -> None:
        """Release what the engine holds (a later statement may reopen it)."""
        ...


class DuckDBEngine:
    """Runs statements in one private in-memory DuckDB with bounded memory and threads.

    Opening a DuckDB database costs 15–35 ms — more than a grouped count over a million rows —
    so the engine opens one, on first use, and gives each statement its own cursor (cheap, and
    safe to use from several threads at once). The memory limit holds for all statements
    together. Nothing is kept between statements: no tables are created, and the file cache is
    off, so no block of a restricted table stays in DuckDB's memory after its statement.
    """

    def __init__(self, *, memory_limit: str = "512MB", threads: int = 2) -> None:
        self._config = {
            "memory_limit": memory_limit,
            "threads": threads,
            "enable_external_file_cache": False,
        }
        self._database: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()

    def run(self, compiled: CompiledQuery, sources: Sequence[ParquetSource]) -> pa.Table:
        """The exact aggregates of ``compiled``, DuckDB scanning ``sources`` in place."""
        return self.run_sql(compiled.sql, [parquet_path(source) for source in sources])

    def run_sql(self, plan_sql: str, parameters: Sequence[object]) -> pa.Table:
        """The result of ``plan_sql``, on a cursor of the engine's database closed afterwards."""
        with self._open().cursor() as cursor:
            return cursor.sql(plan_sql, params=list(parameters)).to_arrow_table()

    def close(self) -> None:
        """Close the database (a later statement opens a new one)."""
        with self._lock:
            if self._database is not None:
                self._database.close()
                self._database = None

    def _open(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._database is None:
                self._database = duckdb.connect(config=self._config)
            return self._database


def run_compiled(engine: QueryEngine, compiled: CompiledQuery, *sources: ParquetSource) -> pa.Table:
    """Run ``compiled`` over the Parquet at ``sources`` (two for a join, in the query's order):
    each a path or an open file (e.g. a memfd)."""
    return engine.run(compiled, sources)


def parquet_path(source: ParquetSource) -> str:
    """A path DuckDB can open for ``source``; an open file is reached through ``/proc/self/fd``."""
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return f"/proc/self/fd/{source.fileno()}"
