"""Privacy cost arithmetic: composition rounds up, budget splits never overspend."""

from __future__ import annotations

from fractions import Fraction

import pytest

from lab.errors import InvalidInput
from lab.gateway.accounting import PrivacyCost, split_budget, total_cost


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
@pytest.mark.parametrize("total", [PrivacyCost(1.0), PrivacyCost(0.3, 1e-6), PrivacyCost(2.7)])
def test_split_budget_composes_back_within_the_total(total: PrivacyCost, parts: int) -> None:
    """Splitting a budget into k equal parts and composing them never exceeds the budget."""
    shares = split_budget(total, parts)
    assert len(shares) == parts and len(set(shares)) == 1
    composed = total_cost(shares)
    assert composed.fits_within(total)
    assert composed.epsilon == pytest.approx(total.epsilon, rel=1e-14)
    assert composed.delta == pytest.approx(total.delta, rel=1e-14)


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
        split_budget(PrivacyCost(1.0), parts)
