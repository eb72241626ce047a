"""Compile a ``QueryPlan`` into one bounded-aggregation SQL statement over the restricted Parquet.

The statement reads ``read_parquet(?)`` (the one parameter is the file's path) and returns, per
group, the exact aggregates the noise layer needs. A join (``joins``) reads two, one parameter
each in the order the query names them, as ``read_parquet(?) AS "t" JOIN read_parquet(?) AS "s"
ON "t"."unit" = "s"."unit" [AND …]`` — a plain inner equi-join, so another engine runs it
transpiled like the rest; its columns are read as ``"t"."x"`` and named ``"t.x"`` from then on.
The rules it encodes:

* Rows per privacy unit are already bounded: the published table holds at most
  ``max_rows_per_unit`` rows per unit, and a filter only removes rows, so no window is needed.
* A bounded value is clamped to its bounds (``LEAST``/``GREATEST`` after a NULL guard, since
  DuckDB's ``GREATEST(NULL, lo)`` is ``lo``), rounded explicitly and cast to BIGINT; sums and sums
  of squares are HUGEINT, so they are exact.
* A fixed-point column (``Bounds.scale`` > 1) is stored, clamped and summed in integers; WHERE
  reads it in its declared unit (``fixed_point.declared_where``).
* NULL values add nothing to a sum and are not counted by ``count:<col>``; ``rows`` counts rows.
* A histogram splits ``[lo, hi]`` into ``bins`` equal-width bins: value v falls in bin
  ``min(⌊(v − lo)·bins / (hi − lo)⌋, bins − 1)``; it is returned dense, one count per bin. The
  bin arithmetic is in BIGINT whenever ``(hi − lo)·bins`` fits in it (then no intermediate can
  overflow, as lo ≤ v ≤ hi), and in HUGEINT otherwise; HUGEINT arithmetic made a median over
  10M rows about four times slower.
* A key with a public domain is matched to it through a relation of (label, match, ord) rows:
  a code list or an explicit list matches the value's text; a period range matches the value's
  ISO text read to the period (``domains``: the first 10, 7 or 4 characters, or year and quarter
  from the month); numeric bins match the bin index, computed with the histogram's rule on the
  value clamped to [lo, hi] — ``min(⌊(v − lo)·bins/(hi − lo)⌋, bins − 1)``, operands never
  negative so truncating and flooring division agree on every engine — with the index ``bins``
  for the overflow bin and NULL below lo. These rules use only standard SQL (CASE, SUBSTRING,
  CAST, integer division), so another engine runs them transpiled by sqlglot. The domain
  relation (labels, order and match values all come from the plan) is built with DuckDB's list
  functions, like the dense histogram; another engine builds it its own way.
* When every group key has a public domain, the full key set (the cross product of the domains)
  is the left side of a join, so every public group is present, with zeros when empty; rows whose
  key lies outside the domain (NULL included) are in no group. Otherwise the groups are those
  found in the data, for DP partition selection to filter later (a key with a domain still keeps
  only its domain's groups, by an inner join). Groups come ordered by key: a code list's codes
  in text order, a generated domain's groups in the order declared (months in time order, bins
  from the lowest).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from lab.errors import InternalError
from lab.gateway.domains import LABEL_SEPARATOR, NumericBins, PeriodRange, PeriodUnit
from lab.gateway.fixed_point import declared_where
from lab.gateway.joins import JoinedTable
from lab.gateway.metadata import Bounds, ColumnKind, TableMetadata
from lab.gateway.query import DIALECT, AggregateKind, GroupKey, QueryPlan
from lab.sql_text import sql_name, sql_string

BINS = 256
_BIGINT_MAX = 2**63 - 1
_NEEDS: dict[AggregateKind, tuple[str, ...]] = {
    AggregateKind.COUNT_ROWS: (),
    AggregateKind.COUNT: ("count",),
    AggregateKind.SUM: ("sum",),
    AggregateKind.AVG: ("sum", "count"),
    AggregateKind.VARIANCE: ("sum", "sum_squares", "count"),
    AggregateKind.STDDEV: ("sum", "sum_squares", "count"),
    AggregateKind.MEDIAN: ("histogram",),
    AggregateKind.QUANTILE: ("histogram",),
}


class MeasureKind(enum.StrEnum):
    """An exact per-group aggregate the engine computes for the noise layer."""

    ROWS = "rows"
    COUNT = "count"
    SUM = "sum"
    SUM_SQUARES = "sum_squares"
    HISTOGRAM = "histogram"


@dataclass(frozen=True)
class Measure:
    """One output column of the compiled statement: a measure of a column (or of rows)."""

    kind: MeasureKind
    column: str | None = None

    @property
    def name(self) -> str:
        """The output column's name, e.g. ``rows`` or ``sum:应纳税额（元）``."""
        return self.kind.value if self.column is None else f"{self.kind.value}:{self.column}"


@dataclass(frozen=True)
class CompiledQuery:
    """The SQL statement for a plan, with the names of its key and measure columns."""

    sql: str
    group_columns: tuple[str, ...]
    measures: tuple[Measure, ...]
    bins: int


def compile_plan(plan: QueryPlan, *, bins: int = BINS) -> CompiledQuery:
    """One DuckDB statement computing ``plan``'s bounded aggregates per group."""
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    measures = measures_for(plan)
    columns = list(dict.fromkeys(m.column for m in measures if m.column is not None))
    aliases = {column: f"v{index}" for index, column in enumerate(columns)}
    keys = ", ".join(sql_name(key.column) for key in plan.group_keys)
    group_by = f" GROUP BY {keys}" if keys else ""
    shown = [_shown_key(key, index) for index, key in enumerate(plan.group_keys)]
    order = ", ".join(_order_key(key, index) for index, key in enumerate(plan.group_keys))
    # Identifiers and codes pass through ``sql_name``/``sql_string``; WHERE is a validated tree.
    sql = (
        f"WITH bounded AS ({_bounded_rows(plan, aliases)}), "  # noqa: S608
        f"grouped AS (SELECT {_select_list(keys, _raw_measures(measures, aliases, plan, bins))}"
        f" FROM bounded{group_by}) "
        f"SELECT {', '.join([*shown, *_final_measures(measures, bins)])} "
        f"FROM {_groups_source(plan)}{f' ORDER BY {order}' if order else ''}"
    )
    return CompiledQuery(sql, tuple(k.column for k in plan.group_keys), measures, bins)


def measures_for(plan: QueryPlan) -> tuple[Measure, ...]:
    """The measures ``plan``'s aggregates need, without repeats, ``rows`` always first."""
    measures = [Measure(MeasureKind.ROWS)]
    for aggregate in plan.aggregates:
        for kind in _NEEDS[aggregate.kind]:
            measures.append(Measure(MeasureKind(kind), aggregate.column))
    return tuple(dict.fromkeys(measures))


def _bounded_rows(plan: QueryPlan, aliases: dict[str, str]) -> str:
    """The filtered rows: group keys (as text when joined to a domain) and clamped values."""
    items = [_key_expression(key, plan) for key in plan.group_keys]
    items += [f"{_value_expression(plan, column)} AS {alias}" for column, alias in aliases.items()]
    predicate = declared_where(plan.where, plan.table) if plan.where else None
    conditions = [f"({predicate.sql(DIALECT, identify=True)})"] if predicate else []
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    source = _source_tables(plan.table)  # Parquet reads; aliases and units are quoted
    rows = f"SELECT {', '.join(items) or '1 AS one'} FROM {source}"  # noqa: S608
    return f"{rows}{where}"


def _source_tables(table: TableMetadata) -> str:
    """The Parquet read, or the two joined on their privacy units and matched columns."""
    if not isinstance(table, JoinedTable):
        return "read_parquet(?)"
    left, right = table.sides
    pairs = [(left.table.privacy_unit, right.table.privacy_unit), *table.matched]
    on = " AND ".join(
        f"{sql_name(left.alias)}.{sql_name(a)} = {sql_name(right.alias)}.{sql_name(b)}"
        for a, b in pairs
    )
    return (
        f"read_parquet(?) AS {sql_name(left.alias)} "
        f"JOIN read_parquet(?) AS {sql_name(right.alias)} ON {on}"
    )


def _source(table: TableMetadata, column: str) -> str:
    """How the bounded rows read a column: ``"x"``, or ``"t"."x"`` for ``t.x`` of a join."""
    if not isinstance(table, JoinedTable):
        return sql_name(column)
    alias, name = table.source(column)
    return f"{sql_name(alias)}.{sql_name(name)}"


def _key_expression(key: GroupKey, plan: QueryPlan) -> str:
    """A group key as selected: the value its domain matches (text, period or bin index)."""
    name, source = sql_name(key.column), _source(plan.table, key.column)
    if isinstance(key.generated, PeriodRange):
        return f"{_period(key.generated.unit, f'CAST({source} AS VARCHAR)')} AS {name}"
    if isinstance(key.generated, NumericBins):
        return f"{_bin_index(source, key.generated)} AS {name}"
    if key.public_domain is None or (
        key.generated is None and plan.table.columns[key.column] is ColumnKind.TEXT
    ):
        return f"{source} AS {name}" if source != name else name
    return f"CAST({source} AS VARCHAR) AS {name}"


def _period(unit: PeriodUnit, text: str) -> str:
    """The period label of an ISO text (``domains``): its first characters, or year-quarter."""
    if unit is not PeriodUnit.QUARTERS:
        length = {PeriodUnit.DAYS: 10, PeriodUnit.MONTHS: 7, PeriodUnit.YEARS: 4}[unit]
        return f"SUBSTRING({text}, 1, {length})"
    months = [(f"{m:02d}", f"Q{(m - 1) // 3 + 1}") for m in range(1, 13)]
    quarters = [(f"Q{q}", f"Q{q}") for q in range(1, 5)]
    cases = " ".join(f"WHEN '{part}' THEN '{q}'" for part, q in months + quarters)
    return f"SUBSTRING({text}, 1, 4) || '-' || CASE SUBSTRING({text}, 6, 2) {cases} END"


def _bin_index(name: str, bins: NumericBins) -> str:
    """The bin of a stored integer value: NULL below lo, the histogram's bin within [lo, hi],
    ``bins`` (the overflow bin) or NULL above hi. The bin is computed on the value clamped to
    [lo, hi], so no operand can overflow whatever the stored value."""
    clamped = f"LEAST(GREATEST({name}, {bins.lo}), {bins.hi})"
    above = str(bins.bins) if bins.overflow else "NULL"
    return (
        f"CASE WHEN {name} IS NULL OR {name} < {bins.lo} THEN NULL "
        f"WHEN {name} > {bins.hi} THEN {above} "
        f"ELSE {_bin_of(clamped, bins.lo, bins.hi, bins.bins)} END"
    )


def _value_expression(plan: QueryPlan, column: str) -> str:
    """A column's value: clamped to its bounds and exact in BIGINT, or raw when unbounded."""
    name = _source(plan.table, column)
    bounds = plan.table.bounds.get(column)
    if bounds is None:
        return name
    clamped = f"CAST(ROUND(LEAST(GREATEST({name}, {bounds.lo}), {bounds.hi})) AS BIGINT)"
    return f"CASE WHEN {name} IS NULL THEN NULL ELSE {clamped} END"


def _raw_measures(
    measures: tuple[Measure, ...], aliases: dict[str, str], plan: QueryPlan, bins: int
) -> list[str]:
    """The per-group aggregates over the bounded rows, named after their measures."""
    items = []
    for measure in measures:
        if measure.column is None:
            sql = "COUNT(*)"
        else:
            bounds = plan.table.bounds.get(measure.column)
            sql = _column_measure(measure.kind, aliases[measure.column], bounds, bins)
        items.append(f"{sql} AS {sql_name(measure.name)}")
    return items


def _column_measure(kind: MeasureKind, value: str, bounds: Bounds | None, bins: int) -> str:
    """The aggregate of one column's bounded ``value`` for a measure kind."""
    wide = f"CAST({value} AS HUGEINT)"
    if kind is MeasureKind.SUM:
        return f"SUM({wide})"
    if kind is MeasureKind.SUM_SQUARES:
        return f"SUM({wide} * {wide})"
    if kind is MeasureKind.HISTOGRAM and bounds is not None:
        return _histogram(value, bounds, bins)
    if kind is MeasureKind.COUNT:
        return f"COUNT({value})"
    raise InternalError(f"no aggregate for measure {kind} with bounds {bounds}")


def _histogram(value: str, bounds: Bounds, bins: int) -> str:
    """A sparse map bin → count of the non-NULL clamped values (see the module docstring)."""
    bin_of = _bin_of(value, bounds.lo, bounds.hi, bins)
    return f"histogram({bin_of}) FILTER (WHERE {value} IS NOT NULL)"


def _bin_of(value: str, lo: int, hi: int, bins: int) -> str:
    """The bin ``min(⌊(v − lo)·bins/(hi − lo)⌋, bins − 1)`` of a value v in [lo, hi] (BIGINT
    arithmetic when ``(hi − lo)·bins`` fits it, HUGEINT otherwise; see the module docstring)."""
    width = hi - lo
    if width * bins <= _BIGINT_MAX:
        return f"LEAST(({value} - {lo}) * {bins} // {width}, {bins - 1})"
    offset = f"(CAST({value} AS HUGEINT) - {lo}) * {bins} // {width}"
    return f"LEAST(CAST({offset} AS BIGINT), {bins - 1})"


def _final_measures(measures: tuple[Measure, ...], bins: int) -> list[str]:
    """The measures with empty groups as zeros and histograms made dense."""
    items = []
    for measure in measures:
        name = sql_name(measure.name)
        found = f"grouped.{name}"
        if measure.kind is MeasureKind.HISTOGRAM:
            sql = f"list_transform(range({bins}), lambda i: COALESCE({found}[i], 0))"
        elif measure.kind in (MeasureKind.SUM, MeasureKind.SUM_SQUARES):
            sql = f"CAST(COALESCE({found}, 0) AS HUGEINT)"
        else:
            sql = f"COALESCE({found}, 0)"
        items.append(f"{sql} AS {name}")
    return items


def _groups_source(plan: QueryPlan) -> str:
    """The full public key set joined to the groups, or the groups found (keys with a domain
    restricted to it)."""
    keys = list(enumerate(plan.group_keys))
    matches = [
        f"grouped.{sql_name(key.column)} = domain{i}.k_match"
        for i, key in keys
        if key.public_domain
    ]
    domains = [_domain_relation(key, i) for i, key in keys if key.public_domain]
    if not plan.group_keys:
        return "grouped"
    if plan.needs_partition_selection:
        joins = [f" JOIN {d} ON {m}" for d, m in zip(domains, matches, strict=True)]
        return f"grouped{''.join(joins)}"
    return f"{' CROSS JOIN '.join(domains)} LEFT JOIN grouped ON {' AND '.join(matches)}"


def _shown_key(key: GroupKey, index: int) -> str:
    """A key as answered: its domain's label, or the value found in the data."""
    column = sql_name(key.column)
    return f"domain{index}.k_label AS {column}" if key.public_domain else f"grouped.{column}"


def _order_key(key: GroupKey, index: int) -> str:
    """What a key sorts by: its domain's order, or the value found."""
    return f"domain{index}.k_ord" if key.public_domain else f"grouped.{sql_name(key.column)}"


def _domain_relation(key: GroupKey, index: int) -> str:
    """A key's groups as the relation ``domain<index>(k_label, k_ord, k_match)``.

    Code lists sort by their codes' text (as answers always have); generated domains keep their
    declared order. Bins match their index, everything else its label. The labels travel as one
    string literal split on the unit separator (no label holds it): DuckDB parses a 100,000-row
    VALUES list in about 45 s, one string in well under a second.
    """
    labels = key.public_domain or ()
    if key.generated is None:
        labels = tuple(sorted(labels))
    match = "k_ord" if isinstance(key.generated, NumericBins) else "k_label"
    listed = (
        f"string_split({sql_string(LABEL_SEPARATOR.join(labels))}, chr({ord(LABEL_SEPARATOR)}))"
    )
    return (
        f"(SELECT k_label, k_ord, {match} AS k_match FROM (SELECT unnest(l) AS k_label, "  # noqa: S608 (labels are one quoted literal)
        f"generate_subscripts(l, 1) - 1 AS k_ord FROM (SELECT {listed} AS l))) AS domain{index}"
    )


def _select_list(keys: str, measures: list[str]) -> str:
    """Keys then measures, as one select list."""
    return ", ".join([keys, *measures] if keys else measures)
