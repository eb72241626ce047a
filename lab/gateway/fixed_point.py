"""Fixed-point columns: analysts read and filter in the declared unit, the engine in integers.

A column declared with precision 10^-k is stored as value × 10^k, an exact integer
(``Bounds.scale`` = 10^k, set at publication). Bounds, clamping, sums and every sensitivity stay
in those stored integers, so sums are exact and the privacy argument is that of an integer
column. Two exact translations make the scale invisible to the analyst:

* in WHERE, each reference to the column reads as ``column * 10^-k``, an exact DECIMAL, so a
  literal such as ``1.5`` is compared in the declared unit;
* a released value and its interval are divided by the scale (its square for a variance) — a
  monotone map, so the interval covers the declared-unit truth exactly when it covered the
  stored one.
"""

from __future__ import annotations

from decimal import Decimal

from sqlglot import exp

from lab.gateway.intervals import Estimate
from lab.gateway.joins import column_key
from lab.gateway.metadata import TableMetadata
from lab.gateway.query import Aggregate, AggregateKind

_SQUARED = (AggregateKind.VARIANCE,)
_UNSCALED = (AggregateKind.COUNT_ROWS, AggregateKind.COUNT)


def declared_where(where: exp.Expression, table: TableMetadata) -> exp.Expression:
    """``where`` with every fixed-point column read in its declared unit."""

    def declared(node: exp.Expression) -> exp.Expression:
        step = precision(table, column_key(node)) if isinstance(node, exp.Column) else None
        if step is None:
            return node
        return exp.Paren(this=exp.Mul(this=node.copy(), expression=exp.Literal.number(step)))

    return where.copy().transform(declared)


def in_declared_unit(estimate: Estimate, aggregate: Aggregate, table: TableMetadata) -> Estimate:
    """A released estimate of ``aggregate`` in the declared unit of its column."""
    bounds = table.bounds.get(aggregate.column) if aggregate.column else None
    if bounds is None or bounds.scale == 1 or aggregate.kind in _UNSCALED:
        return estimate
    divisor = bounds.scale**2 if aggregate.kind in _SQUARED else bounds.scale
    return Estimate(estimate.value / divisor, estimate.low / divisor, estimate.high / divisor)


def declared_bounds(table: TableMetadata, column: str) -> tuple[int | float, int | float] | None:
    """A column's bounds in its declared unit, as the analyst's schema shows them."""
    bounds = table.bounds.get(column)
    if bounds is None or bounds.scale == 1:
        return None if bounds is None else (bounds.lo, bounds.hi)
    return bounds.lo / bounds.scale, bounds.hi / bounds.scale


def precision(table: TableMetadata, column: str) -> str | None:
    """A fixed-point column's precision as text (``0.01``); None for other columns."""
    bounds = table.bounds.get(column)
    if bounds is None or bounds.scale == 1:
        return None
    return format(Decimal(1) / bounds.scale, "f")
