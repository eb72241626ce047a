"""The per-unit cut of a restricted publication as one plan, printed for DuckDB or for Spark.

A restricted table keeps at most ``bound`` rows per privacy unit (DESIGN §4). Which rows an
over-limit unit keeps is decided by a keyed hash of each row: SHA-256 of the dataset's secret
bounding seed followed by the row's text, and the unit keeps its rows with the smallest keys.
The key depends only on the seed and the row itself, so adding, removing or reordering other
units' rows never changes a unit's choice; two rows share a key only when they are identical,
and identical rows are interchangeable, so every engine that orders by the key keeps the same
rows.

The row's text is each staged column in turn, written as ``<characters>:<value>`` or ``N`` for
NULL — a prefix-free encoding (no two different rows have the same text) that DuckDB and Spark
compute alike (``length`` counts Unicode code points in both). The seed is never SQL text: it is
DuckDB's session variable ``bounding_seed`` and becomes Spark's named parameter of the same name.

Statements are written once, in DuckDB's dialect, and Spark's are sqlglot's transpilation of the
same text (``for_spark``) — never a second hand-written copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from lab.catalogue.versions.dp_metadata import DeclaredBounds, declared_bounds
from lab.db.models import DpMetadata
from lab.sql_text import sql_name

SEED_VARIABLE = "bounding_seed"
KEY = "_key"
RANK = "_rank"
DIALECT = "duckdb"


@dataclass(frozen=True)
class CutSpec:
    """What a restricted publication's cut needs: the unit, its bound, the staged columns (all
    text), the declared bounds of numeric columns and the columns unique per unit."""

    unit: str
    bound: int
    columns: tuple[str, ...]
    bounds: dict[str, DeclaredBounds]
    unique: tuple[str, ...] = ()

    @classmethod
    def of(cls, dp: DpMetadata, columns: list[str]) -> CutSpec:
        """The spec of a version's DP metadata over its staged ``columns``."""
        return cls(
            dp.privacy_unit,
            int(dp.max_rows_per_unit),
            tuple(columns),
            declared_bounds(dp.bounds),
            tuple(dp.unique_per_unit or ()),
        )

    def stored(self, column: str, alias: str = "") -> str:
        """A column as it is stored: a bounded one as exact integers of 10^-decimals (explicit
        rounding half away from zero; NULL where a value is not a number), others as text."""
        name = f"{alias}{sql_name(column)}"
        if column not in self.bounds:
            return name
        decimals = self.bounds[column].decimals
        value = f"TRY_CAST(TRIM({name}) AS DECIMAL(38, 6))"
        scaled = f"{value} * {10**decimals}" if decimals else value
        return f"CAST(ROUND({scaled}, 0) AS BIGINT)"

    def typed(self, alias: str = "") -> str:
        """The select list of the published table: every column, bounded ones as integers."""
        return ", ".join(f"{self.stored(c, alias)} AS {sql_name(c)}" for c in self.columns)

    def row_key(self, alias: str = "") -> str:
        """The keyed hash that orders a unit's rows (64 hex digits)."""
        pieces = " || ".join(_piece(f"{alias}{sql_name(c)}") for c in self.columns)
        return f"sha256(getvariable('{SEED_VARIABLE}') || {pieces})"


def _piece(column: str) -> str:
    """One column's part of the row text: its length in characters, a colon and its value."""
    text = f"CAST(length({column}) AS VARCHAR) || ':' || {column}"
    return f"CASE WHEN {column} IS NULL THEN 'N' ELSE {text} END"


def deduplicated(spec: CutSpec, source: str, carried: tuple[str, ...] = ()) -> str:
    """``source``'s rows with a unit, keeping per (unit, non-NULL value) of each column declared
    unique per unit only the row with the smallest key (compared as stored); NULLs untouched.

    The relation has the staged columns and the ``carried`` ones. A carried row position also
    breaks ties between identical rows, so that every reading of the relation keeps the same
    copy (the DuckDB cut reads it more than once and matches rows by position)."""
    names = ", ".join(sql_name(c) for c in (*spec.columns, *carried))
    order = ", ".join((spec.row_key(), *(sql_name(c) for c in carried)))
    relation = f"SELECT {names} FROM {source} WHERE {sql_name(spec.unit)} IS NOT NULL"
    for column in spec.unique:
        value = spec.stored(column)
        relation = (
            f"SELECT {names} FROM (SELECT *, row_number() OVER (PARTITION BY "
            f"{sql_name(spec.unit)}, {value} ORDER BY {order}) AS {RANK} FROM ({relation})) "
            f"WHERE {value} IS NULL OR {RANK} = 1"
        )
    return relation


def window_cut(spec: CutSpec, source: str) -> str:
    """The published table: a window per unit ranks its rows by key, the first ``bound`` kept."""
    ranked = (
        f"SELECT *, row_number() OVER (PARTITION BY {sql_name(spec.unit)} ORDER BY "
        f"{spec.row_key()}) AS {RANK} FROM ({deduplicated(spec, source)})"
    )
    return f"SELECT {spec.typed()} FROM ({ranked}) WHERE {RANK} <= {spec.bound}"


def unit_counts(spec: CutSpec, source: str) -> str:
    """Units and units over the bound, counted after the per-unit deduplication."""
    per_unit = (
        f"SELECT {sql_name(spec.unit)}, count(*) AS n FROM ({deduplicated(spec, source)}) "
        f"GROUP BY {sql_name(spec.unit)}"
    )
    return (
        f"SELECT count(*) AS units, CAST(coalesce(sum(CASE WHEN n > {spec.bound} THEN 1 ELSE 0 "
        f"END), 0) AS BIGINT) AS units_truncated FROM ({per_unit})"
    )


def for_spark(statement: str) -> str:
    """``statement`` in Spark SQL: sqlglot's transpilation, the seed variable a named parameter."""
    tree = sqlglot.parse_one(statement, read=DIALECT)
    return tree.transform(_seed_parameter).sql(dialect="spark")


def _seed_parameter(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.lower() == "getvariable":
        return exp.Placeholder(this=SEED_VARIABLE)
    return node
