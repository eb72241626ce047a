"""ρ-zCDP: OpenDP's conversion to (ε, δ), exact units, the discrete Gaussian's maps, intervals."""

from __future__ import annotations

import math
from fractions import Fraction

import opendp.prelude as dp
import pytest

from lab.errors import InvalidInput
from lab.gateway.accounting import MICRO
from lab.gateway.intervals import (
    EXACT_GAUSSIAN_SCALE,
    discrete_gaussian_half_width,
    discrete_gaussian_tail,
    gaussian_cumulative_noise_bound,
)
from lab.gateway.mechanisms import make_mean_release, make_quantile_release, make_variance_release
from lab.gateway.metadata import Bounds
from lab.gateway.noise import Sensitivity, make_gaussian_release
from lab.gateway.zcdp import (
    Accounting,
    RhoSpend,
    implied_epsilon,
    implied_epsilon_micro,
    rho_for_epsilon,
    rho_units,
)
from tests.unit.lab.gateway.empirical import coverage_tolerance

dp.enable_features("contrib")
DELTA_PICO = 10**6  # δ = 1e-6


@pytest.mark.parametrize("rho", [0.000001, 0.01, 0.125, 2.5])
def test_implied_epsilon_is_opendps_conversion(rho: float) -> None:
    """ε(ρ, δ) is OpenDP's make_fix_delta(make_zCDP_to_approxDP(·)) of a real discrete Gaussian
    whose map is ρ — never below it, and equal to float precision."""
    units = rho_units(rho)
    scale = 1 / math.sqrt(2 * rho)
    gaussian = dp.m.make_gaussian(
        dp.vector_domain(dp.atom_domain(T="i64")), dp.l2_distance(T="i64"), scale=scale
    )
    converted = dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(gaussian), 1e-6)
    epsilon, delta = converted.map(1)
    assert delta == 1e-6
    assert implied_epsilon(units, DELTA_PICO) == pytest.approx(epsilon, rel=1e-9)
    assert implied_epsilon_micro(units, DELTA_PICO) >= Fraction(epsilon) * MICRO * (1 - 1e-9)


def test_charges_telescope_to_the_epsilon_of_the_total_rho() -> None:
    """Increments ε(ρ_after) − ε(ρ_before) in micro-ε add up to exactly ε(ρ_total): the total
    charged is never below what the whole sequence of releases implies."""
    spent, charged = 0, 0
    for share in [1, 700, 3, 125_000, 40_000, 9]:
        after = spent + share
        increment = implied_epsilon_micro(after, DELTA_PICO) - implied_epsilon_micro(
            spent, DELTA_PICO
        )
        assert increment >= 0
        charged, spent = charged + increment, after
    assert charged == implied_epsilon_micro(spent, DELTA_PICO)
    assert Fraction(charged, MICRO) >= Fraction(implied_epsilon(spent, DELTA_PICO))


def test_rho_for_epsilon_is_the_largest_fitting_rho() -> None:
    """The ρ "worth" ε = 1 at δ = 1e-6 implies at most ε = 1, and one micro-ρ more exceeds it."""
    rho = rho_for_epsilon(MICRO, DELTA_PICO)
    assert (
        implied_epsilon_micro(rho, DELTA_PICO) <= MICRO < implied_epsilon_micro(rho + 1, DELTA_PICO)
    )
    assert 0.02 < rho / MICRO < 0.03


def test_rho_units_and_shares_are_exact() -> None:
    """ρ below one micro-ρ is refused; shares never compose above the charge."""
    with pytest.raises(InvalidInput, match="micro-ρ"):
        rho_units(4e-7)
    for bad in (float("nan"), -1.0, float("inf")):
        with pytest.raises(InvalidInput):
            rho_units(bad)
    shares = RhoSpend.requested(0.01).split(3)
    assert sum(s.rho_micro for s in shares) <= 10_000
    with pytest.raises(InvalidInput, match="cannot be shared"):
        RhoSpend(2).split(3)
    assert Accounting.parse(" ZCDP ") is Accounting.ZCDP
    with pytest.raises(InvalidInput, match="pure"):
        Accounting.parse("renyi")


@pytest.mark.parametrize(("l1", "rho"), [(1, Fraction(1, 2)), (4, Fraction(1, 100)), (3000, 1)])
def test_gaussian_privacy_map_is_exactly_within_rho(l1: int, rho) -> None:
    """OpenDP's map of the calibrated discrete Gaussian at the sensitivity is ≤ ρ as an exact
    rational, its scale is Δ/√(2ρ), and the cost reported is that map."""
    release = make_gaussian_release(Sensitivity(l1), rho)
    spent = release.measurement.map(l1)
    assert Fraction(spent) <= Fraction(rho)
    assert release.cost.rho == spent
    assert release.scale == pytest.approx(l1 / math.sqrt(2 * float(rho)), rel=1e-12)
    assert release.accounting is Accounting.ZCDP


def test_composed_statistics_cost_what_opendps_composition_says() -> None:
    """A mean's and a variance's vectors composed by OpenDP's combinator spend exactly the ρ the
    release reports (ρ's add), and that stays within the ρ asked for."""
    bounds = Bounds(0, 100)
    mean = make_mean_release(4, bounds, Fraction(1, 10), Accounting.ZCDP)
    variance = make_variance_release(4, bounds, Fraction(3, 10), Accounting.ZCDP)
    for release, rho, vectors in (
        (mean, Fraction(1, 10), [mean.count, mean.total]),
        (variance, Fraction(3, 10), [variance.mean.count, variance.mean.total, variance.squares]),
    ):
        composed = dp.c.make_composition([v.measurement for v in vectors])
        parts = [v.measurement.map(v.sensitivity.l1) for v in vectors]
        assert all(Fraction(p) <= rho / len(vectors) for p in parts)
        assert release.cost.rho == pytest.approx(sum(parts), rel=1e-12)
        assert composed.output_measure == dp.zero_concentrated_divergence()


@pytest.mark.parametrize("scale", [0.3, 1.0, 2.5, 17.0, 300.0, EXACT_GAUSSIAN_SCALE])
def test_gaussian_half_width_is_the_exact_least_one(scale: float) -> None:
    """Up to the exact-sum limit, h has tail ≤ 5% and h − 1 has tail > 5%, both summed exactly."""
    h = discrete_gaussian_half_width(scale)
    assert discrete_gaussian_tail(scale, h) <= 0.05
    assert h == 0 or discrete_gaussian_tail(scale, h - 1) > 0.05


def test_gaussian_tail_matches_a_rational_sum() -> None:
    """The summed tail equals a sum of the probabilities in exact rationals (to float error)."""
    scale, h = 2.0, 3
    weights = {k: Fraction(math.exp(-(k * k) / (2 * scale * scale))) for k in range(-80, 81)}
    total = sum(weights.values())
    tail = sum(w for k, w in weights.items() if abs(k) > h) / total
    assert discrete_gaussian_tail(scale, h) == pytest.approx(float(tail), rel=1e-12)


@pytest.mark.parametrize("scale", [EXACT_GAUSSIAN_SCALE + 1, 1e6, 2.0**53])
def test_large_scale_half_widths_bound_the_tail(scale: float) -> None:
    """Above the exact limit h is never narrower than the continuous Gaussian's 1.96σ (which
    the discrete tail matches to 1e-4 there) and at most a few units wider."""
    h = discrete_gaussian_half_width(scale)
    continuous = 1.959963984540054 * scale
    assert continuous <= h <= continuous * (1 + 1e-3) + 3


def test_gaussian_intervals_cover_at_their_rate() -> None:
    """20,000 discrete Gaussian releases of one value: noisy ± h covers it ≥ 95% of the time,
    at the exact rate P(|noise| ≤ h) of the discrete distribution (the interval is tight: h − 1
    would cover less than 95%, see the half-width test above)."""
    release = make_gaussian_release(Sensitivity(3), Fraction(1, 8))
    noisy = release.release([1000] * 20_000)
    covered = sum(low <= 1000 <= high for low, high in map(release.interval95, noisy))
    low, high = release.interval95(1000)
    exact = 1 - discrete_gaussian_tail(release.scale, (high - low) // 2)
    rate, tolerance = covered / 20_000, coverage_tolerance(20_000)
    assert exact >= 0.95
    assert exact - tolerance <= rate <= exact + tolerance


def test_gaussian_quantile_bound_holds_simultaneously() -> None:
    """The cumulative bound for Gaussian histograms holds for every prefix at once ≥ 95%."""
    bins, runs = 64, 2000
    histogram = make_quantile_release(2, Bounds(0, 64), bins, Fraction(1, 2), Accounting.ZCDP)
    t = gaussian_cumulative_noise_bound(histogram.histogram.scale, bins)
    assert t == histogram.cumulative_bound
    misses = 0
    for _ in range(runs):
        noise = histogram.histogram.release([0] * bins)
        running = 0
        for n in noise:
            running += n
            if abs(running) >= t:
                misses += 1
                break
    assert misses / runs <= 0.05 + coverage_tolerance(runs)
