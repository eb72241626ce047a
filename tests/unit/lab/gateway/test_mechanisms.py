"""Mean, variance, quantile and partition selection: costs, interval coverage, privacy."""

from __future__ import annotations

import itertools
import math

import opendp.prelude as dp
import pytest

from lab.errors import InvalidInput
from lab.gateway.intervals import discrete_laplace_half_width
from lab.gateway.mechanisms import (
    make_mean_release,
    make_partition_selection,
    make_quantile_release,
    make_variance_release,
)
from lab.gateway.metadata import Bounds
from tests.unit.lab.gateway.empirical import coverage_tolerance, epsilon_bounds, wilson

BOUNDS = Bounds(0, 100)


@pytest.mark.parametrize("epsilon", [0.1, 1.0, 3.0])
def test_derived_statistics_cost_their_epsilon(epsilon: float) -> None:
    """Mean, variance and quantile each spend ε in total (their parts compose back to ε)."""
    mean = make_mean_release(3, BOUNDS, epsilon)
    variance = make_variance_release(3, BOUNDS, epsilon)
    quantile = make_quantile_release(3, BOUNDS, 20, epsilon)
    for cost in (mean.cost, variance.cost, quantile.cost):
        assert cost.epsilon <= epsilon and cost.delta == 0.0
        assert cost.epsilon == pytest.approx(epsilon, rel=1e-12)
    assert mean.count.measurement.map(3) == pytest.approx(epsilon / 2, rel=1e-12)
    assert mean.total.measurement.map(300) == pytest.approx(epsilon / 2, rel=1e-12)
    assert variance.squares.measurement.map(30000) == pytest.approx(epsilon / 3, rel=1e-12)
    assert quantile.histogram.measurement.map(3) == pytest.approx(epsilon, rel=1e-12)


def test_mean_interval_covers_at_least_95_percent() -> None:
    """Over 4000 releases the mean's 95% interval covers the true mean ≥ 95% − tolerance."""
    mean, n, count, total = make_mean_release(2, BOUNDS, 1.0), 4000, 80, 80 * 37
    estimates = mean.release([count] * n, [total] * n)
    covered = sum(e.low <= total / count <= e.high for e in estimates) / n
    assert covered >= 0.95 - coverage_tolerance(n)


def test_variance_interval_covers_at_least_95_percent() -> None:
    """Over 4000 releases the variance and stddev intervals cover the truth ≥ 95% − tolerance."""
    variance, n = make_variance_release(1, BOUNDS, 2.0), 4000
    values = [10] * 150 + [60] * 150
    count, total, squares = len(values), sum(values), sum(v * v for v in values)
    truth = squares / count - (total / count) ** 2
    estimates = variance.release([count] * n, [total] * n, [squares] * n)
    assert sum(e.low <= truth <= e.high for e in estimates) / n >= 0.95 - coverage_tolerance(n)
    stddevs = [e.square_root() for e in estimates]
    assert sum(s.low <= truth**0.5 <= s.high for s in stddevs) / n >= 0.95 - coverage_tolerance(n)


def test_quantile_interval_covers_the_true_quantile_bin() -> None:
    """Over 2000 noisy histograms the median's interval spans its true bin ≥ 95% − tolerance."""
    quantile, n = make_quantile_release(2, BOUNDS, 20, 1.0), 2000
    histogram = [0, 0, 3, 10, 40, 80, 60, 30, 10, 5, 2, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    cumulative = [sum(histogram[: i + 1]) for i in range(20)]
    true_bin = next(i for i, c in enumerate(cumulative) if c >= sum(histogram) / 2)
    left, right = true_bin * 5, (true_bin + 1) * 5
    noisy = quantile.histogram.release(histogram * n)
    estimates = [quantile.estimate(noisy[i * 20 : (i + 1) * 20], 0.5) for i in range(n)]
    covered = sum(e.low <= left and e.high >= right for e in estimates) / n
    assert covered >= 0.95 - coverage_tolerance(n)
    assert sum(e.high - e.low for e in estimates) / n <= 30  # a few bins wide, not the whole range


def _known_values(n: int) -> list[int]:
    """n values in [0, 1000], skewed (v = 1000·u²), with known quantiles."""
    return [1000 * i * i // (n * n) for i in range(n)]


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_quantile_interval_covers_honestly_and_is_narrow(q: float) -> None:
    """Over 400 releases at ε = 1 (4 rows per unit, 256 bins on [0, 1000], 20,000 values) the
    q-quantile's interval covers the true quantile ≥ 95% − tolerance and is on average under a
    tenth of the range wide (it used to span the whole range); the map stays exactly ε."""
    bounds, bins, releases, values = Bounds(0, 1000), 256, 400, _known_values(20_000)
    histogram = [0] * bins
    for v in values:
        histogram[min(v * bins // 1000, bins - 1)] += 1
    truth = sorted(values)[math.ceil(q * len(values)) - 1]  # numpy's "inverted_cdf"
    quantile = make_quantile_release(4, bounds, bins, 1.0)
    assert quantile.histogram.measurement.map(4) <= 1.0
    assert quantile.histogram.measurement.map(4) == pytest.approx(1.0, rel=1e-12)
    noisy = quantile.histogram.release(histogram * releases)
    estimates = [quantile.estimate(noisy[i * bins : (i + 1) * bins], q) for i in range(releases)]
    covered = sum(e.low <= truth <= e.high for e in estimates) / releases
    assert covered >= 0.95 - coverage_tolerance(releases)
    assert sum(e.high - e.low for e in estimates) / releases < 0.1 * 1000


def test_cumulative_noise_bound_holds_for_every_prefix_at_once() -> None:
    """The noisy cumulative histogram stays within the bound at every bin at once ≥ 95% of the
    time (Lévy + Chernoff is conservative, so well above), and the bound is not vacuous."""
    quantile, releases, bins = make_quantile_release(4, Bounds(0, 1000), 256, 1.0), 500, 256
    bound = quantile.cumulative_bound
    noisy = quantile.histogram.release([0] * (bins * releases))
    worst = [
        max(abs(s) for s in itertools.accumulate(noisy[i * bins : (i + 1) * bins]))
        for i in range(releases)
    ]
    assert sum(w <= bound for w in worst) / releases >= 0.95 - coverage_tolerance(releases)
    assert bound < 2 * sorted(worst)[int(0.95 * releases)]


def test_half_width_is_finite_for_huge_scales() -> None:
    """Above a scale of about 9e15, exp(−1/s) rounds to 1; the log-space interval still gives
    the right value, s·ln(2/(α(1 + p))) → s·ln(1/α) as p → 1, instead of dividing by zero."""
    for scale in (1e16, 1e20, 1e300):
        assert discrete_laplace_half_width(scale) == pytest.approx(scale * math.log(20), rel=1e-9)


def test_quantile_rejects_q_outside_unit_interval() -> None:
    """A quantile outside [0, 1] is a caller error."""
    quantile = make_quantile_release(2, BOUNDS, 10, 1.0)
    with pytest.raises(InvalidInput):
        quantile.release([1] * 10, [1.5])


def test_mean_empirical_privacy_loss_within_epsilon() -> None:
    """On neighbours (one unit adds max_rows rows at hi) 20000 mean releases stay within ε."""
    mean, n = make_mean_release(3, BOUNDS, 1.0), 20000
    outputs = [e.value for e in mean.release([100] * n, [5000] * n)]
    neighbour = [e.value for e in mean.release([103] * n, [5300] * n)]
    lower, _ = epsilon_bounds(outputs, neighbour, [48, 50, 52, 54, 56])
    assert lower <= mean.cost.epsilon


def test_partition_selection_map_and_threshold_are_minimal() -> None:
    """The threshold is the least whose OpenDP map fits (ε, δ) at d_in = (max_rows,)·3."""
    selection = make_partition_selection(3, 1.0, 1e-6)
    epsilon, delta = selection.measurement.map((3, 3, 3))
    assert (epsilon, delta) == (selection.cost.epsilon, selection.cost.delta)
    assert epsilon == pytest.approx(1.0, rel=1e-12) and epsilon <= 1.0
    assert delta <= 1e-6
    lower = dp.m.make_laplace_threshold(
        dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T="i64")),
        dp.l01inf_distance(dp.absolute_distance(T="i64")),
        scale=selection.scale,
        threshold=selection.threshold - 1,
    )
    assert lower.map((3, 3, 3))[1] > 1e-6


def test_single_unit_key_is_released_at_most_delta_of_the_time() -> None:
    """A key held by one unit (max_rows rows) passes selection with frequency ≤ δ (20000 keys)."""
    selection, n = make_partition_selection(2, 1.0, 0.01), 20000
    released = selection.select({f"k{i}": 2 for i in range(n)})
    assert wilson(len(released), n)[0] <= 0.01
    popular = selection.select({f"k{i}": 200 for i in range(1000)})
    assert len(popular) == 1000  # keys far above the threshold survive


def test_partition_selection_needs_positive_delta() -> None:
    """Keys without a public domain cannot be released under pure DP (δ = 0)."""
    with pytest.raises(InvalidInput):
        make_partition_selection(2, 1.0, 0.0)


@pytest.mark.parametrize("noisy_sum", [-100_000, 100_000])
def test_mean_far_outside_bounds_clamps_value_and_interval(noisy_sum: int) -> None:
    """Noise pushing sum/count far past the bounds yields a clamped, well-formed estimate."""
    mean = make_mean_release(2, BOUNDS, 1.0)
    estimate = mean.estimate(80, noisy_sum)
    assert BOUNDS.lo <= estimate.low <= estimate.value <= estimate.high <= BOUNDS.hi


def test_mean_interval_is_the_ratio_box_of_its_two_intervals() -> None:
    """The mean's interval is exactly the corner ratios of the count and sum intervals."""
    mean = make_mean_release(2, BOUNDS, 1.0)
    h_count, h_sum = mean.count.half_width(0.025), mean.total.half_width(0.025)
    estimate = mean.estimate(1000, 40_000)
    assert estimate.value == 40.0
    assert estimate.low == (40_000 - h_sum) / (1000 + h_count)
    assert estimate.high == (40_000 + h_sum) / (1000 - h_count)
