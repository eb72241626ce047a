"""The five tiers of the lab (DESIGN §2), ordered by strictness: T1 open … T5 prohibited.

A dataset's tier is the strictest of its columns' levels (GB/T 43697 就高从严), so tiers compare
by strictness (``Tier.T4 > Tier.T1``) and ``strictest`` folds any number of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Tier(StrEnum):
    """One tier; the value ("T1" … "T5") is what files, JSON and the database hold."""

    T1 = "T1"
    T2 = "T2"
    T3 = "T3"
    T4 = "T4"
    T5 = "T5"

    @property
    def rank(self) -> int:
        """1 for the most open tier, 5 for the prohibited one."""
        return int(self.value[1])

    @property
    def label_zh(self) -> str:
        """The Chinese label used on pages and in the guide (e.g. 公开·无条件开放)."""
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        """The English label (e.g. Open)."""
        return _LABELS[self][1]

    def __lt__(self, other: object) -> bool:
        """Less strict than ``other``."""
        if not isinstance(other, Tier):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        """Not stricter than ``other``."""
        if not isinstance(other, Tier):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        """Stricter than ``other``."""
        if not isinstance(other, Tier):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        """At least as strict as ``other``."""
        if not isinstance(other, Tier):
            return NotImplemented
        return self.rank >= other.rank

    __hash__ = StrEnum.__hash__


_LABELS = {
    Tier.T1: ("公开·无条件开放", "Open"),
    Tier.T2: ("受限·有条件开放", "Conditional"),
    Tier.T3: ("敏感·沙箱可用不可见", "Sandbox"),
    Tier.T4: ("高敏·授权使用", "Consent-bound"),
    Tier.T5: ("禁止·不予开放", "Prohibited"),
}


def strictest(tiers: Iterable[Tier], *, default: Tier = Tier.T1) -> Tier:
    """The strictest of ``tiers``; ``default`` (T1) when there are none."""
    return max(tiers, default=default)
