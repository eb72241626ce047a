"""Parse an analyst's SQL and check it against the gateway's allow-list, giving a ``QueryPlan``.

The language is the closed subset of DESIGN §4::

    SELECT <group keys>, <aggregates> FROM <table> [WHERE <row predicates>] [GROUP BY <keys>]

where ``<table>`` may also be an inner join of two datasets on their shared privacy unit
(``joins``: ``FROM "a" t JOIN "b" s ON t.<unit> = s.<unit> [AND t.<k> = s.<k>]``, every column
then named with its table's alias).

with the aggregates COUNT(*), COUNT(col), SUM, AVG, VARIANCE, STDDEV, MEDIAN and QUANTILE(col, q).
Every check reads the query text and the table metadata only, never data, so a rejection leaks
nothing and costs nothing. Nesting is bounded before and after parsing (the parser, the checks
and the compiler all recurse), so a deeply nested query is a rejection, never a crash.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from lab.gateway.domains import DEFAULT_MAX_GROUPS, GeneratedDomain
from lab.gateway.errors import QueryRejected
from lab.gateway.joins import (
    JoinedTable,
    JoinSide,
    check_sides,
    join_condition,
    joined_table,
)
from lab.gateway.metadata import TableMetadata
from lab.gateway.predicate import check_predicate, resolve_column

DIALECT = "duckdb"
MAX_PARENTHESES = 16
"""The deepest parenthesis nesting parsed at all (the parser recurses ~20 frames per level)."""
MAX_DEPTH = 64
"""The deepest expression tree accepted: nested NOT, chained AND/OR or arithmetic included."""
_TOO_DEEP = (
    f"the query nests too deeply (at most {MAX_PARENTHESES} levels of parentheses and an "
    f"expression {MAX_DEPTH} levels deep); use `column IN (…)` instead of long OR chains"
)
_CLAUSE_NAMES = {
    "distinct": "SELECT DISTINCT",
    "with_": "WITH",
    "order": "ORDER BY",
}


class AggregateKind(enum.StrEnum):
    """An aggregate the gateway can release."""

    COUNT_ROWS = "count(*)"
    COUNT = "count"
    SUM = "sum"
    AVG = "avg"
    VARIANCE = "variance"
    STDDEV = "stddev"
    MEDIAN = "median"
    QUANTILE = "quantile"

    @property
    def needs_bounds(self) -> bool:
        """Whether the aggregate reads clamped values, so its column must have bounds."""
        return self not in (AggregateKind.COUNT_ROWS, AggregateKind.COUNT)


_FUNCTIONS: dict[type[exp.Expression], AggregateKind] = {
    exp.Count: AggregateKind.COUNT,
    exp.Sum: AggregateKind.SUM,
    exp.Avg: AggregateKind.AVG,
    exp.Variance: AggregateKind.VARIANCE,
    exp.Stddev: AggregateKind.STDDEV,
    exp.Median: AggregateKind.MEDIAN,
    exp.Quantile: AggregateKind.QUANTILE,
}
_ARGS = ("this", "quantile", "big_int")
_FUNCTION_LIST = "COUNT(*), COUNT, SUM, AVG, VARIANCE, STDDEV, MEDIAN, QUANTILE(col, q)"


@dataclass(frozen=True)
class Aggregate:
    """One requested aggregate; ``column`` is None for COUNT(*), ``quantile`` set for quantiles."""

    kind: AggregateKind
    column: str | None
    quantile: float | None = None


@dataclass(frozen=True)
class GroupKey:
    """A GROUP BY column; without a public domain its groups need DP partition selection.

    ``generated`` is set when the domain is a steward's period range, bins or list (its rule
    maps a value to its group); ``public_domain`` then holds that domain's labels.
    """

    column: str
    public_domain: tuple[str, ...] | None
    generated: GeneratedDomain | None = None

    @property
    def needs_partition_selection(self) -> bool:
        """Whether the key's groups can only be released through DP partition selection."""
        return self.public_domain is None


@dataclass(frozen=True)
class QueryPlan:
    """A validated query: what to aggregate, over which rows, grouped how."""

    table: TableMetadata
    group_keys: tuple[GroupKey, ...]
    aggregates: tuple[Aggregate, ...]
    where: exp.Expression | None
    canonical_text: str

    @property
    def needs_partition_selection(self) -> bool:
        """Whether any group key lacks a public domain."""
        return any(key.needs_partition_selection for key in self.group_keys)


def plan_query(
    text: str,
    tables: Iterable[TableMetadata],
    *,
    delta: float = 0.0,
    max_groups: int = DEFAULT_MAX_GROUPS,
) -> QueryPlan:
    """Check ``text`` against the metadata of ``tables``; ``QueryRejected`` says what to change.

    A query over public domains only answers every combination of their groups: more than
    ``max_groups`` of them is refused here, free.
    """
    select = _parse_single_select(text)
    _reject_extra_clauses(select)
    table = _resolve_source(select, list(tables))
    group_keys = _group_keys(select, table, delta)
    _check_group_count(group_keys, max_groups)
    aggregates = _aggregates(select, table, {key.column for key in group_keys})
    where = select.args.get("where")
    if where is not None:
        check_predicate(where.this, table)
    return QueryPlan(
        table=table,
        group_keys=group_keys,
        aggregates=aggregates,
        where=where.this.copy() if where is not None else None,
        canonical_text=_canonical_text(select, table),
    )


def _parse_single_select(text: str) -> exp.Select:
    """The one SELECT statement in ``text``; rejects comments, several statements, other kinds."""
    try:
        tokens = sqlglot.Dialect.get_or_raise(DIALECT).tokenize(text)
        if any(token.comments for token in tokens):
            raise QueryRejected("remove the comments from the query")
        if any(token.token_type is TokenType.SEMICOLON for token in tokens[:-1]):
            raise QueryRejected("send one statement at a time")
        _check_parentheses(tokens)
        statement = sqlglot.parse_one(text, read=DIALECT)
    except (ParseError, TokenError) as error:
        raise QueryRejected(f"the query is not valid SQL: {error}") from None
    except RecursionError:  # prefix operators (NOT NOT …, - - …) nest without parentheses
        raise QueryRejected(_TOO_DEEP) from None
    if _depth_exceeds(statement, MAX_DEPTH):
        raise QueryRejected(_TOO_DEEP)
    if not isinstance(statement, exp.Select):
        raise QueryRejected("only a single SELECT … FROM … [WHERE …] [GROUP BY …] is accepted")
    if any(node is not statement for node in statement.find_all(exp.Query, exp.Subquery)):
        raise QueryRejected("subqueries are not supported; write one SELECT over one table")
    return statement


def _check_parentheses(tokens: list[Token]) -> None:
    depth = 0
    for token in tokens:
        if token.token_type is TokenType.L_PAREN:
            depth += 1
            if depth > MAX_PARENTHESES:
                raise QueryRejected(_TOO_DEEP)
        elif token.token_type is TokenType.R_PAREN:
            depth -= 1


def _depth_exceeds(root: exp.Expr, limit: int) -> bool:
    """Whether the tree under ``root`` is deeper than ``limit`` (walked without recursion)."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node.iter_expressions())
    return False


def _reject_extra_clauses(select: exp.Select) -> None:
    """Reject every clause other than the select list, FROM, WHERE and GROUP BY."""
    for key, value in select.args.items():
        if value and key not in ("expressions", "from_", "joins", "where", "group"):
            name = _CLAUSE_NAMES.get(key, key.upper())
            raise QueryRejected(f"{name} is not supported; use SELECT, FROM, WHERE and GROUP BY")


def _resolve_source(select: exp.Select, tables: list[TableMetadata]) -> TableMetadata:
    """The metadata of the one table in FROM, or of the join of two (``joins``)."""
    joins = select.args.get("joins") or []
    source = select.args.get("from_")
    if not joins:
        table = _named_table(source.this if source is not None else None, tables, alias=False)
        return table.table
    if len(joins) > 1:
        raise QueryRejected("a query joins at most two datasets (one JOIN)")
    join = joins[0]
    _check_join_kind(join)
    left = _named_table(source.this if source is not None else None, tables, alias=True)
    right = _named_table(join.this, tables, alias=True)
    check_sides(left, right)
    return joined_table(left, right, join_condition(join.args.get("on"), left, right))


def dataset_names(text: str) -> tuple[str, ...]:
    """The datasets ``text`` reads, as written (FROM first, then a JOIN's); QueryRejected if it
    is not a SELECT the gateway would parse. Reads the text only."""
    select = _parse_single_select(text)
    tables = [select.args.get("from_"), *(select.args.get("joins") or [])]
    return tuple(
        node.this.name for node in tables if node is not None and isinstance(node.this, exp.Table)
    )


def _named_table(
    node: exp.Expression | None, tables: list[TableMetadata], *, alias: bool
) -> JoinSide:
    """The side of a join (or the one table) that ``node`` names: a dataset and its alias."""
    if not isinstance(node, exp.Table) or not isinstance(node.this, exp.Identifier):
        raise QueryRejected('FROM must name one dataset, e.g. FROM "tax-monthly"')
    if node.args.get("db") or node.args.get("catalog") or (node.alias and not alias):
        raise QueryRejected("write the dataset name alone in FROM, without prefix or alias")
    called = node.alias or node.name
    if "." in called or (node.args.get("alias") and node.args["alias"].columns):
        raise QueryRejected(f'"{called}" cannot be an alias; use a plain name such as t')
    for metadata in tables:
        if node.name in metadata.aliases:
            return JoinSide(called, metadata)
    names = ", ".join(f'"{metadata.name}"' for metadata in tables)
    raise QueryRejected(f'"{node.name}" is not a dataset you can query; datasets: {names}')


def _check_join_kind(join: exp.Join) -> None:
    """Only an inner join with an ON condition: no LEFT/RIGHT/FULL, CROSS, NATURAL or USING."""
    extra = [key for key, value in join.args.items() if value and key not in ("this", "on", "kind")]
    kind = (join.args.get("kind") or "INNER").upper()
    if extra or kind != "INNER":
        words = ("method", "side", "kind")
        written = " ".join(str(join.args[k]) for k in words if join.args.get(k))
        raise QueryRejected(
            f"{written or 'this'} JOIN is not supported: only an inner JOIN … ON the two "
            "datasets' privacy units (plus, optionally, columns such as the month)"
        )
    if join.args.get("on") is None:
        raise QueryRejected("a JOIN needs ON <a>.<privacy unit> = <b>.<privacy unit>")


def _group_keys(select: exp.Select, table: TableMetadata, delta: float) -> tuple[GroupKey, ...]:
    """The GROUP BY columns with their public domains; checks partition selection is possible."""
    group = select.args.get("group")
    if group is None:
        return ()
    extra = [key for key, value in group.args.items() if value and key != "expressions"]
    if extra or not all(isinstance(node, exp.Column) for node in group.expressions):
        raise QueryRejected("GROUP BY accepts only column names")
    names = [resolve_column(node, table) for node in group.expressions]
    if len(set(names)) != len(names):
        raise QueryRejected("name each GROUP BY column once")
    keys = tuple(
        GroupKey(name, table.public_domains.get(name), table.generated_domains.get(name))
        for name in names
    )
    for key in keys:
        _check_group_key(key, table, delta)
    return keys


def _check_group_key(key: GroupKey, table: TableMetadata, delta: float) -> None:
    """Reject grouping by the privacy unit, or by a key without public domain when δ = 0."""
    if key.column in table.unit_columns:
        raise QueryRejected(f'"{key.column}" identifies privacy units and cannot be a group key')
    if key.needs_partition_selection and delta <= 0:
        raise QueryRejected(
            f'"{key.column}" has no public domain, so its groups need DP partition selection, '
            "which requires delta > 0; set delta or group by a column with a public domain"
        )


def _check_group_count(keys: tuple[GroupKey, ...], max_groups: int) -> None:
    """Refuse a full public key set (the product of the keys' domains) of over ``max_groups``."""
    if not keys or any(key.public_domain is None for key in keys):
        return
    groups = math.prod(len(key.public_domain or ()) for key in keys)
    if groups > max_groups:
        names = " × ".join(f'"{key.column}"' for key in keys)
        raise QueryRejected(
            f"grouping by {names} answers {groups:,} groups (every combination of their public "
            f"domains), more than the {max_groups:,} one answer may hold; group by fewer keys"
        )


def _aggregates(
    select: exp.Select, table: TableMetadata, group_columns: set[str]
) -> tuple[Aggregate, ...]:
    """The aggregates of the select list; group keys may also appear there, nothing else."""
    aggregates = []
    for node in select.expressions:
        if isinstance(node, exp.Column):
            _check_selected_key(node, table, group_columns)
        else:
            aggregates.append(_aggregate(node, table))
    if not aggregates:
        raise QueryRejected(f"select at least one aggregate: {_FUNCTION_LIST}")
    return tuple(aggregates)


def _check_selected_key(node: exp.Column, table: TableMetadata, group_columns: set[str]) -> None:
    """A bare column in the select list must be a GROUP BY key."""
    if isinstance(node.this, exp.Star):
        raise QueryRejected("SELECT * is not supported; select group keys and aggregates")
    name = resolve_column(node, table)
    if name not in group_columns:
        raise QueryRejected(f'"{name}" is selected raw; add it to GROUP BY or aggregate it')


def _aggregate(node: exp.Expression, table: TableMetadata) -> Aggregate:
    """The aggregate ``node`` asks for, checked against the allow-list and the column bounds."""
    if isinstance(node, exp.Star):
        raise QueryRejected("SELECT * is not supported; select group keys and aggregates")
    if isinstance(node, exp.Alias):
        raise QueryRejected("remove the alias: the answer names each aggregate itself")
    kind = _FUNCTIONS.get(type(node))
    extra = [key for key, value in node.args.items() if value and key not in _ARGS]
    if kind is None or extra:
        raise QueryRejected(f"`{node.sql(DIALECT)}` is not allowed; aggregates: {_FUNCTION_LIST}")
    if kind is AggregateKind.COUNT and isinstance(node.this, exp.Star):
        return Aggregate(AggregateKind.COUNT_ROWS, None)
    if isinstance(node.this, exp.Distinct):
        raise QueryRejected("DISTINCT inside an aggregate is not supported")
    if not isinstance(node.this, exp.Column):
        raise QueryRejected(f"`{node.sql(DIALECT)}`: aggregate a plain column, not an expression")
    column = resolve_column(node.this, table)
    if kind.needs_bounds and column not in table.bounds:
        raise QueryRejected(
            f'{kind.name} needs clamping bounds on "{column}", which has none; '
            "ask the data steward to set them, or use COUNT"
        )
    if kind is AggregateKind.MEDIAN:
        return Aggregate(kind, column, 0.5)
    if kind is AggregateKind.QUANTILE:
        return Aggregate(kind, column, _quantile(node))
    return Aggregate(kind, column)


def _quantile(node: exp.Expression) -> float:
    """The literal ``q`` of QUANTILE(col, q), which must lie in [0, 1]."""
    literal = node.args.get("quantile")
    if isinstance(literal, exp.Literal) and not literal.is_string:
        q = float(literal.this)
        if 0.0 <= q <= 1.0:
            return q
    raise QueryRejected("QUANTILE(col, q) needs a literal q between 0 and 1, e.g. 0.9")


def _canonical_text(select: exp.Select, table: TableMetadata) -> str:
    """The query in one spelling (identifiers quoted, the tables' own names), for the cache."""
    canonical = select.copy()
    names = [s.table.name for s in table.sides] if isinstance(table, JoinedTable) else [table.name]
    sources = [canonical.args["from_"], *(canonical.args.get("joins") or [])]
    for source, name in zip(sources, names, strict=True):
        source.this.set("this", exp.to_identifier(name, quoted=True))
    return canonical.sql(dialect=DIALECT, identify=True)
