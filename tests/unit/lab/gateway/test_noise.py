"""Discrete Laplace releases: sensitivities, exact privacy maps, intervals, empirical ε."""

from __future__ import annotations

import math

import pytest

from lab.errors import InvalidInput
from lab.gateway.intervals import discrete_laplace_half_width, discrete_laplace_tail
from lab.gateway.metadata import Bounds
from lab.gateway.noise import (
    Sensitivity,
    make_count_release,
    make_sum_of_squares_release,
    make_sum_release,
)
from tests.unit.lab.gateway.empirical import coverage_tolerance, epsilon_bounds


def test_sensitivities_follow_from_max_rows_and_bounds() -> None:
    """L1 sensitivities: counts max_rows, sums max_rows·max|bound|, squares max_rows·max bound²."""
    bounds = Bounds(-50, 20)
    assert Sensitivity.of_counts(3).l1 == 3
    assert Sensitivity.of_sums(3, bounds).l1 == 150
    assert Sensitivity.of_sums(3, Bounds(5, 20)).l1 == 60
    assert Sensitivity.of_sums_of_squares(3, bounds).l1 == 7500


@pytest.mark.parametrize(("max_rows", "epsilon"), [(1, 1.0), (3, 0.1), (7, 0.37), (100, 2.5)])
def test_count_privacy_map_is_epsilon_at_the_bound(max_rows: int, epsilon: float) -> None:
    """A count release spends exactly ε on neighbours at distance max_rows, never more."""
    release = make_count_release(max_rows, epsilon)
    spent = release.measurement.map(max_rows)
    assert spent <= epsilon
    assert spent == pytest.approx(epsilon, rel=1e-12)
    assert release.cost.epsilon == spent and release.cost.delta == 0.0
    assert release.scale == pytest.approx(max_rows / epsilon, rel=1e-12)
    assert release.measurement.map(1) == pytest.approx(epsilon / max_rows, rel=1e-12)


@pytest.mark.parametrize(("lo", "hi", "epsilon"), [(0, 100, 1.0), (-500, 20, 0.25), (3, 9, 0.5)])
def test_sum_privacy_maps_are_epsilon_at_the_bound(lo: int, hi: int, epsilon: float) -> None:
    """Sum and sum-of-squares releases spend exactly ε at their sensitivity from the bounds."""
    bounds = Bounds(lo, hi)
    for release, l1 in (
        (make_sum_release(4, bounds, epsilon), 4 * max(abs(lo), abs(hi))),
        (make_sum_of_squares_release(4, bounds, epsilon), 4 * max(lo * lo, hi * hi)),
    ):
        assert release.sensitivity.l1 == l1
        assert release.measurement.map(l1) <= epsilon
        assert release.measurement.map(l1) == pytest.approx(epsilon, rel=1e-12)
        assert release.scale == pytest.approx(l1 / epsilon, rel=1e-12)


def test_a_kept_measurement_serves_only_its_own_sensitivity_and_epsilon() -> None:
    """Releases are kept per (sensitivity, ε); another bound or ε gets its own calibration."""
    release = make_count_release(5, 0.3)
    assert make_count_release(5, 0.3) is release
    for other in (make_count_release(6, 0.3), make_count_release(5, 0.31)):
        assert other is not release
        assert other.measurement.map(other.sensitivity.l1) == pytest.approx(
            other.cost.epsilon, rel=1e-12
        )
    assert make_count_release(6, 0.3).scale == pytest.approx(6 / 0.3, rel=1e-12)
    assert make_count_release(5, 0.31).scale == pytest.approx(5 / 0.31, rel=1e-12)


@pytest.mark.parametrize(("max_rows", "epsilon"), [(0, 1.0), (2, 0.0), (2, -1.0), (2, math.inf)])
def test_invalid_parameters_are_rejected(max_rows: int, epsilon: float) -> None:
    """max_rows < 1 or an ε that is not finite and positive is a caller error."""
    with pytest.raises(InvalidInput):
        make_count_release(max_rows, epsilon)


@pytest.mark.parametrize("scale", [0.3, 1.0, 3.0, 10.0, 1234.5])
@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.05 / 200])
def test_half_width_is_the_least_with_tail_at_most_alpha(scale: float, alpha: float) -> None:
    """The interval half-width is the smallest h with P(|X| > h) ≤ α (exact, not normal)."""
    h = discrete_laplace_half_width(scale, alpha)
    assert discrete_laplace_tail(scale, h) <= alpha
    assert h == 0 or discrete_laplace_tail(scale, h - 1) > alpha


def test_interval95_covers_the_true_count_at_its_exact_rate() -> None:
    """Over 8000 releases the 95% interval covers the truth at its exact rate (≥ 95%)."""
    release = make_count_release(5, 0.5)
    exact = 1000
    expected = 1 - discrete_laplace_tail(release.scale, release.half_width())
    assert 0.95 <= expected <= 0.955
    noisy = release.release([exact] * 8000)
    covered = sum(lo <= exact <= hi for lo, hi in map(release.interval95, noisy)) / len(noisy)
    assert abs(covered - expected) <= coverage_tolerance(len(noisy))


def test_count_empirical_privacy_loss_matches_epsilon() -> None:
    """On neighbours (one unit adds max_rows rows) 20000 count releases show loss ≈ ε, not more."""
    max_rows, epsilon, n = 3, 1.0, 20000
    release = make_count_release(max_rows, epsilon)
    outputs = release.release([500] * n)
    neighbour = release.release([500 + max_rows] * n)
    lower, upper = epsilon_bounds(outputs, neighbour, range(500, 500 + 3 * max_rows + 1))
    assert lower <= epsilon
    assert upper >= 0.9 * epsilon  # the test can see a loss near ε: the noise is not oversized


def test_sum_empirical_privacy_loss_matches_epsilon() -> None:
    """On neighbours (one unit adds max_rows rows at the far bound) sums show loss ≈ ε, not more."""
    max_rows, bounds, epsilon, n = 2, Bounds(-5, 40), 1.0, 20000
    release = make_sum_release(max_rows, bounds, epsilon)
    delta = max_rows * 40
    outputs = release.release([10_000] * n)
    neighbour = release.release([10_000 + delta] * n)
    thresholds = [10_000 + k * delta // 2 for k in range(5)]
    lower, upper = epsilon_bounds(outputs, neighbour, thresholds)
    assert lower <= epsilon
    assert upper >= 0.9 * epsilon


def test_halved_noise_is_caught_by_the_empirical_test() -> None:
    """The empirical ε test has power: a release calibrated for 2ε is flagged against ε."""
    max_rows, epsilon, n = 3, 1.0, 20000
    release = make_count_release(max_rows, 2 * epsilon)
    outputs = release.release([500] * n)
    neighbour = release.release([500 + max_rows] * n)
    lower, _ = epsilon_bounds(outputs, neighbour, range(500, 500 + 3 * max_rows + 1))
    assert lower > epsilon
