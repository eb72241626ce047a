"""Privacy costs and their arithmetic: exact budget units, and what a release spends as (ε, δ).

Units: every budget and every charge is a whole number of micro-ε (10⁻⁶ ε) and pico-δ (10⁻¹² δ),
so budget arithmetic is exact from the request to the ledger. ``epsilon_units`` and
``delta_units`` turn a requested float into units; a positive value below one unit (ε = 4e-13,
δ = 1e-16), or a NaN, infinite or negative one, is refused as a caller error before anything is
reserved — a float that rounds to zero must never pass a budget check. A plan's ``Spend`` splits
into shares by integer division, so its shares never compose above it, and each mechanism is
calibrated so that OpenDP's own privacy map, compared as an exact rational, stays within its share.

Every gateway mechanism is pure ε-DP (discrete Laplace) except partition selection, which is
(ε, δ)-DP. Costs compose by basic sequential composition: the ε's add and the δ's add
(Dwork & Roth 2014, Thm 3.16). ``PrivacyCost`` holds what OpenDP's maps report (floats); its sums
round *up*, so float rounding never under-reports a composition.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from lab.errors import InvalidInput

MICRO = 1_000_000
PICO = 1_000_000_000_000


def epsilon_units(epsilon: float) -> int:
    """ε as whole micro-ε (nearest unit); refuses anything not a finite ε of at least 1e-06."""
    if not (isinstance(epsilon, int | float) and math.isfinite(epsilon) and epsilon > 0):
        raise InvalidInput(f"ε must be a finite number above 0, got {epsilon!r}")
    if epsilon < 1 / MICRO:
        raise InvalidInput(
            f"ε must be at least 1e-06 (one micro-ε, the budget unit), got {epsilon!r}"
        )
    return round(Fraction(epsilon) * MICRO)


def delta_units(delta: float) -> int:
    """δ as whole pico-δ (nearest unit), 0 for pure ε-DP; refuses a δ below 1e-12 but above 0."""
    if not (isinstance(delta, int | float) and math.isfinite(delta) and 0 <= delta < 1):
        raise InvalidInput(f"δ must be a number in [0, 1), got {delta!r}")
    if 0 < delta < 1 / PICO:
        raise InvalidInput(
            f"δ must be 0 or at least 1e-12 (one pico-δ, the budget unit), got {delta!r}"
        )
    return round(Fraction(delta) * PICO)


def exact(value: float | Fraction, name: str = "ε") -> Fraction:
    """A finite, non-negative ε or δ as an exact rational (a float converts without rounding)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(f"{name} must be a finite number, got {value!r}")
    rational = Fraction(value)
    if rational < 0:
        raise InvalidInput(f"{name} must be ≥ 0, got {value!r}")
    return rational


@dataclass(frozen=True)
class Spend:
    """An exact (ε, δ) charge in budget units: micro-ε and pico-δ."""

    epsilon_micro: int
    delta_pico: int = 0

    def __post_init__(self) -> None:
        if not all(isinstance(u, int) and u >= 0 for u in (self.epsilon_micro, self.delta_pico)):
            raise InvalidInput("a spend is a whole number ≥ 0 of micro-ε and of pico-δ")

    @classmethod
    def requested(cls, epsilon: float, delta: float = 0.0) -> Spend:
        """The spend an analyst asks for, refused if it is not a whole number of units ≥ 1."""
        return cls(epsilon_units(epsilon), delta_units(delta))

    @property
    def epsilon(self) -> Fraction:
        """ε as an exact rational."""
        return Fraction(self.epsilon_micro, MICRO)

    @property
    def delta(self) -> Fraction:
        """δ as an exact rational."""
        return Fraction(self.delta_pico, PICO)

    def shown(self) -> PrivacyCost:
        """This spend as users see it: (ε, δ) as numbers."""
        return PrivacyCost(self.epsilon_micro / MICRO, self.delta_pico / PICO)

    def split(self, parts: int) -> tuple[Spend, ...]:
        """``parts`` equal shares, rounded down to whole units, so they never compose above this.

        A share of zero units (ε split too finely) is refused: it could release nothing.
        """
        share = Spend(share_units(self.epsilon_micro, parts, "ε"), self.delta_pico // parts)
        return (share,) * parts


def share_units(units: int, parts: int, name: str) -> int:
    """One of ``parts`` equal shares of ``units`` micro-ε (or micro-ρ), rounded down so the
    shares never compose above the whole; a share of zero units is refused."""
    if not (isinstance(parts, int) and parts >= 1):
        raise InvalidInput(f"a budget splits into a whole number ≥ 1 of parts, got {parts!r}")
    if units // parts == 0:
        raise InvalidInput(
            f"{name} = {units / MICRO} cannot be shared by {parts} releases "
            f"at one micro-{name} each; ask for at least {parts / MICRO}"
        )
    return units // parts


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
        sum_rounded_up(c.epsilon for c in costs), sum_rounded_up(c.delta for c in costs)
    )


def sum_rounded_up(values: Iterable[float]) -> float:
    """The float sum of ``values``, never below their exact real sum."""
    values = tuple(values)
    rounded = math.fsum(values)
    if Fraction(rounded) < sum(map(Fraction, values)):
        return math.nextafter(rounded, math.inf)
    return rounded
