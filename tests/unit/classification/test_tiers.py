"""Tiers order by strictness and carry their Chinese and English labels."""

from __future__ import annotations

from classification.tiers import Tier, strictest


def test_tiers_compare_by_strictness() -> None:
    """T4 is stricter than T1 and T5 is the strictest; sorting follows strictness."""
    assert Tier.T4 > Tier.T1
    assert Tier.T2 <= Tier.T2 < Tier.T3
    assert sorted([Tier.T5, Tier.T1, Tier.T3]) == [Tier.T1, Tier.T3, Tier.T5]


def test_strictest_folds_any_number_of_tiers() -> None:
    """The strictest of several tiers wins; none at all gives the default T1."""
    assert strictest([Tier.T2, Tier.T4, Tier.T1]) is Tier.T4
    assert strictest([]) is Tier.T1


def test_labels_match_the_design() -> None:
    """Every tier has the DESIGN §2 labels; the value is the plain "T1" … "T5" string."""
    assert Tier.T1.label_zh == "公开·无条件开放"
    assert Tier.T3.label_zh == "敏感·沙箱可用不可见"
    assert Tier.T5.label_en == "Prohibited"
    assert [t.value for t in Tier] == ["T1", "T2", "T3", "T4", "T5"]
    assert Tier("T4") is Tier.T4 and f"{Tier.T4}" == "T4"
