"""A query's releases, built from its plan before anything is reserved, and applied after.

Privacy argument of this step (DESIGN §4): after the reservation, nothing that depends on the data
may change what the analyst sees except the noisy values. So everything that *can* fail is done
here first, from the plan and the requested ε/δ alone — a failure is then a free ``QueryRejected``
that says nothing about the data:

* the cost, in exact budget units (``accounting.Spend``, or ``zcdp.RhoSpend`` for a project under
  ρ-zCDP), split into one share per aggregate and one for partition selection;
* every measurement (``noise``, ``mechanisms``) calibrated to its share, including partition
  selection's threshold;
* the refusal of hopeless releases: a column's bounds whose per-unit contribution does not fit a
  64-bit integer, and a noise scale above ``noise.MAX_SCALE`` (e.g. VARIANCE of a money column
  in 元 at ε = 0.5). The message says which ε, or which bounds, would work.

What runs after the reservation (``release_answer``) is total: exact aggregates are saturated into
a fixed range before noise (``noise.saturate``), the statistics are float arithmetic on noisy
integers that cannot raise, and group keys are made JSON-safe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

import pyarrow as pa

from lab.errors import InternalError
from lab.gateway.accounting import MICRO, Spend
from lab.gateway.domains import outside_note
from lab.gateway.errors import QueryRejected
from lab.gateway.fixed_point import in_declared_unit
from lab.gateway.intervals import Estimate
from lab.gateway.mechanisms import (
    MeanRelease,
    PartitionSelection,
    QuantileRelease,
    VarianceRelease,
    make_mean_release,
    make_partition_selection,
    make_quantile_release,
    make_variance_release,
)
from lab.gateway.metadata import Bounds
from lab.gateway.noise import (
    I64_MAX,
    MAX_SCALE,
    NoisyVectorRelease,
    make_count_release,
    make_sum_release,
)
from lab.gateway.planner import BINS
from lab.gateway.query import Aggregate, AggregateKind, QueryPlan
from lab.gateway.zcdp import Accounting, RhoSpend

Release = NoisyVectorRelease | MeanRelease | VarianceRelease | QuantileRelease
_Kind = TypeVar("_Kind", NoisyVectorRelease, MeanRelease, VarianceRelease, QuantileRelease)


@dataclass(frozen=True)
class PlanCost:
    """A plan's total charge and its shares: one per aggregate, and partition selection's.

    Under pure-ε accounting they are ``Spend``s (micro-ε, pico-δ); under ρ-zCDP ``RhoSpend``s.
    """

    total: Spend | RhoSpend
    aggregates: tuple[Spend | RhoSpend, ...]
    selection: Spend | None

    @property
    def accounting(self) -> Accounting:
        """Pure ε or ρ-zCDP, as the shares are."""
        return Accounting.ZCDP if isinstance(self.total, RhoSpend) else Accounting.PURE


@dataclass(frozen=True, eq=False)
class ReleasePlan:
    """Everything a query releases, ready before the reservation: cost and measurements."""

    cost: PlanCost
    releases: tuple[Release, ...]
    selection: PartitionSelection | None


def plan_cost(plan: QueryPlan, epsilon: float, delta: float = 0.0) -> PlanCost:
    """What ``plan`` costs and how it is shared, known before any data is read.

    ε and δ are refused below one budget unit (``accounting``). δ is spent only when a group key
    needs partition selection; a pure-ε plan costs δ = 0 whatever ``delta`` says.
    """
    requested = Spend.requested(epsilon, delta)
    pure = Spend(requested.epsilon_micro)
    if not plan.needs_partition_selection:
        return PlanCost(pure, pure.split(len(plan.aggregates)), None)
    *shares, selection = pure.split(len(plan.aggregates) + 1)
    return PlanCost(requested, tuple(shares), Spend(selection.epsilon_micro, requested.delta_pico))


def plan_zcdp_cost(plan: QueryPlan, rho: float) -> PlanCost:
    """What ``plan`` costs in ρ-zCDP, split equally (whole micro-ρ) between its aggregates.

    Partition selection is (ε, δ)-DP with no ρ; a plan that needs it is refused here, free.
    """
    if plan.needs_partition_selection:
        raise QueryRejected(
            "a group key without a public code list needs DP partition selection, which runs "
            "only under pure-ε accounting; group by keys with a public domain in this project"
        )
    requested = RhoSpend.requested(rho)
    return PlanCost(requested, requested.split(len(plan.aggregates)), None)


def plan_releases(plan: QueryPlan, cost: PlanCost) -> ReleasePlan:
    """Every measurement of ``plan`` at its share of ``cost``; QueryRejected if one is hopeless."""
    releases = tuple(
        _release(plan, aggregate, share, cost.total)
        for aggregate, share in zip(plan.aggregates, cost.aggregates, strict=True)
    )
    selection = None
    if cost.selection is not None:
        rows = plan.table.max_rows_per_unit
        selection = make_partition_selection(rows, cost.selection.epsilon, cost.selection.delta)
    return ReleasePlan(cost, releases, selection)


def _release(
    plan: QueryPlan, aggregate: Aggregate, share: Spend | RhoSpend, total: Spend | RhoSpend
) -> Release:
    """The release of one aggregate, after the checks that make it feasible."""
    rows, kind, column = plan.table.max_rows_per_unit, aggregate.kind, aggregate.column
    accounting, epsilon = _amount(share)
    bounds = plan.table.bounds.get(column) if column else None
    if bounds is not None:
        _check_contribution(aggregate, rows, _largest(bounds), 1)
        if _squares(kind):
            _check_contribution(aggregate, rows, _largest(bounds), 2)
    release: Release
    if kind in (AggregateKind.COUNT_ROWS, AggregateKind.COUNT):
        release = make_count_release(rows, epsilon, accounting)
    elif kind is AggregateKind.SUM:
        release = make_sum_release(rows, _bounded(bounds), epsilon, accounting)
    elif kind is AggregateKind.AVG:
        release = make_mean_release(rows, _bounded(bounds), epsilon, accounting)
    elif _squares(kind):
        release = make_variance_release(rows, _bounded(bounds), epsilon, accounting)
    else:
        release = make_quantile_release(rows, _bounded(bounds), BINS, epsilon, accounting)
    for vector, power in _vectors(release, kind):
        _check_scale(aggregate, vector, power, total, bounds)
    return release


def _bounded(bounds: Bounds | None) -> Bounds:
    """The bounds of a summed column (the planner admits only bounded ones)."""
    if bounds is None:
        raise InternalError("an aggregate over values reached release without bounds; a bug")
    return bounds


def _of_kind(release: Release, kind: type[_Kind]) -> _Kind:
    """``release`` as the mechanism its aggregate's kind was given (``_release``)."""
    if not isinstance(release, kind):
        raise InternalError("a release does not match its aggregate's kind; this is a bug")
    return release


def _amount(share: Spend | RhoSpend) -> tuple[Accounting, Fraction]:
    """A share's accounting and its ε (or ρ) as an exact rational."""
    if isinstance(share, RhoSpend):
        return Accounting.ZCDP, share.rho
    return Accounting.PURE, share.epsilon


def _squares(kind: AggregateKind) -> bool:
    """Whether the aggregate sums squared values (variance and standard deviation)."""
    return kind in (AggregateKind.VARIANCE, AggregateKind.STDDEV)


def _largest(bounds: Bounds) -> int:
    """The largest absolute value a clamped value can take."""
    return max(abs(bounds.lo), abs(bounds.hi))


def _vectors(release: Release, kind: AggregateKind) -> list[tuple[NoisyVectorRelease, int]]:
    """The noisy vectors of a release, each with the power of the value it sums (0: counts)."""
    if isinstance(release, VarianceRelease):
        return [(release.mean.count, 0), (release.mean.total, 1), (release.squares, 2)]
    if isinstance(release, MeanRelease):
        return [(release.count, 0), (release.total, 1)]
    if isinstance(release, QuantileRelease):
        return [(release.histogram, 0)]
    return [(release, 1 if kind is AggregateKind.SUM else 0)]


def _check_contribution(aggregate: Aggregate, max_rows: int, largest: int, power: int) -> None:
    """Refuse when one unit's largest contribution, max_rows·|bound|^power, exceeds 2⁶³ − 1.

    OpenDP measures the distance between neighbouring aggregates in i64; beyond it no ε helps.
    """
    if max_rows * largest**power <= I64_MAX:
        return
    fits = math.isqrt(I64_MAX // max_rows) if power == 2 else I64_MAX // max_rows
    raise QueryRejected(
        f"{label(aggregate)}: one privacy unit can move it by {max_rows * largest**power:.3g}, "
        f'more than a 64-bit integer holds, at any ε; it needs bounds on "{aggregate.column}" '
        f"within ±{fits} (at {max_rows} rows per unit) — ask the data steward"
    )


def _check_scale(
    aggregate: Aggregate,
    vector: NoisyVectorRelease,
    power: int,
    total: Spend | RhoSpend,
    bounds: Bounds | None,
) -> None:
    """Refuse a release whose noise scale exceeds ``MAX_SCALE``: no answer could carry it.

    The scale is Δ/ε for the Laplace and Δ/√(2ρ) for the Gaussian, so the ε that fits grows
    with the ratio and the ρ with its square.
    """
    if vector.scale <= MAX_SCALE:
        return
    ratio = vector.scale / MAX_SCALE
    zcdp = isinstance(total, RhoSpend)
    if isinstance(total, RhoSpend):
        name, units = "ρ", total.rho_micro
    else:
        name, units = "ε", total.epsilon_micro
    needed = _round_up(units * (ratio**2 if zcdp else ratio) / MICRO)
    advice = f"ask for {name} ≥ {needed:.3g}"
    if power and bounds is not None:
        within = _largest(bounds) / ratio ** (1 / power)
        advice += f', or for bounds on "{aggregate.column}" within ±{math.floor(within):.3g}'
    raise QueryRejected(
        f"{label(aggregate)} at {name} = {units / MICRO:g} would need noise of scale "
        f"{vector.scale:.3g}, more than the {MAX_SCALE:.3g} an answer can carry; {advice}"
    )


def _round_up(value: float) -> float:
    """``value`` rounded up to three significant digits."""
    digits = 2 - math.floor(math.log10(value))
    factor = float(10**digits)
    return math.ceil(value * factor) / factor


def release_answer(plan: QueryPlan, exact: pa.Table, releases: ReleasePlan) -> dict[str, Any]:
    """Noise every aggregate of the exact per-group table; rows of keys, values and intervals,
    and notes on the keys with a public domain (values outside it are in no group).

    Total: given any exact table the plan's statement can return, it returns an answer.
    """
    keys = [k.column for k in plan.group_keys]
    groups = [_json_safe(row) for row in exact.select(keys).to_pylist()] if keys else [{}]
    columns = list(keys)
    for aggregate, release in zip(plan.aggregates, releases.releases, strict=True):
        name = label(aggregate)
        columns += [name, f"{name}_low", f"{name}_high"]
        if not groups:  # partition selection released no group: nothing to noise
            continue
        for group, stored in zip(groups, _estimates(aggregate, release, exact), strict=True):
            estimate = in_declared_unit(stored, aggregate, plan.table)  # fixed-point columns
            group.update(
                {name: estimate.value, f"{name}_low": estimate.low, f"{name}_high": estimate.high}
            )
    notes = [outside_note(k.column, k.generated) for k in plan.group_keys if k.public_domain]
    return {"columns": columns, "rows": groups, "notes": notes}


def label(aggregate: Aggregate) -> str:
    """The answer's name of an aggregate, e.g. ``sum(x)`` or ``quantile(x)@0.9``."""
    if aggregate.kind is AggregateKind.COUNT_ROWS:
        return "count(*)"
    suffix = f"@{aggregate.quantile}" if aggregate.kind is AggregateKind.QUANTILE else ""
    return f"{aggregate.kind.value.lower()}({aggregate.column}){suffix}"


def _json_safe(row: dict[str, Any]) -> dict[str, Any]:
    """A group's keys as JSON can carry them: text, whole numbers, finite floats, or their text."""
    return {name: _json_value(value) for name, value in row.items()}


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return str(value)


def _ints(table: pa.Table, name: str) -> list[int]:
    """A measure column as Python integers (HUGEINT sums arrive as decimals; NULL is 0)."""
    return [int(v or 0) for v in table.column(name).to_pylist()]


def _estimates(aggregate: Aggregate, release: Release, exact: pa.Table) -> Sequence[Estimate]:
    """The released estimates of one aggregate, one per group of ``exact``."""
    kind, column = aggregate.kind, aggregate.column
    if kind is AggregateKind.COUNT_ROWS:
        return _vector(_of_kind(release, NoisyVectorRelease), _ints(exact, "rows"))
    if kind is AggregateKind.COUNT:
        return _vector(_of_kind(release, NoisyVectorRelease), _ints(exact, f"count:{column}"))
    if kind is AggregateKind.SUM:
        return _vector(_of_kind(release, NoisyVectorRelease), _ints(exact, f"sum:{column}"))
    if kind is AggregateKind.AVG:
        mean = _of_kind(release, MeanRelease)
        return mean.release(_ints(exact, f"count:{column}"), _ints(exact, f"sum:{column}"))
    if _squares(kind):
        variances = _of_kind(release, VarianceRelease).release(
            _ints(exact, f"count:{column}"),
            _ints(exact, f"sum:{column}"),
            _ints(exact, f"sum_squares:{column}"),
        )
        return [v.square_root() for v in variances] if kind is AggregateKind.STDDEV else variances
    histograms = exact.column(f"histogram:{column}").to_pylist()
    quantiles, q = _of_kind(release, QuantileRelease), aggregate.quantile
    if q is None:
        raise InternalError("a quantile aggregate without its quantile; this is a bug")
    return [quantiles.release(h, [q])[0] for h in histograms]


def _vector(release: NoisyVectorRelease, exact: list[int]) -> list[Estimate]:
    noisy = release.release(exact)
    return [Estimate(float(n), *map(float, release.interval95(n))) for n in noisy]
