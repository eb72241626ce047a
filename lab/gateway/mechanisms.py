"""Derived DP statistics (mean, variance, quantile) and partition selection, built on ``noise``.

Mean, variance and quantile are post-processing of discrete-Laplace-noised (or, under ρ-zCDP,
discrete-Gaussian-noised) integer vectors, so each costs exactly the composition of the vectors it
noises (their ε's add, or their ρ's; ``accounting``, ``zcdp``); a statistic's ε or ρ is split
between its vectors as exact rationals. Mean and variance intervals combine
the base intervals by a union bound; the quantile interval comes from a simultaneous bound on the
noisy cumulative histogram (``intervals``). Partition selection releases group keys without a
public domain and is (ε, δ)-DP.

Everything after the noise is arithmetic on finite floats of noisy integers (|x| ≤ 2⁶³) with
denominators ≥ 1, so no released value can make it raise or produce NaN or infinity.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import opendp.prelude as dp

from lab.errors import InternalError, InvalidInput
from lab.gateway.accounting import PrivacyCost, exact
from lab.gateway.intervals import (
    ALPHA,
    Estimate,
    cumulative_noise_bound,
    gaussian_cumulative_noise_bound,
    quantile_bin_range,
    ratio_interval,
)
from lab.gateway.metadata import Bounds
from lab.gateway.noise import (
    Epsilon,
    NoisyVectorRelease,
    make_count_release,
    make_sum_of_squares_release,
    make_sum_release,
    saturate,
)
from lab.gateway.zcdp import Accounting, RhoCost

dp.enable_features("contrib")


def _composed(first: PrivacyCost | RhoCost, second: PrivacyCost | RhoCost) -> PrivacyCost | RhoCost:
    """Two releases' costs composed; both are under the same accounting by construction."""
    if isinstance(first, PrivacyCost) and isinstance(second, PrivacyCost):
        return first + second
    if isinstance(first, RhoCost) and isinstance(second, RhoCost):
        return first + second
    raise InternalError("a release composes (ε, δ) and ρ costs; this is a bug")


@dataclass(frozen=True, eq=False)
class MeanRelease:
    """Mean per group = noisy clamped sum / noisy non-null count over the same rows.

    Interval: each of the two noisy values gets a (1 − α/2) interval; when both hold (probability
    ≥ 1 − α) the true mean is a ratio of values inside them, so ``ratio_interval`` covers it. The
    mean of values in [lo, hi] lies in [lo, hi], which clips both value and interval.
    """

    count: NoisyVectorRelease
    total: NoisyVectorRelease
    bounds: Bounds

    @property
    def cost(self) -> PrivacyCost | RhoCost:
        """The composed cost of the two noisy vectors."""
        return _composed(self.count.cost, self.total.cost)

    def release(self, counts: Sequence[int], sums: Sequence[int]) -> list[Estimate]:
        """Noise counts and sums once, then estimate each group's mean."""
        noisy = zip(self.count.release(counts), self.total.release(sums), strict=True)
        return [self.estimate(n, s) for n, s in noisy]

    def estimate(self, noisy_count: int, noisy_sum: int) -> Estimate:
        """The mean from already released noisy count and sum (post-processing, no cost)."""
        clip = (float(self.bounds.lo), float(self.bounds.hi))
        value = min(max(noisy_sum / max(noisy_count, 1), clip[0]), clip[1])
        low, high = ratio_interval(
            self.total.interval(noisy_sum, ALPHA / 2),
            self.count.interval(noisy_count, ALPHA / 2),
            clip,
        )
        return Estimate(value, low, high)


def make_mean_release(
    max_rows: int, bounds: Bounds, epsilon: Epsilon, accounting: Accounting = Accounting.PURE
) -> MeanRelease:
    """ε-DP (or ρ-zCDP) means per group: ε (or ρ) splits equally, exactly, between count and sum."""
    share = Fraction(epsilon) / 2
    return MeanRelease(
        make_count_release(max_rows, share, accounting),
        make_sum_release(max_rows, bounds, share, accounting),
        bounds,
    )


@dataclass(frozen=True, eq=False)
class VarianceRelease:
    """Population variance per group = SS/N − (S/N)² from noisy sum of squares, sum and count.

    Interval: three (1 − α/3) base intervals; when all hold, SS/N and (S/N)² lie in their interval
    images and the variance lies in [min SS/N − max (S/N)², max SS/N − min (S/N)²], clipped to
    [0, ((hi − lo)/2)²] (Popoviciu: no variance of values in [lo, hi] exceeds it).
    Standard deviation is ``Estimate.square_root()`` of the variance.
    """

    mean: MeanRelease
    squares: NoisyVectorRelease

    @property
    def cost(self) -> PrivacyCost | RhoCost:
        """The composed cost of the three noisy vectors."""
        return _composed(self.mean.cost, self.squares.cost)

    def release(
        self, counts: Sequence[int], sums: Sequence[int], sums_of_squares: Sequence[int]
    ) -> list[Estimate]:
        """Noise the three vectors once, then estimate each group's variance."""
        noisy = zip(
            self.mean.count.release(counts),
            self.mean.total.release(sums),
            self.squares.release(sums_of_squares),
            strict=True,
        )
        return [self.estimate(n, s, ss) for n, s, ss in noisy]

    def estimate(self, noisy_count: int, noisy_sum: int, noisy_squares: int) -> Estimate:
        """The variance from already released noisy values (post-processing, no cost)."""
        lo, hi = self.mean.bounds.lo, self.mean.bounds.hi
        clip = (0.0, ((hi - lo) / 2) ** 2)
        n = max(noisy_count, 1)
        value = min(max(noisy_squares / n - (noisy_sum / n) ** 2, clip[0]), clip[1])
        count_iv = self.mean.count.interval(noisy_count, ALPHA / 3)
        mean_iv = ratio_interval(self.mean.total.interval(noisy_sum, ALPHA / 3), count_iv, (lo, hi))
        squares_iv = self.squares.interval(noisy_squares, ALPHA / 3)
        raw_iv = ratio_interval(
            (max(squares_iv[0], 0), squares_iv[1]), count_iv, (0.0, max(lo**2, hi**2))
        )
        low_sq = 0.0 if mean_iv[0] <= 0 <= mean_iv[1] else min(mean_iv[0] ** 2, mean_iv[1] ** 2)
        high_sq = max(mean_iv[0] ** 2, mean_iv[1] ** 2)
        low = min(max(raw_iv[0] - high_sq, clip[0]), value)
        high = max(min(raw_iv[1] - low_sq, clip[1]), value)
        return Estimate(value, low, high)


def make_variance_release(
    max_rows: int, bounds: Bounds, epsilon: Epsilon, accounting: Accounting = Accounting.PURE
) -> VarianceRelease:
    """ε-DP (or ρ-zCDP) variances per group: ε (or ρ) splits equally between count, sum and
    squares."""
    share = Fraction(epsilon) / 3
    mean = make_mean_release(max_rows, bounds, share * 2, accounting)
    squares = make_sum_of_squares_release(max_rows, bounds, share, accounting)
    return VarianceRelease(mean, squares)


@dataclass(frozen=True, eq=False)
class QuantileRelease:
    """Quantiles of a clamped column from one DP histogram of ``bins`` equal bins over [lo, hi].

    Bin i covers [lo + i·w, lo + (i + 1)·w) with w = (hi − lo)/bins; the last bin includes hi.
    Any number of quantiles is post-processing of the one noisy histogram.
    Value: noisy counts are floored at 0 and the value interpolated linearly inside the bin where
    the noisy CDF first reaches q. Interval: the noisy cumulative counts are all within
    t = ``cumulative_noise_bound`` of the true ones with probability ≥ 1 − α (Lévy's maximal
    inequality and a Chernoff bound on the sum of the bins' noises), and when they are, the true
    q-quantile lies between the first bin that *can* and the first bin that *must* hold it
    (``quantile_bin_range``): the interval runs from the one's left edge to the other's right
    edge. Its width is the value range over which the CDF moves by about 2t/N, so it shrinks as
    the data grow; it is never narrower than one bin.
    """

    histogram: NoisyVectorRelease
    bounds: Bounds
    bins: int

    @property
    def cost(self) -> PrivacyCost | RhoCost:
        """The cost of the one noisy histogram."""
        return self.histogram.cost

    @property
    def cumulative_bound(self) -> int:
        """The simultaneous (1 − α) bound on the error of every noisy cumulative count."""
        if self.histogram.accounting is Accounting.ZCDP:
            return gaussian_cumulative_noise_bound(self.histogram.scale, self.bins, ALPHA)
        return cumulative_noise_bound(self.histogram.scale, self.bins, ALPHA)

    def release(self, counts: Sequence[int], qs: Sequence[float]) -> list[Estimate]:
        """Noise the histogram once, then estimate each quantile in ``qs``."""
        if len(counts) != self.bins:
            raise InternalError("the histogram has a different number of bins than planned")
        noisy = self.histogram.release(counts)
        return [self.estimate(noisy, q) for q in qs]

    def estimate(self, noisy_counts: Sequence[int], q: float) -> Estimate:
        """The q-quantile from an already released noisy histogram (post-processing, no cost)."""
        if not 0 <= q <= 1:
            raise InvalidInput(f"a quantile is between 0 and 1, got {q!r}")
        low_bin, high_bin = quantile_bin_range(noisy_counts, self.cumulative_bound, q)
        low, high = self._edge(low_bin), self._edge(high_bin + 1)
        value = self._interpolate([max(c, 0) for c in noisy_counts], q)
        return Estimate(min(max(value, low), high), low, high)

    def _interpolate(self, counts: Sequence[int], q: float) -> float:
        """The point where the piecewise-linear CDF of ``counts`` reaches q."""
        target, seen = q * sum(counts), 0
        for i, c in enumerate(counts):
            if c > 0 and seen + c >= target:
                return self._edge(i) + (self._edge(i + 1) - self._edge(i)) * (target - seen) / c
            seen += c
        return (self.bounds.lo + self.bounds.hi) / 2

    def _edge(self, i: int) -> float:
        """The left edge of bin i (bin ``bins`` means hi)."""
        return self.bounds.lo + (self.bounds.hi - self.bounds.lo) * i / self.bins


def make_quantile_release(
    max_rows: int,
    bounds: Bounds,
    bins: int,
    epsilon: Epsilon,
    accounting: Accounting = Accounting.PURE,
) -> QuantileRelease:
    """ε-DP (or ρ-zCDP) quantiles from a histogram; its counts have the sensitivity of counts."""
    if not (isinstance(bins, int) and bins >= 1):
        raise InvalidInput(f"a histogram needs a whole number ≥ 1 of bins, got {bins!r}")
    return QuantileRelease(make_count_release(max_rows, epsilon, accounting), bounds, bins)


@dataclass(frozen=True, eq=False)
class PartitionSelection:
    """Group keys without a public domain, released only if their noisy count passes a threshold.

    Proof (OpenDP ``make_laplace_threshold``, Rogers 2023): one unit touches ≤ max_rows keys, moves
    the count vector by ≤ max_rows in L1 and any one count by ≤ max_rows, i.e. d_in = (max_rows,
    max_rows, max_rows) in L0/L1/L∞. Counts of keys in both datasets get the ε-DP discrete Laplace
    argument; a key only one dataset has holds ≤ max_rows rows and appears with probability
    P(X ≥ threshold − max_rows) ≤ p^(threshold − max_rows)/(1 + p) each, summed over ≤ max_rows
    keys into δ. The threshold is the least integer for which OpenDP's map gives δ or less.
    """

    measurement: dp.Measurement
    scale: float
    threshold: int
    cost: PrivacyCost

    def select(self, counts: Mapping[str, int]) -> dict[str, int]:
        """The released keys with their noisy counts; keys below the threshold are dropped."""
        return dict(self.measurement({str(k): saturate(v) for k, v in counts.items()}))


def make_partition_selection(max_rows: int, epsilon: Epsilon, delta: Epsilon) -> PartitionSelection:
    """(ε, δ)-DP noisy counts of the keys that pass a threshold calibrated from δ.

    OpenDP's (ε, δ) map is compared with the budget as exact rationals (never over by rounding).
    """
    epsilon, delta = exact(epsilon), exact(delta, "δ")
    if epsilon == 0 or delta == 0:
        raise InvalidInput("partition selection needs epsilon > 0 and delta > 0")
    return _partition_selection(max_rows, epsilon, delta)


@functools.lru_cache(maxsize=256)
def _partition_selection(max_rows: int, epsilon: Fraction, delta: Fraction) -> PartitionSelection:
    """``make_partition_selection`` after its checks, kept per (max_rows, ε, δ)."""
    scale = make_count_release(max_rows, epsilon).scale
    d_in = (max_rows, max_rows, max_rows)
    low = max_rows
    high = max_rows + math.ceil(scale * math.log(max_rows / float(delta))) + 2
    while low < high:
        middle = (low + high) // 2
        if _threshold_fits(scale, middle, d_in, epsilon, delta):
            high = middle
        else:
            low = middle + 1
    if not _threshold_fits(scale, low, d_in, epsilon, delta):
        raise InternalError("no partition-selection threshold fits the budget")
    return PartitionSelection(
        _threshold_measurement(scale, low), scale, low, _threshold_cost(scale, low, d_in)
    )


def _threshold_fits(
    scale: float, threshold: int, d_in: tuple[int, int, int], epsilon: Fraction, delta: Fraction
) -> bool:
    """Whether OpenDP's map of the threshold mechanism stays within (ε, δ), exactly."""
    spent = _threshold_cost(scale, threshold, d_in)
    return Fraction(spent.epsilon) <= epsilon and Fraction(spent.delta) <= delta


def _threshold_measurement(scale: float, threshold: int) -> dp.Measurement:
    """OpenDP's discrete Laplace threshold mechanism on a map from key to count."""
    domain = dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T="i64"))
    metric = dp.l01inf_distance(dp.absolute_distance(T="i64"))
    return dp.m.make_laplace_threshold(domain, metric, scale=scale, threshold=threshold)


def _threshold_cost(scale: float, threshold: int, d_in: tuple[int, int, int]) -> PrivacyCost:
    """OpenDP's (ε, δ) for the threshold mechanism at distance ``d_in``."""
    epsilon, delta = _threshold_measurement(scale, threshold).map(d_in)
    return PrivacyCost(epsilon, delta)
