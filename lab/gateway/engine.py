"""Engines that run a compiled plan: a small interface, and DuckDB scanning Parquet in place.

The interface is what a distributed engine (Spark) will implement later; the gateway only ever
hands an engine a compiled statement and its parameters.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import BinaryIO, Protocol

import duckdb
import pyarrow as pa

from lab.gateway.planner import CompiledQuery

ParquetSource = str | os.PathLike[str] | BinaryIO


class QueryEngine(Protocol):
    """Runs one compiled bounded-aggregation statement and returns its rows as Arrow."""

    def run(self, plan_sql: str, parameters: Sequence[object]) -> pa.Table:
        """The result of ``plan_sql`` with ``parameters`` bound in order."""
        ...


class DuckDBEngine:
    """Runs statements in a private in-memory DuckDB with bounded memory and threads."""

    def __init__(self, *, memory_limit: str = "256MB", threads: int = 2) -> None:
        self._config = {"memory_limit": memory_limit, "threads": threads}

    def run(self, plan_sql: str, parameters: Sequence[object]) -> pa.Table:
        """The result of ``plan_sql``, on a fresh connection closed afterwards."""
        with duckdb.connect(config=self._config) as connection:
            return connection.sql(plan_sql, params=list(parameters)).to_arrow_table()


def run_compiled(engine: QueryEngine, compiled: CompiledQuery, source: ParquetSource) -> pa.Table:
    """Run ``compiled`` over the Parquet at ``source``: a path or an open file (e.g. a memfd)."""
    return engine.run(compiled.sql, [parquet_path(source)])


def parquet_path(source: ParquetSource) -> str:
    """A path DuckDB can open for ``source``; an open file is reached through ``/proc/self/fd``."""
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return f"/proc/self/fd/{source.fileno()}"
