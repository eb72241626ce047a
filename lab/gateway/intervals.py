"""95% confidence intervals for released values, from the exact noise law (no normal approximation).

The base case is one discrete-Laplace- or discrete-Gaussian-noised integer. Derived statistics
(mean, variance, quantile) combine base intervals by a union bound: if each of k base intervals
misses with probability at most α/k, all hold together with probability at least 1 − α, and an
interval that contains every value consistent with all of them then covers the truth at least
1 − α.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from lab.errors import InternalError

ALPHA = 0.05  # 1 − the confidence level of every interval the gateway shows
EXACT_GAUSSIAN_SCALE = 1024.0
"""Up to this σ a discrete Gaussian tail is summed term by term; above it, bounded by integrals."""
_GAUSSIAN_TERMS_PER_SCALE = 40  # terms beyond 40σ weigh below e⁻⁸⁰⁰: zero in floats
_NUDGES = 4
_GOLDEN_STEPS = 80


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
    P(|X| > h) = 2·p^(h+1)/(1 + p). Computed in log space (``_log_tail``).
    """
    return math.exp(_log_tail(scale, half_width))


@functools.lru_cache(maxsize=1024)  # one scale per release, asked once per group
def discrete_laplace_half_width(scale: float, alpha: float = ALPHA) -> int:
    """The least integer h with P(|X| > h) ≤ alpha, so ``noisy ± h`` covers the truth ≥ 1 − alpha.

    Closed form in log space, ln P(|X| > h) = ln 2 − (h + 1)/s − ln(1 + p), which never forms
    1 − p or ln p: for scales above about 9e15, p = exp(−1/s) rounds to 1 and the old form
    ln(…)/ln p divided by zero. So h = ⌈s·(ln(2/alpha) − ln(1 + p))⌉ − 1, then nudged (a few
    steps at most) where float rounding put it off the exact boundary.
    """
    log_alpha = math.log(alpha)
    x = scale * (math.log(2.0 / alpha) - math.log1p(math.exp(-1.0 / scale)))
    h = max(0, math.ceil(x) - 1)
    for _ in range(_NUDGES):
        if _log_tail(scale, h) <= log_alpha:
            break
        h += 1
    for _ in range(_NUDGES):
        if h == 0 or _log_tail(scale, h - 1) > log_alpha:
            break
        h -= 1
    return h


def _log_tail(scale: float, half_width: int) -> float:
    """ln P(|X| > h) for discrete Laplace noise of ``scale`` (see ``discrete_laplace_tail``)."""
    return math.log(2.0) - (half_width + 1) / scale - math.log1p(math.exp(-1.0 / scale))


def discrete_gaussian_half_width(scale: float, alpha: float = ALPHA) -> int:
    """The least integer h with P(|X| > h) ≤ alpha for X ~ N_Z(0, σ²), σ = ``scale``.

    P(X = k) = f(k)/Z with f(k) = exp(−k²/(2σ²)) and Z = Σ_k f(k) (Canonne, Kamath & Steinke
    2020). Up to σ = ``EXACT_GAUSSIAN_SCALE`` the tail 2·Σ_{k>h} f(k)/Z is summed term by term
    (``discrete_gaussian_tail``) and h is the exact least one. Above it, summing is too slow, and
    h is the least integer whose tail *bound* is ≤ alpha: f decreases on [0, ∞), so
    Σ_{k>h} f(k) ≤ ∫_h^∞ f = σ√(2π)·Q(h/σ), and Z ≥ ∫ f − f(0) = σ√(2π) − 1 (a symmetric unimodal
    sum is within its peak of its integral), so P(|X| > h) ≤ erfc(h/(σ√2))/(1 − 1/(σ√(2π))).
    The bound exceeds the true tail by a factor below 1 + 4e-4 there, so h is at most a few
    units wider than exact, and coverage is never below 1 − alpha.
    """
    return _discrete_gaussian_half_width(float(scale), float(alpha))


@functools.lru_cache(maxsize=512)
def _discrete_gaussian_half_width(scale: float, alpha: float) -> int:
    if scale <= EXACT_GAUSSIAN_SCALE:
        tails = _gaussian_tails(scale)
        return next(h for h, tail in enumerate(tails) if tail <= alpha)
    factor = 1.0 / (1.0 - 1.0 / (scale * math.sqrt(2.0 * math.pi)))
    low, high = 0, math.ceil(scale * 40.0)
    while low < high:
        middle = (low + high) // 2
        if math.erfc(middle / (scale * math.sqrt(2.0))) * factor <= alpha:
            high = middle
        else:
            low = middle + 1
    return low


def discrete_gaussian_tail(scale: float, half_width: int) -> float:
    """P(|X| > h) for X ~ N_Z(0, σ²) with σ ≤ ``EXACT_GAUSSIAN_SCALE``, summed term by term."""
    if scale > EXACT_GAUSSIAN_SCALE:
        raise InternalError("the exact discrete Gaussian tail is summed only for small scales")
    tails = _gaussian_tails(float(scale))
    return tails[half_width] if half_width < len(tails) else 0.0


@functools.lru_cache(maxsize=64)
def _gaussian_tails(scale: float) -> tuple[float, ...]:
    """P(|X| > h) for h = 0, 1, … until it is 0 in floats; each an exactly rounded sum."""
    terms = math.ceil(_GAUSSIAN_TERMS_PER_SCALE * scale) + 2
    weights = [math.exp(-(k * k) / (2.0 * scale * scale)) for k in range(terms)]
    normaliser = weights[0] + 2.0 * math.fsum(weights[1:])
    suffix = list(itertools.accumulate(reversed(weights[1:])))[::-1]  # Σ_{k≥h+1} f(k)
    tails = [2.0 * s / normaliser for s in suffix]
    return (*tails, 0.0)


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


def gaussian_cumulative_noise_bound(scale: float, bins: int, alpha: float = ALPHA) -> int:
    """``cumulative_noise_bound`` for independent discrete Gaussian noises N_Z(0, σ²).

    Proof: the discrete Gaussian is σ²-subgaussian, E[e^(λX)] ≤ e^(λ²σ²/2) (Canonne, Kamath &
    Steinke 2020, Cor. 9), so the sum S_B of B of them is Bσ²-subgaussian and
    P(S_B ≥ t) ≤ exp(−t²/(2Bσ²)); with Lévy's maximal inequality (symmetric noises),
    P(max_j |S_j| ≥ t) ≤ 4·exp(−t²/(2Bσ²)) ≤ alpha at t = σ·√(2B·ln(4/alpha)).
    """
    return math.ceil(scale * math.sqrt(2.0 * bins * math.log(4.0 / alpha)))


def cumulative_noise_bound(scale: float, bins: int, alpha: float = ALPHA) -> int:
    """A t with P(max_j |S_j| ≥ t) ≤ alpha, S_j the sum of the first j of ``bins`` noises.

    The noises are independent discrete Laplace of ``scale``, so every noisy cumulative count
    F̃_j = F_j + S_j lies within t of its truth, for all j at once, with probability ≥ 1 − alpha.
    Proof: the noises are symmetric, so Lévy's maximal inequality gives
    P(max_j |S_j| ≥ t) ≤ 2·P(|S_B| ≥ t) = 4·P(S_B ≥ t), and Chernoff's bound gives
    P(S_B ≥ t) ≤ exp(B·ψ(λ) − λt) for any 0 < λ < 1/s, with ψ the log moment generating function
    of one noise, ψ(λ) = 2·ln(1 − p) − ln(1 − p·e^λ) − ln(1 − p·e^−λ) (a difference of two
    geometric variables). Hence t(λ) = (B·ψ(λ) + ln(4/alpha))/λ works for every such λ; a
    golden-section search picks a small one (any λ it stops at is valid, so it only affects width).
    """
    return _cumulative_noise_bound(float(scale), int(bins), float(alpha))


@functools.lru_cache(maxsize=256)
def _cumulative_noise_bound(scale: float, bins: int, alpha: float) -> int:
    """``cumulative_noise_bound`` after its conversions, kept per (scale, bins, alpha)."""
    low, high = 1e-9, 1.0 - 1e-9
    golden = (math.sqrt(5.0) - 1.0) / 2.0
    for _ in range(_GOLDEN_STEPS):
        left, right = high - golden * (high - low), low + golden * (high - low)
        if _chernoff_width(left, scale, bins, alpha) <= _chernoff_width(right, scale, bins, alpha):
            high = right
        else:
            low = left
    return math.ceil(_chernoff_width((low + high) / 2.0, scale, bins, alpha))


def _chernoff_width(u: float, scale: float, bins: int, alpha: float) -> float:
    """t(λ) of ``cumulative_noise_bound`` at λ = u/scale (0 < u < 1), in log space."""
    log_one_minus_p = math.log(-math.expm1(-1.0 / scale))
    psi = (
        2.0 * log_one_minus_p
        - math.log(-math.expm1((u - 1.0) / scale))
        - math.log(-math.expm1((-u - 1.0) / scale))
    )
    return (bins * psi + math.log(4.0 / alpha)) * scale / u


def quantile_bin_range(noisy_counts: Sequence[int], bound: int, q: float) -> tuple[int, int]:
    """The first and last bin that can hold the q-quantile when every noisy cumulative count
    is within ``bound`` of its truth.

    The q-quantile (the least value v with F(v) ≥ q·N, F counting values ≤ v, N all of them, and
    at least one: ``numpy.quantile(method="inverted_cdf")``) is in the first bin j whose
    cumulative count F_j ≥ max(q·N, 1). With |F̃_j − F_j| ≤ t for every j, including N = F_B:
    no bin before the first j with F̃_j + t ≥ max(q·(Ñ − t), 1) can satisfy it, and the first j
    with F̃_j − t ≥ max(q·(Ñ + t), 1) surely does (else the last bin).
    """
    cumulative = list(itertools.accumulate(noisy_counts))
    total, last = cumulative[-1], len(cumulative) - 1
    can = max(q * (total - bound), 1)
    must = max(q * (total + bound), 1)
    first = next((j for j, f in enumerate(cumulative) if f + bound >= can), last)
    surely = next((j for j, f in enumerate(cumulative) if f - bound >= must), last)
    return first, max(first, surely)
