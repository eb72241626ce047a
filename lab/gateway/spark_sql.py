"""A compiled plan rendered in Spark SQL: sqlglot's transpilation plus the rewrites it lacks.

The planner writes one statement (DuckDB's dialect, ``planner``); this module never writes
Spark SQL of its own. It parses that statement, rewrites the few DuckDB constructs sqlglot
cannot carry over to Spark with the same meaning, and lets sqlglot print the tree for Spark:

* each ``read_parquet(?)`` becomes the temporary view the engine registered its table under
  (two for a join, in the order the parameters bind);
* ``HUGEINT`` (128-bit integers for exact sums) becomes ``DECIMAL(38, 0)``, Spark's widest exact
  integer (up to 10^38 − 1; a sum beyond it raises under ANSI mode, as HUGEINT does past 2^127);
* the ``histogram`` aggregate (a map bin → count, which Spark has no aggregate for) becomes a
  count per (group, bin) collected into the same map and joined back to its group (null-safe,
  so a NULL key found in the data keeps its histogram);
* a domain relation's ``unnest`` with ``generate_subscripts − 1`` becomes ``posexplode`` (its
  positions start at 0, which is what the planner's ``k_ord`` is); sqlglot maps DuckDB's
  ``WITH ORDINALITY`` (1-based) onto ``posexplode`` unchanged, so that form would be off by one;
* ``LIKE`` gets an explicit escape character that the pattern does not hold: DuckDB's LIKE has
  no escape character, Spark's escapes with a backslash (and rejects ``\\`` before an ordinary
  character), so ``'a\\_b'`` would mean different rows.

Everything else — integer division (``//`` → ``DIV``; the planner keeps operands non-negative so
truncating and flooring agree), explicit ``ROUND`` before casts, NULL guards around
``LEAST``/``GREATEST``, ``NULLS LAST`` ordering, dense lists (``list_transform``/``range`` →
``TRANSFORM``/``SEQUENCE``) — sqlglot transpiles as is. The cross-engine equality test
(``tests/unit/lab/gateway/test_spark_exactness.py``) pins that both engines agree.
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp

from lab.errors import InternalError
from lab.gateway.query import DIALECT

SPARK = "spark"
_EXACT_INTEGER = exp.DataType.build("DECIMAL(38, 0)", dialect=SPARK)
_ESCAPE_CANDIDATES = "\x01\x02\x03\x04\x05\x06\x07!#$^~"


def spark_sql(plan_sql: str, views: tuple[str, ...]) -> str:
    """``plan_sql`` (the planner's DuckDB statement) as Spark SQL whose ``read_parquet(?)``
    sources read ``views``, in the statement's order (the order its parameters bind)."""
    tree = sqlglot.parse_one(plan_sql, read=DIALECT)
    sources = [node for node in tree.dfs() if _reads_parquet(node)]
    if len(sources) != len(views):
        raise InternalError(f"the plan reads {len(sources)} tables, {len(views)} given; a bug")
    for source, view in zip(sources, views, strict=True):
        source.set("this", exp.to_identifier(view))
    tree = tree.transform(_rewrite)
    for cte in tree.find_all(exp.CTE):
        if isinstance(cte.this, exp.Select) and _histograms(cte.this):
            cte.set("this", _histograms_by_bin(cte.this))
    return tree.sql(dialect=SPARK)


@lru_cache(maxsize=1024)
def source_columns(plan_sql: str) -> tuple[str, ...]:
    """Every column name ``plan_sql`` mentions: the engine reads those a table holds."""
    tree = sqlglot.parse_one(plan_sql, read=DIALECT)
    if not any(_reads_parquet(node) for node in tree.dfs()):
        raise InternalError("the plan reads no Parquet; this is a bug")
    return tuple(dict.fromkeys(column.name for column in tree.find_all(exp.Column)))


def _reads_parquet(node: exp.Expr) -> bool:
    """Whether ``node`` is the planner's ``read_parquet(?)`` source."""
    return isinstance(node, exp.Table) and isinstance(node.this, exp.ReadParquet)


def _rewrite(node: exp.Expression) -> exp.Expression:
    """One node as Spark needs it (see the module docstring); others unchanged."""
    if isinstance(node, exp.DataType) and node.is_type(exp.DataType.Type.INT128):
        return _EXACT_INTEGER.copy()
    if isinstance(node, exp.Like) and not isinstance(node.parent, exp.Escape):
        return exp.Escape(this=node, expression=exp.Literal.string(_escape_for(node)))
    if isinstance(node, exp.Select) and _ordinal_unnest(node) is not None:
        return _posexplode(node)
    return node


def _escape_for(like: exp.Like) -> str:
    """An escape character absent from the LIKE pattern, so every pattern character is literal
    or a wildcard exactly as in DuckDB."""
    pattern = like.expression.this if isinstance(like.expression, exp.Literal) else ""
    for candidate in _ESCAPE_CANDIDATES:
        if candidate not in pattern:
            return candidate
    raise InternalError("no free LIKE escape character for Spark; this is a bug")


def _ordinal_unnest(select: exp.Select) -> tuple[str, str, exp.Expression] | None:
    """(label alias, ordinal alias, list) of ``SELECT unnest(l) AS a, generate_subscripts(l, 1)
    - 1 AS b``, the planner's domain relation; None for any other SELECT."""
    items = select.expressions
    if len(items) != 2 or not all(isinstance(item, exp.Alias) for item in items):
        return None
    label, ordinal = items
    subscripts = ordinal.this
    if not (
        isinstance(label.this, exp.Explode | exp.Unnest)
        and isinstance(subscripts, exp.Sub)
        and isinstance(subscripts.this, exp.Anonymous)
        and subscripts.this.name.lower() == "generate_subscripts"
        and subscripts.expression == exp.Literal.number(1)
    ):
        return None
    listed = label.this.this if isinstance(label.this, exp.Explode) else label.this.expressions[0]
    return label.alias, ordinal.alias, listed


def _posexplode(select: exp.Select) -> exp.Select:
    """The domain relation's SELECT with ``posexplode(l) AS (ordinal, label)``."""
    found = _ordinal_unnest(select)
    if found is None:
        raise InternalError("not a domain relation; this is a bug")
    label, ordinal, listed = found
    pairs = exp.Aliases(
        this=exp.Posexplode(this=listed.copy()),
        expressions=[exp.to_identifier(ordinal), exp.to_identifier(label)],
    )
    rewritten = select.copy()
    rewritten.set("expressions", [pairs])
    return rewritten


def _histograms(select: exp.Select) -> list[exp.Alias]:
    """The select items ``histogram(bin) FILTER (WHERE condition) AS name``."""
    return [
        item
        for item in select.expressions
        if isinstance(item, exp.Alias)
        and isinstance(item.this, exp.Filter)
        and isinstance(item.this.this, exp.Anonymous)
        and item.this.this.name.lower() == "histogram"
    ]


def _histograms_by_bin(select: exp.Select) -> exp.Select:
    """``select`` without its histogram aggregates, joined to one count-per-bin map each.

    Each histogram becomes ``SELECT keys, map_from_entries(collect_list(struct(bin, rows)))``
    over ``SELECT keys, bin, COUNT(*) … WHERE condition GROUP BY keys, bin``: the same map
    DuckDB's ``histogram`` returns, NULL for a group with no value (read as zeros later).
    """
    histograms = _histograms(select)
    keys = [item for item in select.expressions if isinstance(item, exp.Column)]
    others = select.copy()
    others.set("expressions", [i.copy() for i in select.expressions if i not in histograms])
    joined = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("g"))).from_(
        exp.Subquery(this=others, alias=exp.TableAlias(this=exp.to_identifier("g")))
    )
    for index, histogram in enumerate(histograms):
        alias = f"h{index}"
        joined = joined.join(
            exp.Subquery(
                this=_bin_counts(select, keys, histogram),
                alias=exp.TableAlias(this=exp.to_identifier(alias)),
            ),
            on=_same_keys(keys, "g", alias),
            join_type="left",
        )
        joined = joined.select(
            exp.alias_(exp.column(histogram.alias, table=alias, quoted=True), histogram.alias)
        )
    return joined


def _bin_counts(select: exp.Select, keys: list[exp.Column], histogram: exp.Alias) -> exp.Select:
    """One histogram as the map bin → count per group, from the same rows as ``select``."""
    name = histogram.alias
    bin_of = histogram.this.this.expressions[0]
    counted = (
        exp.select(*[key.copy() for key in keys], exp.alias_(bin_of.copy(), name, quoted=True))
        .select(exp.alias_(exp.Count(this=exp.Star()), "n"))
        .from_(select.args["from_"].this.copy())
        .where(histogram.this.expression.this.copy())
        .group_by(*[key.copy() for key in keys], bin_of.copy())
    )
    entries = exp.Struct(expressions=[exp.column(name, quoted=True), exp.column("n")])
    mapped = exp.MapFromEntries(this=exp.ArrayAgg(this=entries))
    summed = exp.select(*[key.copy() for key in keys], exp.alias_(mapped, name, quoted=True))
    summed = summed.from_(
        exp.Subquery(this=counted, alias=exp.TableAlias(this=exp.to_identifier("b")))
    )
    return summed.group_by(*[key.copy() for key in keys]) if keys else summed


def _same_keys(keys: list[exp.Column], left: str, right: str) -> exp.Expr:
    """``left.k <=> right.k`` for every key (TRUE without keys)."""
    conditions = [
        exp.NullSafeEQ(
            this=exp.column(key.name, table=left, quoted=True),
            expression=exp.column(key.name, table=right, quoted=True),
        )
        for key in keys
    ]
    return exp.and_(*conditions) if conditions else exp.true()
