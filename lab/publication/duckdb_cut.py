"""The per-unit cut on embedded DuckDB, streaming from and to Parquet in bounded memory.

The plan's window (``plan.window_cut``) would hash and sort every row. Most of a table's units
are usually within the bound, and their rows need neither, so the cut runs in three steps:

1. count the rows per unit (a cheap grouped count; it also gives the units and those over the
   bound);
2. for the rows of units over the bound only, compute the plan's keyed hash once, keeping its
   first 64 bits beside a number for the unit and the row's file position (24 bytes a row), rank
   each unit's rows by it (ties broken by file position) and record the positions of the rows
   past the bound — in passes over buckets of the units, each of about ``rows_per_pass`` rows,
   so the window's state stays bounded;
3. copy every row with a unit except those positions, typed as the plan says.

The kept rows are the plan's: the same key, the same bound (a test runs both on DuckDB and
Spark). Ordering by the key's first 64 bits rather than all 256 can differ from the plan only if
two different rows of one unit share those 64 bits — for 100M rows, a chance below 10⁻¹⁰. Each
row is hashed once, and only if its unit is over the bound.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from lab.errors import InternalError
from lab.publication.plan import SEED_VARIABLE, CutSpec, deduplicated
from lab.sql_text import sql_name, sql_string

MEMORY_LIMIT = "4GB"
ROWS_PER_PASS = 10_000_000
POSITION = "_row"


def _connection(spill_to: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    connection.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    connection.execute(f"SET temp_directory = {sql_string(spill_to)}")
    connection.execute("SET preserve_insertion_order = false")
    return connection


def cut_with_duckdb(
    spec: CutSpec,
    staged: Path,
    target: Path,
    seed_hex: str,
    *,
    spill_to: Path,
    rows_per_pass: int = ROWS_PER_PASS,
) -> tuple[int, int, int, int]:
    """Write ``target`` (Parquet, zstd, in place) with ``spec``'s cut of ``staged``; return
    (rows in, rows out, units, units over the bound). The seed is a session variable."""
    unit = sql_name(spec.unit)
    source = (
        f"(SELECT *, file_row_number AS {POSITION} "
        f"FROM read_parquet({sql_string(staged)}, file_row_number = true))"
    )
    rows = deduplicated(spec, source, carried=(POSITION,))
    with _connection(spill_to) as connection:
        connection.execute(f"SET VARIABLE {SEED_VARIABLE} = ?", [seed_hex])
        connection.execute(f"CREATE TEMP VIEW unit_rows AS {rows}")
        connection.execute(
            f"CREATE TEMP TABLE per_unit AS SELECT {unit} AS u, count(*) AS n "
            f"FROM unit_rows GROUP BY {unit}"
        )
        units, truncated, heavy_rows = _one_row(
            connection,
            f"SELECT count(*), count(*) FILTER (n > {spec.bound}), "
            f"coalesce(sum(n) FILTER (n > {spec.bound}), 0) FROM per_unit",
        )
        _record_dropped(connection, spec, max(1, -(-heavy_rows // rows_per_pass)))
        connection.execute(
            f"COPY (SELECT {spec.typed('k.')} FROM unit_rows k ANTI JOIN dropped d "
            f"ON k.{POSITION} = d.{POSITION}) TO {sql_string(target)} "
            "(FORMAT parquet, COMPRESSION zstd, USE_TMP_FILE false)"
        )
        (rows_in,) = _one_row(
            connection, f"SELECT count(*) FROM read_parquet({sql_string(staged)})"
        )
        (rows_out,) = _one_row(
            connection, f"SELECT count(*) FROM read_parquet({sql_string(target)})"
        )
    return rows_in, rows_out, units, truncated


def _one_row(connection: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The one row an aggregate statement returns (an aggregate without GROUP BY always has one)."""
    row = connection.execute(sql).fetchone()
    if row is None:
        raise InternalError(f"an aggregate returned no row: {sql}; this is a bug")
    return row


def _record_dropped(connection: duckdb.DuckDBPyConnection, spec: CutSpec, passes: int) -> None:
    """The table ``dropped``: positions of the rows each unit over the bound does not keep.

    One scan keys the over-bound units' rows into a compact table — a number for the unit, the
    key's first 64 bits as an 8-byte string, the position: 24 bytes a row, so 55M keyed rows
    stay in memory — and each pass ranks the units of one bucket of it (``passes`` buckets)."""
    unit = sql_name(spec.unit)
    connection.execute(
        f"CREATE TEMP TABLE heavy AS SELECT u, row_number() OVER () AS id "
        f"FROM per_unit WHERE n > {spec.bound}"
    )
    connection.execute(
        f"CREATE TEMP TABLE keyed AS SELECT h.id, unhex(left({spec.row_key('k.')}, 16)) AS key, "
        f"k.{POSITION} FROM unit_rows k JOIN heavy h ON k.{unit} = h.u"
    )
    ranked = (
        f"SELECT {POSITION}, row_number() OVER (PARTITION BY id ORDER BY key, {POSITION}) AS rank "
        "FROM keyed WHERE id % ? = ?"
    )
    past_bound = f"SELECT {POSITION} FROM ({ranked}) WHERE rank > {spec.bound}"
    connection.execute(f"CREATE TEMP TABLE dropped AS {past_bound}", [passes, 0])
    for bucket in range(1, passes):
        connection.execute(f"INSERT INTO dropped {past_bound}", [passes, bucket])
    connection.execute("DROP TABLE keyed")
