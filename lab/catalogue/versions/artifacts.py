"""Building what a publication stores, from the staged text Parquet, by tier.

* Open (T1): ``data.parquet`` with numeric columns typed, everything else text.
* Restricted (T3/T4): ``data.parquet`` with each privacy unit cut to its declared maximum rows
  (once, here, so that every later DP query's sensitivity is bounded — DESIGN §4), bounded
  columns as exact integers (explicit rounding), sealed by the caller before it is stored.

DuckDB does the heavy lifting, streaming from and to Parquet, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lab.catalogue.versions.bounding_seed import BoundingSeed
from lab.catalogue.versions.dp_metadata import declared_bounds
from lab.db.models import DpMetadata

MEMORY_LIMIT = "4GB"
# Building a restricted table keeps per-unit state (10M rows needed more than 1 GB); beyond the
# limit DuckDB spills to a folder inside the private staging folder, removed with it.


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _connection(spill_to: Path | None = None) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    connection.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    if spill_to is not None:
        connection.execute(f"SET temp_directory = {sql_path_literal(spill_to)}")
    connection.execute("SET preserve_insertion_order = false")
    return connection


def sql_path_literal(path: Path) -> str:
    """``path`` as a DuckDB string literal (DuckDB takes no parameters for COPY targets)."""
    return "'" + str(path).replace("'", "''") + "'"


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
        f"TRY_CAST({_quote(c)} AS DOUBLE) AS {_quote(c)}" if c in numeric_columns else _quote(c)
        for c in columns
    )
    with _connection() as connection:
        connection.execute(
            f"COPY (SELECT {select} FROM read_parquet({sql_path_literal(staged)})) "
            f"TO {sql_path_literal(target)} (FORMAT parquet, COMPRESSION zstd)"
        )


def _code_like(connection: duckdb.DuckDBPyConnection, staged: Path, column: str) -> bool:
    (found,) = connection.execute(
        f"SELECT bool_or(regexp_matches({_quote(column)}, ?)) "
        f"FROM read_parquet({sql_path_literal(staged)})",
        [_CODE_LIKE],
    ).fetchone()
    return bool(found)


def _fixed_point(column: str, decimals: int, alias: str = "") -> str:
    """A text column as exact integers of 10^-decimals: NULL where a value is not a number."""
    value = f"TRY_CAST({alias}{_quote(column)} AS DECIMAL(38, 6))"
    scaled = f"{value} * {10**decimals}" if decimals else value
    return f"CAST(ROUND({scaled}, 0) AS BIGINT)"


def _keep_one_per_value(
    connection: duckdb.DuckDBPyConnection, source: str, unit: str, value: str, target: str
) -> None:
    """The view ``target``: the rows of ``source`` with, per (unit, non-NULL ``value(alias)``),
    only the smallest key."""
    connection.execute(
        f"CREATE TEMP TABLE {target}_repeated AS SELECT {unit} AS u, {value('')} AS v, "
        f"min(_key) AS first FROM {source} WHERE {value('')} IS NOT NULL "
        f"GROUP BY {unit}, {value('')} HAVING count(*) > 1"
    )
    connection.execute(
        f"CREATE TEMP VIEW {target} AS SELECT k.* FROM {source} k LEFT JOIN {target}_repeated r "
        f"ON k.{unit} = r.u AND {value('k.')} = r.v WHERE r.u IS NULL OR k._key = r.first"
    )


def _stored(column: str, bounds: dict) -> Callable[[str], str]:
    """A column's value as stored (a bounded one after its rounding), read through an alias."""
    if column not in bounds:
        return lambda alias: f"{alias}{_quote(column)}"
    return lambda alias: _fixed_point(column, bounds[column].decimals, alias)


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


ROWS_PER_PASS = 10_000_000
# The per-unit top-N state does not spill: 100M rows (8.3M units) ran out of a 4 GB limit in one
# pass. The units are split by a hash of the unit into passes of about this many rows.


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
    """Write ``target`` with each unit's rows cut to ``dp.max_rows_per_unit``.

    A unit over the bound keeps its rows with the smallest keyed hash (the first 64 bits of
    SHA-256 of the dataset's secret ``seed`` and the row's content, JSON-encoded so distinct rows
    never share a text; an integer, so the per-unit state stays small at 10M rows) —
    a choice made from that unit's own rows and a secret that depends on no data, so adding or
    removing another unit, or reordering the file, never changes it (only identical rows tie;
    file position breaks the tie, and a unit's rows keep their order whatever other units are
    added or removed). The seed reaches DuckDB as
    a session variable, never as SQL text. The cut uses a top-N aggregate per heavy unit and a join,
    not a window over the table; the units are cut in passes, each over the units of one hash
    bucket (about ``rows_per_pass`` rows), so memory stays bounded at any size. Before the cut,
    a column declared unique per unit keeps one row per (unit, value) — the one with the smallest
    keyed hash, again a choice from the unit's own rows and the seed — compared as stored (a
    bounded column after its rounding), NULLs untouched. Rows
    without a privacy unit are dropped: their contribution could not be bounded. Bounded
    columns become BIGINT by explicit rounding (NULL where a value is not a number); clamping to
    the bounds happens at query time. A column with a declared precision is stored in its
    fixed-point units: value ÷ precision, rounded half away from zero (DuckDB's decimal ROUND).

    ``target`` is written in place (no temporary file beside it), so it may be an anonymous
    in-memory file (``/proc/self/fd/N``) that keeps the plaintext off disk; DuckDB spills what
    exceeds its memory limit to ``spill_to`` (default: a folder beside ``target``).
    """
    unit, bound = _quote(dp.privacy_unit), int(dp.max_rows_per_unit)
    bounds = declared_bounds(dp.bounds)
    typed = ", ".join(
        f"{_fixed_point(c, bounds[c].decimals)} AS {_quote(c)}" if c in bounds else _quote(c)
        for c in columns
    )
    row_text = "to_json(list_value(" + ", ".join(f"{_quote(c)}::VARCHAR" for c in columns) + "))"
    keyed = (
        f"SELECT *, {{'h': ('0x' || left(sha256(getvariable('bounding_seed') || {row_text}), 16))"
        f"::UBIGINT, "
        f"'r': file_row_number}} AS _key "
        f"FROM read_parquet({sql_path_literal(staged)}, file_row_number = true) "
        f"WHERE {unit} IS NOT NULL"
    )
    kept = (
        f"SELECT k.* FROM keyed k LEFT JOIN cut ON k.{unit} = cut.u "
        f"WHERE cut.u IS NULL OR k._key <= cut.last_kept"
    )
    with _connection(spill_to=spill_to or target.parent / "spill") as connection:
        connection.execute("SET VARIABLE bounding_seed = ?", [seed.hex])
        unique = list(dp.unique_per_unit or ())
        views = [f"keyed_{i}" for i in range(len(unique))] + ["keyed"]
        connection.execute(f"CREATE TEMP VIEW {views[0]} AS {keyed}")
        for index, column in enumerate(unique):
            value = _stored(column, bounds)
            _keep_one_per_value(connection, views[index], unit, value, views[index + 1])
        (rows_in,) = connection.execute(
            f"SELECT count(*) FROM read_parquet({sql_path_literal(staged)})"
        ).fetchone()
        passes = max(1, -(-rows_in // rows_per_pass))
        heavy = (
            f"SELECT {unit} AS u, list_last(min(_key, {bound})) AS last_kept FROM keyed "
            f"WHERE hash({unit}) % {passes} = ? GROUP BY {unit} HAVING count(*) > {bound}"
        )
        connection.execute(f"CREATE TEMP TABLE cut AS {heavy}", [0])
        for bucket in range(1, passes):
            connection.execute(f"INSERT INTO cut {heavy}", [bucket])
        connection.execute(
            f"COPY (SELECT {typed} FROM ({kept})) "
            f"TO {sql_path_literal(target)} (FORMAT parquet, COMPRESSION zstd, USE_TMP_FILE false)"
        )
        (units,) = connection.execute(
            f"SELECT count(DISTINCT {unit}) FROM read_parquet({sql_path_literal(staged)})"
        ).fetchone()
        (truncated,) = connection.execute("SELECT count(*) FROM cut").fetchone()
        (rows_out,) = connection.execute(
            f"SELECT count(*) FROM read_parquet({sql_path_literal(target)})"
        ).fetchone()
    return BoundingRecord(rows_in, rows_out, units, truncated)
