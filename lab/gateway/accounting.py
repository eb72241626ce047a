"""Privacy costs and their arithmetic: what a release spends, shown to users as (ε, δ).

Every gateway mechanism is pure ε-DP (discrete Laplace) except partition selection, which is
(ε, δ)-DP. Costs compose by basic sequential composition: the ε's add and the δ's add
(Dwork & Roth 2014, Thm 3.16). A plan's cost is the sum of its releases' costs, known from metadata
before any data is touched. Sums round *up* and splits round *down*, so float rounding never lets
a plan spend more than its budget.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from lab.errors import InvalidInput


@dataclass(frozen=True)
class PrivacyCost:
    """An (ε, δ) privacy cost; δ = 0 means pure ε-DP."""

    epsilon: float
    delta: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.epsilon) and self.epsilon >= 0):
            raise InvalidInput(f"epsilon must be a finite number ≥ 0, got {self.epsilon!r}")
        if not (math.isfinite(self.delta) and 0 <= self.delta < 1):
            raise InvalidInput(f"delta must be in [0, 1), got {self.delta!r}")

    def __add__(self, other: PrivacyCost) -> PrivacyCost:
        """Basic sequential composition of two releases on the same data."""
        return total_cost((self, other))

    def fits_within(self, budget: PrivacyCost) -> bool:
        """Whether spending this cost stays within ``budget`` in both ε and δ."""
        return self.epsilon <= budget.epsilon and self.delta <= budget.delta


def total_cost(costs: Iterable[PrivacyCost]) -> PrivacyCost:
    """The cost of running all ``costs`` on the same data (basic composition, rounded up)."""
    costs = tuple(costs)
    return PrivacyCost(
        _sum_rounded_up(c.epsilon for c in costs), _sum_rounded_up(c.delta for c in costs)
    )


def split_budget(total: PrivacyCost, parts: int) -> tuple[PrivacyCost, ...]:
    """Split ``total`` into ``parts`` equal costs whose composition never exceeds ``total``."""
    if not (isinstance(parts, int) and parts >= 1):
        raise InvalidInput(f"a budget splits into a whole number ≥ 1 of parts, got {parts!r}")
    share = PrivacyCost(
        _share_rounded_down(total.epsilon, parts), _share_rounded_down(total.delta, parts)
    )
    return (share,) * parts


def _sum_rounded_up(values: Iterable[float]) -> float:
    """The float sum of ``values``, never below their exact real sum."""
    values = tuple(values)
    rounded = math.fsum(values)
    if Fraction(rounded) < sum(map(Fraction, values)):
        return math.nextafter(rounded, math.inf)
    return rounded


def _share_rounded_down(total: float, parts: int) -> float:
    """The largest float share whose ``parts``-fold sum (rounded up) stays within ``total``."""
    share = total / parts
    while share > 0 and _sum_rounded_up((share,) * parts) > total:
        share = math.nextafter(share, 0.0)
    return share
