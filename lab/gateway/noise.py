"""Discrete Laplace (pure ε) or discrete Gaussian (ρ-zCDP) noise on integer aggregate vectors,
calibrated once from the contribution bound.

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
from lab.gateway.intervals import ALPHA, discrete_gaussian_half_width, discrete_laplace_half_width
from lab.gateway.metadata import Bounds
from lab.gateway.zcdp import Accounting, RhoCost

dp.enable_features("contrib")

_VECTOR_DOMAIN = dp.vector_domain(dp.atom_domain(T="i64"))
_L1 = dp.l1_distance(T="i64")
_L2 = dp.l2_distance(T="i64")
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

    It bounds the L2 sensitivity too (‖v‖₂ ≤ ‖v‖₁ for any vector), and each bound below is tight
    in L2 as well — all of a unit's rows in one group move one entry by the whole amount — so the
    discrete Gaussian is calibrated to the same number.
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
    """An OpenDP discrete Laplace (or discrete Gaussian) measurement on an integer vector, with
    its cost and intervals.

    Privacy: ``measurement.map(sensitivity.l1)`` = sensitivity/scale = ε for the Laplace, and
    sensitivity²/(2·scale²) = ρ for the Gaussian (OpenDP's map, rounded up); ``cost`` holds that
    value. Each entry of the output is its input plus independent noise.
    """

    measurement: dp.Measurement
    sensitivity: Sensitivity
    scale: float
    cost: PrivacyCost | RhoCost
    accounting: Accounting = Accounting.PURE

    def release(self, exact: Sequence[int]) -> list[int]:
        """Noisy copies of the saturated exact aggregates (one OpenDP call for the vector)."""
        return list(self.measurement([saturate(x) for x in exact]))

    def half_width(self, alpha: float = ALPHA) -> int:
        """The half-width h of a (1 − alpha) interval ``noisy ± h`` for one entry."""
        if self.accounting is Accounting.ZCDP:
            return discrete_gaussian_half_width(self.scale, alpha)
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


def make_count_release(
    max_rows: int, epsilon: Epsilon, accounting: Accounting = Accounting.PURE
) -> NoisyVectorRelease:
    """Noisy counts per group (or per histogram bin): ε-DP, or ρ-zCDP with ``epsilon`` = ρ."""
    return make_vector_release(Sensitivity.of_counts(max_rows), epsilon, accounting)


def make_sum_release(
    max_rows: int, bounds: Bounds, epsilon: Epsilon, accounting: Accounting = Accounting.PURE
) -> NoisyVectorRelease:
    """Noisy sums per group of a column clamped to ``bounds`` (ε-DP, or ρ-zCDP)."""
    return make_vector_release(Sensitivity.of_sums(max_rows, bounds), epsilon, accounting)


def make_sum_of_squares_release(
    max_rows: int, bounds: Bounds, epsilon: Epsilon, accounting: Accounting = Accounting.PURE
) -> NoisyVectorRelease:
    """Noisy sums of squares per group of a column clamped to ``bounds`` (ε-DP, or ρ-zCDP)."""
    sensitivity = Sensitivity.of_sums_of_squares(max_rows, bounds)
    return make_vector_release(sensitivity, epsilon, accounting)


def make_vector_release(
    sensitivity: Sensitivity, epsilon: Epsilon, accounting: Accounting = Accounting.PURE
) -> NoisyVectorRelease:
    """The discrete Laplace mechanism at scale = sensitivity/ε, checked against OpenDP's map —
    or, under zCDP (``epsilon`` is then ρ), the discrete Gaussian (``make_gaussian_release``).

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
    if accounting is Accounting.ZCDP:
        return _calibrated_gaussian(sensitivity, epsilon)
    return _calibrated_release(sensitivity, epsilon)


def make_gaussian_release(sensitivity: Sensitivity, rho: Epsilon) -> NoisyVectorRelease:
    """The discrete Gaussian mechanism at scale σ = sensitivity/√(2ρ), checked against OpenDP.

    Proof: for integer vectors at L2 distance ≤ Δ, adding independent discrete Gaussian noise
    N_Z(0, σ²) to each entry is (Δ²/(2σ²))-zCDP (Canonne, Kamath & Steinke 2020, Thm 14; OpenDP
    ``make_gaussian``). With σ = Δ/√(2ρ) this is ρ; if OpenDP's rounded-up map exceeds ρ —
    compared as exact rationals — σ steps up one ulp at a time. Δ is the L1 bound, which
    bounds L2 (``Sensitivity``).
    """
    return make_vector_release(sensitivity, rho, Accounting.ZCDP)


@functools.lru_cache(maxsize=512)
def _calibrated_gaussian(sensitivity: Sensitivity, rho: Fraction) -> NoisyVectorRelease:
    """``make_gaussian_release`` after its checks, kept per (sensitivity, ρ)."""
    scale = sensitivity.l1 / math.sqrt(2.0 * float(rho))
    for _ in range(_MAX_SCALE_STEPS):
        measurement = dp.m.make_gaussian(_VECTOR_DOMAIN, _L2, scale=scale)
        spent = measurement.map(sensitivity.l1)
        if Fraction(spent) <= rho:
            return NoisyVectorRelease(
                measurement, sensitivity, scale, RhoCost(spent), Accounting.ZCDP
            )
        scale = math.nextafter(scale, math.inf)
    raise InternalError("could not calibrate the discrete Gaussian scale to the budget")


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
