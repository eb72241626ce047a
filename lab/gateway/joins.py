"""Joins on the privacy unit: two restricted tables seen as one table, with its per-unit bound.

An analyst may write ``FROM "a" t JOIN "b" s ON t.<unit> = s.<unit> [AND t.<k> = s.<k'> …]``:
an inner join of two datasets that protect the same kind of privacy unit (``units``), on that
unit, optionally also matching further columns (a month). Everything else — other join kinds,
other keys, different units, a dataset joined with itself, more than two tables — is refused
here, from the query text and metadata alone, before any budget is touched.

The joined table is a ``JoinedTable``: a ``TableMetadata`` whose columns are the two tables'
columns under qualified names (``t.应纳税额（元）``), each with its owning table's kind, bounds
and public domain, so planning, pricing, noise and intervals work on it unchanged. Its
``max_rows_per_unit`` is the join's bound (``joined_rows_bound``).

Sensitivity argument (the neighbouring relation is the gateway's: add or remove *one privacy
unit*, with all its rows in every table). Publication cut each unit to at most a rows in ``a``
and b rows in ``b``. The join condition includes unit equality, so a joined row pairs a row of
unit u in ``a`` with a row of the same unit u in ``b``: the joined rows of different units are
disjoint and removing u removes exactly u's joined rows, at most a·b of them (every pair). If the
join also matches a column the steward declared unique per unit in ``a`` (at most one row of u
per value, enforced at publication), each row of u in ``b`` meets at most one row of u in ``a``,
so u has at most b joined rows; symmetrically at most a. The bound is the least that applies, and
every aggregate's sensitivity follows from it as from a single table's bound: counts move by at
most the bound, a sum of a column of ``a`` by at most the bound × that column's largest |bound|
(values are clamped to the owning table's declared bounds). Filters only remove joined rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from lab.gateway.errors import QueryRejected
from lab.gateway.metadata import ColumnKind, TableMetadata

SEPARATOR = "."
"""Between a table's alias and its column in a joined column's name: ``t.统一社会信用代码``."""


@dataclass(frozen=True)
class JoinSide:
    """One table of a join and the alias the query gives it."""

    alias: str
    table: TableMetadata


@dataclass(frozen=True)
class JoinedTable(TableMetadata):
    """Two tables joined on their privacy unit (and ``matched`` column pairs), as one table.

    Build it with ``joined_table``; ``sides`` are the FROM table then the JOIN table.
    """

    sides: tuple[JoinSide, ...] = ()
    matched: tuple[tuple[str, str], ...] = field(default=())

    @property
    def unit_columns(self) -> frozenset[str]:
        """Both tables' privacy-unit columns, qualified."""
        return frozenset(qualified(s.alias, s.table.privacy_unit) for s in self.sides)

    def source(self, column: str) -> tuple[str, str]:
        """The (alias, column of its own table) a qualified column comes from."""
        alias, _, name = column.partition(SEPARATOR)
        return alias, name


def qualified(alias: str, column: str) -> str:
    """A joined column's name: its table's alias, a dot, its own name."""
    return f"{alias}{SEPARATOR}{column}"


def column_key(node: exp.Column) -> str:
    """The name a column reference has in its table's metadata: ``t.x`` in a join, ``x`` alone."""
    return qualified(node.table, node.name) if node.table else node.name


def join_condition(
    on: exp.Expression, left: JoinSide, right: JoinSide
) -> tuple[tuple[str, str], ...]:
    """The column pairs ``on`` matches besides the units, as (left column, right column).

    ``on`` must be a conjunction of equalities between a column of each side, one of them the
    two privacy units; anything else is refused with what to write instead.
    """
    conjuncts, pairs = _conjuncts(on), []
    for node in conjuncts:
        if not (
            isinstance(node, exp.EQ)
            and isinstance(node.this, exp.Column)
            and isinstance(node.expression, exp.Column)
        ):
            raise QueryRejected(
                f"ON accepts only `a.column = b.column` joined by AND; `{node.sql('duckdb')}` is "
                "not allowed (filter rows in WHERE)"
            )
        pairs.append(_pair(node, left, right))
    units = (left.table.privacy_unit, right.table.privacy_unit)
    if units not in pairs:
        raise QueryRejected(
            f'a join must match the privacy units: ON {left.alias}."{units[0]}" = '
            f'{right.alias}."{units[1]}"'
        )
    others = tuple(dict.fromkeys(pair for pair in pairs if pair != units))
    return others


def _conjuncts(node: exp.Expression) -> list[exp.Expression]:
    """The terms of an AND chain (parentheses removed), walked without recursion."""
    found, stack = [], [node]
    while stack:
        item = stack.pop()
        if isinstance(item, exp.And):
            stack += [item.expression, item.this]
        elif isinstance(item, exp.Paren):
            stack.append(item.this)
        else:
            found.append(item)
    return found


def _pair(node: exp.EQ, left: JoinSide, right: JoinSide) -> tuple[str, str]:
    """An equality's (left column, right column), whichever order it was written in."""
    ends = {}
    for column in (node.this, node.expression):
        side = next((s for s in (left, right) if s.alias == column.table), None)
        if side is None or column.args.get("db") or not isinstance(column.this, exp.Identifier):
            raise QueryRejected(
                f"name each column in ON with its table's alias ({left.alias} or {right.alias}); "
                f"`{column.sql('duckdb')}` has none"
            )
        if column.name not in side.table.columns:
            raise QueryRejected(f'"{column.name}" is not a column of "{side.table.name}"')
        ends[side.alias] = column.name
    if len(ends) != 2:
        raise QueryRejected(f"`{node.sql('duckdb')}` compares a table with itself; match a.x = b.y")
    return ends[left.alias], ends[right.alias]


def joined_rows_bound(left: JoinSide, right: JoinSide, matched: tuple[tuple[str, str], ...]) -> int:
    """The most joined rows one unit can have (see the module docstring for the argument)."""
    a, b = left.table.max_rows_per_unit, right.table.max_rows_per_unit
    bound = a * b
    if any(column in left.table.unique_per_unit for column, _ in matched):
        bound = min(bound, b)
    if any(column in right.table.unique_per_unit for _, column in matched):
        bound = min(bound, a)
    return bound


def joined_table(
    left: JoinSide, right: JoinSide, matched: tuple[tuple[str, str], ...]
) -> JoinedTable:
    """The join of ``left`` and ``right`` on their units and the ``matched`` column pairs.

    QueryRejected when the two sides cannot be joined soundly (see ``check_joinable``).
    """
    check_joinable(left, right, matched)
    columns, bounds, domains, generated = {}, {}, {}, {}
    for side in (left, right):
        table = side.table
        for name, kind in table.columns.items():
            columns[qualified(side.alias, name)] = kind
        for name, value in table.bounds.items():
            bounds[qualified(side.alias, name)] = value
        for name, domain in table.generated_domains.items():
            generated[qualified(side.alias, name)] = domain
        for name, codes in table.public_domains.items():
            if name not in table.generated_domains:
                domains[qualified(side.alias, name)] = codes
    return JoinedTable(
        name=f"{left.table.name} ⋈ {right.table.name}",
        columns=columns,
        privacy_unit=qualified(left.alias, left.table.privacy_unit),
        max_rows_per_unit=joined_rows_bound(left, right, matched),
        bounds=bounds,
        public_domains=domains,
        generated_domains=generated,
        unit_kind=left.table.unit_kind,
        sides=(left, right),
        matched=matched,
    )


def check_joinable(left: JoinSide, right: JoinSide, matched: tuple[tuple[str, str], ...]) -> None:
    """Refuse a self-join, tables about different kinds of unit, or an unsound matched pair."""
    check_sides(left, right)
    for ours, theirs in matched:
        _check_matched_pair(left, ours, right, theirs)


def check_sides(left: JoinSide, right: JoinSide) -> None:
    """Refuse a self-join, two sides with one alias, or tables about different kinds of unit."""
    if left.table.name == right.table.name:
        raise QueryRejected(
            f'"{left.table.name}" is joined with itself; a join reads two different datasets '
            "(query the one dataset directly)"
        )
    if left.alias == right.alias:
        raise QueryRejected(f'both tables are called "{left.alias}"; give them different aliases')
    kinds = (left.table.unit_kind, right.table.unit_kind)
    if kinds[0] is None or kinds[0] != kinds[1]:
        raise QueryRejected(
            f'"{left.table.name}" and "{right.table.name}" protect different privacy units '
            f'("{left.table.privacy_unit}" and "{right.table.privacy_unit}"); only datasets '
            "about the same kind of unit can be joined, on that unit"
        )


def _check_matched_pair(left: JoinSide, ours: str, right: JoinSide, theirs: str) -> None:
    """A further matched pair compares columns of one kind and scale (equality that cannot
    raise on any stored value, and compares like with like)."""
    kinds = (left.table.columns[ours], right.table.columns[theirs])
    scales = (_scale(left.table, ours), _scale(right.table, theirs))
    if ours == left.table.privacy_unit or theirs == right.table.privacy_unit:
        raise QueryRejected("match each privacy unit once, with the other table's unit")
    if kinds[0] is not kinds[1] or scales[0] != scales[1]:
        raise QueryRejected(
            f'`{left.alias}."{ours}" = {right.alias}."{theirs}"` compares columns of different '
            "kinds (text with a number, or numbers of different precision)"
        )


def _scale(table: TableMetadata, column: str) -> int | None:
    """A numeric column's fixed-point scale (None for text)."""
    if table.columns[column] is ColumnKind.TEXT:
        return None
    bounds = table.bounds.get(column)
    return bounds.scale if bounds else 1
