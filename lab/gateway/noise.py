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

import opendp.prelude as dp

from lab.errors import InternalError, InvalidInput
from lab.gateway.accounting import PrivacyCost
from lab.gateway.intervals import ALPHA, discrete_laplace_half_width
from lab.gateway.metadata import Bounds

dp.enable_features("contrib")

_VECTOR_DOMAIN = dp.vector_domain(dp.atom_domain(T="i64"))
_L1 = dp.l1_distance(T="i64")
_MAX_SCALE_STEPS = 16


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
        """Noisy copies of the exact aggregates (one OpenDP call for the whole vector)."""
        return list(self.measurement([int(x) for x in exact]))

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


def make_count_release(max_rows: int, epsilon: float) -> NoisyVectorRelease:
    """ε-DP noisy counts per group (or per histogram bin)."""
    return make_vector_release(Sensitivity.of_counts(max_rows), epsilon)


def make_sum_release(max_rows: int, bounds: Bounds, epsilon: float) -> NoisyVectorRelease:
    """ε-DP noisy sums per group of a column clamped to ``bounds``."""
    return make_vector_release(Sensitivity.of_sums(max_rows, bounds), epsilon)


def make_sum_of_squares_release(
    max_rows: int, bounds: Bounds, epsilon: float
) -> NoisyVectorRelease:
    """ε-DP noisy sums of squares per group of a column clamped to ``bounds``."""
    return make_vector_release(Sensitivity.of_sums_of_squares(max_rows, bounds), epsilon)


def make_vector_release(sensitivity: Sensitivity, epsilon: float) -> NoisyVectorRelease:
    """The discrete Laplace mechanism at scale = sensitivity/ε, checked against OpenDP's map.

    Proof: for integer vectors at L1 distance ≤ Δ, discrete Laplace noise of scale s is
    (Δ/s)-DP (Canonne, Kamath & Steinke 2020; OpenDP ``make_laplace``). With s = Δ/ε this is ε;
    if OpenDP's rounded-up map exceeds ε, the scale steps up one float ulp at a time.
    """
    epsilon = PrivacyCost(epsilon).epsilon
    if epsilon == 0:
        raise InvalidInput("epsilon must be above 0 for a release")
    return _calibrated_release(sensitivity, epsilon)


@functools.lru_cache(maxsize=512)
def _calibrated_release(sensitivity: Sensitivity, epsilon: float) -> NoisyVectorRelease:
    """``make_vector_release`` after its checks, kept per (sensitivity, ε).

    A measurement holds no state between calls (each draws fresh noise), so one built for a
    (sensitivity, ε) pair serves every later release at that pair; building and checking it
    through OpenDP costs about a millisecond per vector.
    """
    scale = sensitivity.l1 / epsilon
    for _ in range(_MAX_SCALE_STEPS):
        measurement = dp.m.make_laplace(_VECTOR_DOMAIN, _L1, scale=scale)
        spent = measurement.map(sensitivity.l1)
        if spent <= epsilon:
            return NoisyVectorRelease(measurement, sensitivity, scale, PrivacyCost(spent))
        scale = math.nextafter(scale, math.inf)
    raise InternalError("could not calibrate the discrete Laplace scale to the budget")


def _checked_max_rows(max_rows: int) -> int:
    """``max_rows`` if it is a whole number ≥ 1."""
    if not (isinstance(max_rows, int) and max_rows >= 1):
        raise InvalidInput(f"max_rows must be a whole number ≥ 1, got {max_rows!r}")
    return max_rows
