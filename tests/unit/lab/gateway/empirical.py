"""Statistics for testing DP mechanisms from many releases: binomial bounds and empirical ε.

Bounds are Wilson score intervals at z = 4.42 (one-sided miss ≈ 5e-6 each), so a test that takes
a dozen of them fails by chance with probability below 1e-4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Z = 4.42


def wilson(successes: int, trials: int, z: float = Z) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion."""
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials**2)) / (1 + z * z / trials)
    return max(centre - spread, 0.0), min(centre + spread, 1.0)


def coverage_tolerance(trials: int, level: float = 0.95, z: float = 3.9) -> float:
    """How far an observed coverage may stray from ``level`` by chance (two-sided miss < 1e-4)."""
    return z * math.sqrt(level * (1 - level) / trials)


def epsilon_bounds(
    outputs: Sequence[float],
    neighbour_outputs: Sequence[float],
    thresholds: Sequence[float],
    delta: float = 0.0,
) -> tuple[float, float]:
    """Lower and upper confidence bounds on the largest privacy loss over events {Y ≥ t}, {Y < t}.

    For each event E the loss is |ln P(E) − ln P'(E)|; the lower bound uses the two Wilson
    bounds that make the ratio smallest, the upper bound those that make it largest. With
    ``delta`` > 0 the loss is that of (ε, δ)-DP, ln((P(E) − δ)/P'(E)): a mechanism that is
    (ε, δ)-DP has a lower bound ≤ ε (up to the bounds' confidence).
    """
    lower, upper = 0.0, 0.0
    for t in thresholds:
        for above in (True, False):
            a = wilson(sum((y >= t) == above for y in outputs), len(outputs))
            b = wilson(sum((y >= t) == above for y in neighbour_outputs), len(neighbour_outputs))
            for (lo_x, hi_x), (lo_y, hi_y) in ((a, b), (b, a)):
                if lo_y > 0 and hi_y > 0 and lo_x > delta:
                    lower = max(lower, math.log((lo_x - delta) / hi_y))
                    upper = max(upper, math.log(hi_x / lo_y))
    return lower, upper
