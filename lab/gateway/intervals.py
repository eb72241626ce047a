"""95% confidence intervals for released values, from the exact noise law (no normal approximation).

The base case is one discrete-Laplace-noised integer. Derived statistics (mean, variance,
quantile) combine base intervals by a union bound: if each of k base intervals misses with
probability at most α/k, all hold together with probability at least 1 − α, and an interval
that contains every value consistent with all of them then covers the truth at least 1 − α.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from lab.errors import InternalError

ALPHA = 0.05  # 1 − the confidence level of every interval the gateway shows


@dataclass(frozen=True)
class Estimate:
    """A released value with its confidence interval ``[low, high]``."""

    value: float
    low: float
    high: float

    def __post_init__(self) -> None:
        if not self.low <= self.value <= self.high:
            raise InternalError("an estimate lies outside its own interval")

    def square_root(self) -> Estimate:
        """The estimate of the square root (monotone, so the interval maps end to end)."""
        return Estimate(math.sqrt(self.value), math.sqrt(self.low), math.sqrt(self.high))


def discrete_laplace_tail(scale: float, half_width: int) -> float:
    """P(|X| > h) for X discrete Laplace, P(X = k) = (1 − p)/(1 + p)·p^|k|, p = exp(−1/scale).

    Proof: P(X ≥ t) = Σ_{k≥t} (1 − p)/(1 + p)·p^k = p^t/(1 + p) for t ≥ 1, so by symmetry
    P(|X| > h) = 2·p^(h+1)/(1 + p).
    """
    p = math.exp(-1.0 / scale)
    return 2.0 * p ** (half_width + 1) / (1.0 + p)


def discrete_laplace_half_width(scale: float, alpha: float = ALPHA) -> int:
    """The least integer h with P(|X| > h) ≤ alpha, so ``noisy ± h`` covers the truth ≥ 1 − alpha.

    Closed form h = ⌈ln(alpha·(1 + p)/2) / ln p⌉ − 1, then nudged by one if float rounding
    put it off the exact boundary.
    """
    p = math.exp(-1.0 / scale)
    h = max(0, math.ceil(math.log(alpha * (1.0 + p) / 2.0) / math.log(p)) - 1)
    while discrete_laplace_tail(scale, h) > alpha:
        h += 1
    while h > 0 and discrete_laplace_tail(scale, h - 1) <= alpha:
        h -= 1
    return h


def ratio_interval(
    num: tuple[float, float], den: tuple[float, float], clip: tuple[float, float]
) -> tuple[float, float]:
    """Every value of n/d with n in ``num`` and d in ``den``, intersected with ``clip``.

    n/d is monotone in n and, for d > 0, in d, so its extremes over the box sit at its corners.
    If ``den`` reaches below 1 (a true count of at least 1 is all we know) the whole ``clip``
    range is returned; if the box lies wholly outside ``clip``, the nearer end of ``clip``.
    """
    if den[0] < 1:
        return clip
    corners = [n / d for n in num for d in den]
    return _clamp(min(corners), clip), _clamp(max(corners), clip)


def _clamp(x: float, clip: tuple[float, float]) -> float:
    """``x`` moved into ``[clip[0], clip[1]]``."""
    return min(max(x, clip[0]), clip[1])


def quantile_bin_range(
    low_counts: Sequence[float], high_counts: Sequence[float], q: float
) -> tuple[int, int]:
    """The first and last bin that can hold the q-quantile, given per-bin count bounds.

    The q-quantile is in the first bin j with F_j ≥ q·N, i.e. (1 − q)·F_j ≥ q·R_j, where F_j counts
    bins ≤ j and R_j bins > j. It cannot be in a bin before the first j where the condition holds
    with F_j at its upper and R_j at its lower bound, and must be by the first j where it holds
    with F_j at its lower and R_j at its upper bound (the last bin always qualifies: R = 0).
    """
    first = _first_bin_where(high_counts, low_counts, q)
    return first, max(first, _first_bin_where(low_counts, high_counts, q))


def _first_bin_where(
    prefix_counts: Sequence[float], suffix_counts: Sequence[float], q: float
) -> int:
    """The first j with (1 − q)·Σ_{i≤j} prefix_counts ≥ q·Σ_{i>j} suffix_counts."""
    prefix, suffix = 0.0, math.fsum(suffix_counts)
    for j, (before, after) in enumerate(zip(prefix_counts, suffix_counts, strict=True)):
        prefix += before
        suffix -= after
        if (1 - q) * prefix >= q * max(suffix, 0.0):
            return j
    return len(prefix_counts) - 1
