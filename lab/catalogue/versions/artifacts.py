"""Building what a publication stores, from the staged text Parquet, by tier.

* Open (T1): ``data.parquet`` with numeric columns typed, everything else text.
* Restricted (T3/T4): ``data.parquet`` with each privacy unit cut to its declared maximum rows
  (once, here, so that every later DP query's sensitivity is bounded — DESIGN §4), bounded
  columns as exact integers (explicit rounding), sealed by the caller before it is stored.

DuckDB does the heavy lifting, streaming from and to Parquet, so memory stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from lab.catalogue.versions.bounding_seed import BoundingSeed
from lab.db.models import DpMetadata
from lab.errors import InternalError
from lab.publication.duckdb_cut import ROWS_PER_PASS, cut_with_duckdb
from lab.publication.plan import CutSpec
from lab.sql_text import sql_name, sql_string

MEMORY_LIMIT = "4GB"
# Building a restricted table keeps per-unit state (10M rows needed more than 1 GB); beyond the
# limit DuckDB spills to a folder inside the private staging folder, removed with it.


def _connection(spill_to: Path | None = None) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    connection.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    if spill_to is not None:
        connection.execute(f"SET temp_directory = {sql_string(spill_to)}")
    connection.execute("SET preserve_insertion_order = false")
    return connection


# Digits that a number type would change: a leading zero (codes such as 00123) or more digits
# than a double holds exactly.
_CODE_LIKE = r"^[-+]?0[0-9]|^[-+]?[0-9]{16,}$"


def build_open_table(staged: Path, target: Path, numeric_columns: set[str], columns: list[str]):
    """Copy ``staged`` to ``target`` with ``numeric_columns`` cast to DOUBLE, others text.

    A candidate column keeps its text if any value looks like a code rather than a quantity.
    """
    with _connection() as connection:
        numeric_columns = {c for c in numeric_columns if not _code_like(connection, staged, c)}
    select = ", ".join(
        f"TRY_CAST({sql_name(c)} AS DOUBLE) AS {sql_name(c)}"
        if c in numeric_columns
        else sql_name(c)
        for c in columns
    )
    with _connection() as connection:
        connection.execute(
            f"COPY (SELECT {select} FROM read_parquet({sql_string(staged)})) "
            f"TO {sql_string(target)} (FORMAT parquet, COMPRESSION zstd)"
        )


def _code_like(connection: duckdb.DuckDBPyConnection, staged: Path, column: str) -> bool:
    row = connection.execute(
        f"SELECT bool_or(regexp_matches({sql_name(column)}, ?)) "
        f"FROM read_parquet({sql_string(staged)})",
        [_CODE_LIKE],
    ).fetchone()
    if row is None:
        raise InternalError("an aggregate query returned no row")
    (found,) = row
    return bool(found)


@dataclass(frozen=True)
class BoundingRecord:
    """What bounding the contributions did: units cut and rows dropped (never the seed)."""

    rows_in: int
    rows_out: int
    units: int
    units_truncated: int

    def to_json(self) -> dict[str, int]:
        return {
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "units": self.units,
            "units_truncated": self.units_truncated,
        }


def build_restricted_table(
    staged: Path,
    target: Path,
    dp: DpMetadata,
    columns: list[str],
    seed: BoundingSeed,
    rows_per_pass: int = ROWS_PER_PASS,
    *,
    spill_to: Path | None = None,
) -> BoundingRecord:
    """Write ``target`` with each unit's rows cut to ``dp.max_rows_per_unit``, on DuckDB.

    A unit over the bound keeps its rows with the smallest keyed hash — SHA-256 of the dataset's
    secret ``seed`` and the row's text (``lab.publication.plan``) — a choice made from that
    unit's own rows and a secret that depends on no data, so adding or removing another unit,
    or reordering the file, never changes it (only identical rows tie, and they are
    interchangeable). The seed reaches DuckDB as a session variable, never as SQL text. Before
    the cut, a column declared unique per unit keeps one row per (unit, value) — the one with
    the smallest key, compared as stored (a bounded column after its rounding), NULLs
    untouched. Rows without a privacy unit are dropped: their contribution could not be
    bounded. Bounded columns become BIGINT by explicit rounding (NULL where a value is not a
    number); clamping to the bounds happens at query time. A column with a declared precision
    is stored in its fixed-point units: value ÷ precision, rounded half away from zero.

    Only units over the bound are ranked, in passes over hash buckets of the unit of about
    ``rows_per_pass`` rows each, so memory stays bounded at any size (``duckdb_cut``).
    ``target`` is written in place (no temporary file beside it), so it may be an anonymous
    in-memory file (``/proc/self/fd/N``) that keeps the plaintext off disk; DuckDB spills what
    exceeds its memory limit to ``spill_to`` (default: a folder beside ``target``).
    """
    counts = cut_with_duckdb(
        CutSpec.of(dp, columns),
        staged,
        target,
        seed.hex,
        spill_to=spill_to or target.parent / "spill",
        rows_per_pass=rows_per_pass,
    )
    return BoundingRecord(*counts)
