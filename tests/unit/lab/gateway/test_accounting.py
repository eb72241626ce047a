"""Privacy cost arithmetic: exact budget units, composition rounds up, splits never overspend."""

from __future__ import annotations

from fractions import Fraction

import pytest

from lab.errors import InvalidInput
from lab.gateway.accounting import PrivacyCost, Spend, delta_units, epsilon_units, total_cost


def test_composition_adds_epsilon_and_delta() -> None:
    """Basic composition: a plan's ε and δ are the sums of its releases'."""
    cost = PrivacyCost(0.25, 1e-7) + PrivacyCost(0.5, 2e-7)
    assert cost.epsilon == 0.75
    assert Fraction(cost.delta) >= Fraction(1e-7) + Fraction(2e-7)
    assert cost.delta == pytest.approx(3e-7, rel=1e-15)


def test_total_cost_never_below_the_exact_sum() -> None:
    """Float rounding of a plan's total never under-charges the budget."""
    costs = [PrivacyCost(0.1)] * 10
    spent = total_cost(costs).epsilon
    assert Fraction(spent) >= 10 * Fraction(0.1)
    assert spent == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("parts", [1, 2, 3, 7, 10, 49])
@pytest.mark.parametrize(("epsilon", "delta"), [(1.0, 0.0), (0.3, 1e-6), (2.7, 0.0)])
def test_split_spend_composes_back_within_the_total(
    epsilon: float, delta: float, parts: int
) -> None:
    """Splitting a spend into k equal whole-unit shares never composes above it."""
    total = Spend.requested(epsilon, delta)
    shares = total.split(parts)
    assert len(shares) == parts and len(set(shares)) == 1
    assert sum(s.epsilon for s in shares) <= total.epsilon
    assert sum(s.delta for s in shares) <= total.delta
    assert total.epsilon - sum(s.epsilon for s in shares) < Fraction(parts, 10**6)


@pytest.mark.parametrize(
    ("epsilon", "units"), [(0.1, 100_000), (0.3, 300_000), (1e-6, 1), (10.0, 10_000_000)]
)
def test_epsilon_is_a_whole_number_of_micro_epsilon(epsilon: float, units: int) -> None:
    """A requested ε becomes the nearest whole micro-ε, never zero."""
    assert epsilon_units(epsilon) == units


@pytest.mark.parametrize("epsilon", [1e-300, 4e-13, 9.9e-7, 0.0, -0.5, float("nan"), float("inf")])
def test_epsilon_below_one_unit_or_not_finite_is_refused(epsilon: float) -> None:
    """An ε that would round to 0 micro-ε (or is NaN, infinite, negative) is a caller error."""
    with pytest.raises(InvalidInput, match="ε must be"):
        epsilon_units(epsilon)


@pytest.mark.parametrize("delta", [5e-16, 1e-13, -1e-9, float("nan"), 1.0])
def test_delta_below_one_unit_or_outside_range_is_refused(delta: float) -> None:
    """A positive δ below one pico-δ, or one outside [0, 1), is a caller error, not 0."""
    with pytest.raises(InvalidInput, match="δ must be"):
        delta_units(delta)


def test_a_spend_too_small_to_share_is_refused() -> None:
    """Three releases cannot share two micro-ε: refused instead of releasing at ε = 0."""
    with pytest.raises(InvalidInput, match="cannot be shared"):
        Spend(2).split(3)


def test_fits_within_checks_both_epsilon_and_delta() -> None:
    """A cost fits a budget only if both its ε and δ do."""
    budget = PrivacyCost(1.0, 1e-6)
    assert PrivacyCost(1.0, 1e-6).fits_within(budget)
    assert not PrivacyCost(1.0, 2e-6).fits_within(budget)
    assert not PrivacyCost(1.5).fits_within(budget)


@pytest.mark.parametrize(
    ("epsilon", "delta"), [(-0.1, 0.0), (float("inf"), 0.0), (float("nan"), 0.0), (1.0, 1.0)]
)
def test_invalid_costs_are_rejected(epsilon: float, delta: float) -> None:
    """A negative, infinite or NaN ε, or a δ outside [0, 1), is a caller error."""
    with pytest.raises(InvalidInput):
        PrivacyCost(epsilon, delta)


@pytest.mark.parametrize("parts", [0, -1, 1.5])
def test_split_into_non_positive_parts_is_rejected(parts: int) -> None:
    """A budget splits only into a whole number of parts ≥ 1."""
    with pytest.raises(InvalidInput):
        Spend(1_000_000).split(parts)
