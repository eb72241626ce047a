"""Discrete Laplace noise on integer aggregate vectors, calibrated once from the contribution bound.

Contribution model (what the engine guarantees, DESIGN §4): after truncation at ingest, one privacy
unit contributes at most ``max_rows`` rows in total, across all groups, and every bounded value is
clamped to integer bounds [lo, hi]. Neighbouring datasets differ by adding or removing one unit.

Every noisy value comes from an OpenDP sampler built here; nothing adds float noise by hand. A
measurement is built once per (sensitivity, ε) and kept, and its scale comes from the bound in
closed form, never from a search over data.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import opendp.prelude as dp

from lab.errors import InternalError, InvalidInput
from lab.gateway.accounting import PrivacyCost, exact
from lab.gateway.intervals import ALPHA, discrete_laplace_half_width
from lab.gateway.metadata import Bounds

dp.enable_features("contrib")

_VECTOR_DOMAIN = dp.vector_domain(dp.atom_domain(T="i64"))
_L1 = dp.l1_distance(T="i64")
_MAX_SCALE_STEPS = 16
I64_MAX = 2**63 - 1
SATURATION = 2**62
"""Exact aggregates are saturated into [−SATURATION, SATURATION] before noise (see ``saturate``)."""
MAX_SCALE = 2**53
"""The largest noise scale a release may have (about 9.0e15): its 95% noise then stays below
3.4e16, so a released integer, its interval and OpenDP's i64 arithmetic keep every unit, and the
saturated aggregate plus noise never reaches the i64 limit in practice (that needs noise beyond
512 scales, probability below e⁻⁵¹²). A larger scale is refused at planning, free."""
Epsilon = float | Fraction


@dataclass(frozen=True)
class Sensitivity:
    """The L1 sensitivity of an integer aggregate vector under adding or removing one unit.

    Under this pure-DP design only L1 matters; L2 ≤ L1 would bound a Gaussian mechanism.
    """

    l1: int

    def __post_init__(self) -> None:
        if not (isinstance(self.l1, int) and self.l1 >= 1):
            raise InvalidInput(f"a sensitivity is a whole number ≥ 1, got {self.l1!r}")

    @classmethod
    def of_counts(cls, max_rows: int) -> Sensitivity:
        """Row counts per group (also histogram bin counts).

        Proof: each row adds 1 to exactly one entry, and a unit has ≤ max_rows rows, so the
        vector moves by ≤ max_rows in L1 (tight: all rows in one group).
        """
        return cls(_checked_max_rows(max_rows))

    @classmethod
    def of_sums(cls, max_rows: int, bounds: Bounds) -> Sensitivity:
        """Sums per group of a column clamped to ``bounds``.

        Proof: each row adds a value v ∈ [lo, hi] to one entry, |v| ≤ max(|lo|, |hi|), and a unit
        has ≤ max_rows rows, so L1 ≤ max_rows·max(|lo|, |hi|) (tight: all rows at the far bound).
        """
        return cls(_checked_max_rows(max_rows) * max(abs(bounds.lo), abs(bounds.hi)))

    @classmethod
    def of_sums_of_squares(cls, max_rows: int, bounds: Bounds) -> Sensitivity:
        """Sums of squares per group of a column clamped to ``bounds``.

        Proof: as for sums, with v² ∈ [0, max(lo², hi²)].
        """
        return cls(_checked_max_rows(max_rows) * max(bounds.lo**2, bounds.hi**2))


@dataclass(frozen=True, eq=False)
class NoisyVectorRelease:
    """An OpenDP discrete Laplace measurement on an integer vector, with its cost and intervals.

    Privacy: ``measurement.map(sensitivity.l1)`` = sensitivity/scale = ε (OpenDP's map, rounded
    up); ``cost`` holds that value. Each entry of the output is its input plus independent noise.
    """

    measurement: dp.Measurement
    sensitivity: Sensitivity
    scale: float
    cost: PrivacyCost

    def release(self, exact: Sequence[int]) -> list[int]:
        """Noisy copies of the saturated exact aggregates (one OpenDP call for the vector)."""
        return list(self.measurement([saturate(x) for x in exact]))

    def half_width(self, alpha: float = ALPHA) -> int:
        """The half-width h of a (1 − alpha) interval ``noisy ± h`` for one entry."""
        return discrete_laplace_half_width(self.scale, alpha)

    def interval(self, noisy: int, alpha: float = ALPHA) -> tuple[int, int]:
        """The (1 − alpha) confidence interval ``noisy ± h`` of one released entry."""
        h = self.half_width(alpha)
        return noisy - h, noisy + h

    def interval95(self, noisy: int) -> tuple[int, int]:
        """The 95% confidence interval of one released entry."""
        return self.interval(noisy)


def saturate(exact: int) -> int:
    """An exact aggregate moved into [−SATURATION, SATURATION], a range fixed in advance.

    Proof that this keeps the mechanism's ε: x ↦ min(max(x, −S), S) is 1-Lipschitz, so two
    vectors at L1 distance ≤ Δ stay at distance ≤ Δ after it, and the noise calibrated to Δ
    covers them; the range does not depend on data. It makes the step total: an exact sum of
    any size (DuckDB sums in HUGEINT) reaches OpenDP as an i64, so no data can make it raise.
    """
    return min(max(int(exact), -SATURATION), SATURATION)


def make_count_release(max_rows: int, epsilon: Epsilon) -> NoisyVectorRelease:
    """ε-DP noisy counts per group (or per histogram bin)."""
    return make_vector_release(Sensitivity.of_counts(max_rows), epsilon)


def make_sum_release(max_rows: int, bounds: Bounds, epsilon: Epsilon) -> NoisyVectorRelease:
    """ε-DP noisy sums per group of a column clamped to ``bounds``."""
    return make_vector_release(Sensitivity.of_sums(max_rows, bounds), epsilon)


def make_sum_of_squares_release(
    max_rows: int, bounds: Bounds, epsilon: Epsilon
) -> NoisyVectorRelease:
    """ε-DP noisy sums of squares per group of a column clamped to ``bounds``."""
    return make_vector_release(Sensitivity.of_sums_of_squares(max_rows, bounds), epsilon)


def make_vector_release(sensitivity: Sensitivity, epsilon: Epsilon) -> NoisyVectorRelease:
    """The discrete Laplace mechanism at scale = sensitivity/ε, checked against OpenDP's map.

    Proof: for integer vectors at L1 distance ≤ Δ, discrete Laplace noise of scale s is
    (Δ/s)-DP (Canonne, Kamath & Steinke 2020; OpenDP ``make_laplace``). With s = Δ/ε this is ε;
    if OpenDP's rounded-up map exceeds ε — compared as exact rationals, so a share given in
    budget units is never overspent by float rounding — the scale steps up one ulp at a time.
    A sensitivity OpenDP's i64 distance cannot hold is a caller error (planning refuses it).
    """
    epsilon = exact(epsilon)
    if epsilon == 0:
        raise InvalidInput("epsilon must be above 0 for a release")
    if sensitivity.l1 > I64_MAX:
        raise InvalidInput(f"a sensitivity of {sensitivity.l1} does not fit a 64-bit integer")
    return _calibrated_release(sensitivity, epsilon)


@functools.lru_cache(maxsize=512)
def _calibrated_release(sensitivity: Sensitivity, epsilon: Fraction) -> NoisyVectorRelease:
    """``make_vector_release`` after its checks, kept per (sensitivity, ε).

    A measurement holds no state between calls (each draws fresh noise), so one built for a
    (sensitivity, ε) pair serves every later release at that pair; building and checking it
    through OpenDP costs about a millisecond per vector.
    """
    scale = float(sensitivity.l1 / epsilon)
    for _ in range(_MAX_SCALE_STEPS):
        measurement = dp.m.make_laplace(_VECTOR_DOMAIN, _L1, scale=scale)
        spent = measurement.map(sensitivity.l1)
        if Fraction(spent) <= epsilon:
            return NoisyVectorRelease(measurement, sensitivity, scale, PrivacyCost(spent))
        scale = math.nextafter(scale, math.inf)
    raise InternalError("could not calibrate the discrete Laplace scale to the budget")


def _checked_max_rows(max_rows: int) -> int:
    """``max_rows`` if it is a whole number ≥ 1."""
    if not (isinstance(max_rows, int) and max_rows >= 1):
        raise InvalidInput(f"max_rows must be a whole number ≥ 1, got {max_rows!r}")
    return max_rows
