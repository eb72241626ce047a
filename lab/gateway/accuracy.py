"""Accuracy first: the 95% half-width each aggregate will carry, and the budget a target needs.

Everything here reads the plan and its measurements only — metadata and the requested ε or ρ —
never data, so asking costs nothing and reveals nothing. A count's or a sum's noise does not
depend on the data, so its half-width is exactly the one its answer will show (in the column's
declared unit). A mean, variance or quantile interval also depends on the noisy count it divides
by, so for those the half-widths of their parts are given instead (each at the confidence level
it is combined at: α/2 for a mean's sum and count, α/3 for a variance's three, and the
simultaneous bound on the histogram's cumulative counts for a quantile).

``budget_for_accuracy`` answers "what ε gives ±h on this count?": the least whole number of
budget units (micro-ε or micro-ρ) whose plan gives the named count or sum a half-width ≤ h,
found by bisection (the half-width only shrinks as the budget grows).

A relative target ("±5% on this count", ``AccuracyTarget``) is relative to a value the gateway
must not read: the true count is data, and reading it — even to size the noise — would make the
answer's ε depend on it. So the analyst states the value it is relative to (``expected``: a
public figure, a mock-data guess, or the lower end of a cheap earlier DP answer's interval) and
the target becomes ±relative × |expected|; without one it is refused. When the true value is at
least ``expected``, the relative error is then within the target (95%).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lab.errors import InternalError, InvalidInput
from lab.gateway.accounting import MICRO
from lab.gateway.errors import QueryRejected
from lab.gateway.intervals import ALPHA
from lab.gateway.mechanisms import MeanRelease, QuantileRelease, VarianceRelease
from lab.gateway.noise import NoisyVectorRelease
from lab.gateway.query import Aggregate, AggregateKind, QueryPlan
from lab.gateway.releases import PlanCost, Release, ReleasePlan, label, plan_releases

_EXACT_KINDS = (AggregateKind.COUNT_ROWS, AggregateKind.COUNT, AggregateKind.SUM)


@dataclass(frozen=True)
class AccuracyTarget:
    """The accuracy an analyst asks for: ±``half_width``, or ±``relative`` of ``expected``.

    ``aggregate`` names the count or sum it applies to (every count and sum by default).
    """

    half_width: float | None = None
    relative: float | None = None
    expected: float | None = None
    aggregate: str | None = None

    def __post_init__(self) -> None:
        if (self.half_width is None) == (self.relative is None):
            raise InvalidInput("give a target half-width or a relative target, not both")
        if self.relative is not None and not 0 < self.relative < 1:
            raise InvalidInput(f"a relative target is a fraction in (0, 1), got {self.relative!r}")
        if self.relative is not None and not self.expected:
            raise InvalidInput(
                f"a ±{self.relative:.0%} target is relative to the true value, which the gateway "
                "does not read (reading it would leak it); give expected=<the value you expect>, "
                "e.g. a public figure or the lower end of a cheap earlier answer's interval"
            )

    @property
    def absolute(self) -> float:
        """The half-width aimed at, in the aggregate's unit."""
        if self.half_width is not None:
            return float(self.half_width)
        assert self.relative is not None and self.expected is not None  # __post_init__
        return self.relative * abs(float(self.expected))


@dataclass(frozen=True)
class AggregateAccuracy:
    """One aggregate's expected 95% half-width (exact for counts and sums) or its parts'."""

    aggregate: str
    half_width: float | None
    parts: dict[str, float] = field(default_factory=dict)


def expected_accuracy(plan: QueryPlan, releases: ReleasePlan) -> list[AggregateAccuracy]:
    """The 95% half-width of every aggregate of ``plan`` under ``releases``, from metadata only."""
    return [
        _accuracy(plan, aggregate, release)
        for aggregate, release in zip(plan.aggregates, releases.releases, strict=True)
    ]


def budget_for_accuracy(
    plan: QueryPlan,
    target: float,
    costed: Callable[[int], PlanCost],
    *,
    aggregate: str | None = None,
    most: int,
) -> int:
    """The least budget in units whose plan gives ``aggregate`` a 95% half-width ≤ ``target``.

    ``costed(units)`` prices the plan at that many micro-ε (or micro-ρ). ``aggregate`` names a
    count or sum by its answer label (``count(*)``, ``sum(x)``); by default every count and sum
    of the query must reach the target. Refused when even ``most`` units fall short.
    """
    if not target > 0:
        raise InvalidInput(f"a target half-width is a number above 0, got {target!r}")
    wanted = _targeted(plan, aggregate)

    def reaches(units: int) -> bool:
        try:
            widths = expected_accuracy(plan, plan_releases(plan, costed(units)))
        except QueryRejected:  # too little budget for some aggregate of the query at all
            return False
        return all(_within(widths[i].half_width, target) for i in wanted)

    low, high = len(plan.aggregates) + 1, most
    if not reaches(high):
        raise QueryRejected(
            f"no budget up to {most / MICRO:g} gives a 95% half-width of ±{target:g}; "
            "ask for a wider target"
        )
    while low < high:
        middle = (low + high) // 2
        if reaches(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _targeted(plan: QueryPlan, aggregate: str | None) -> list[int]:
    """Indices of the aggregates a target applies to: the named one, or every count and sum."""
    labels = [label(a) for a in plan.aggregates]
    if aggregate is None:
        found = [i for i, a in enumerate(plan.aggregates) if a.kind in _EXACT_KINDS]
    else:
        found = [i for i, name in enumerate(labels) if name == aggregate]
    if not found:
        raise InvalidInput(
            f"a target accuracy needs a count or a sum of the query to aim at; it has "
            f"{', '.join(labels)}"
        )
    if any(plan.aggregates[i].kind not in _EXACT_KINDS for i in found):
        raise InvalidInput(
            f"{aggregate}: only a count's or a sum's half-width is known before the query runs; "
            "aim at one of those"
        )
    return found


def _within(half_width: float | None, target: float) -> bool:
    """Whether a count's or sum's half-width (never None for those) reaches ``target``."""
    return half_width is not None and half_width <= target


def _accuracy(plan: QueryPlan, aggregate: Aggregate, release: Release) -> AggregateAccuracy:
    """One aggregate's accuracy, in the declared unit of its column."""
    name = label(aggregate)
    unit = _unit(plan, aggregate.column)
    if isinstance(release, NoisyVectorRelease):
        divisor = 1 if aggregate.kind is not AggregateKind.SUM else unit
        return AggregateAccuracy(name, release.half_width() / divisor)
    if isinstance(release, VarianceRelease):
        mean = release.mean
        return AggregateAccuracy(
            name,
            None,
            {
                "count": mean.count.half_width(ALPHA / 3),
                "sum": mean.total.half_width(ALPHA / 3) / unit,
                "sum_of_squares": release.squares.half_width(ALPHA / 3) / unit**2,
            },
        )
    if isinstance(release, MeanRelease):
        parts = {
            "count": release.count.half_width(ALPHA / 2),
            "sum": release.total.half_width(ALPHA / 2) / unit,
        }
        return AggregateAccuracy(name, None, parts)
    if isinstance(release, QuantileRelease):
        return AggregateAccuracy(name, None, {"cumulative_count": release.cumulative_bound})
    raise InternalError(f"no accuracy for {name}; this is a bug")


def _unit(plan: QueryPlan, column: str | None) -> int:
    """The fixed-point scale of a column (1 for integers and counts)."""
    bounds = plan.table.bounds.get(column) if column else None
    return 1 if bounds is None else bounds.scale
