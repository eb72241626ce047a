"""What a classification found: one ``ColumnFinding`` per column and the ``DatasetClassification``.

Both are frozen. ``DatasetClassification.to_json`` is the documented, stable output of the CLI and
the API: ``{"tier", "guide_version", "reasons", "columns": [{"name", "category", "level",
"reasons"}]}``. Reasons name the rule and its evidence; they never quote a cell value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from classification.tiers import Tier

UNMATCHED = "UNMATCHED"
"""Category code of a column no guide category fits (graded at the guide's ``unmatched_level``)."""


@dataclass(frozen=True)
class ColumnFinding:
    """One column's category, level and the reasons for them; ``share`` of values that validated."""

    name: str
    category: str
    level: Tier
    reasons: tuple[str, ...]
    share: float | None = None

    def raised_to(self, level: Tier, reason: str) -> ColumnFinding:
        """This finding at ``level`` (never lower than now) with ``reason`` appended."""
        return ColumnFinding(
            name=self.name,
            category=self.category,
            level=max(self.level, level),
            reasons=(*self.reasons, reason),
            share=self.share,
        )

    def to_json(self) -> dict[str, Any]:
        """The column's entry in the stable JSON output."""
        return {
            "name": self.name,
            "category": self.category,
            "level": self.level.value,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class DatasetClassification:
    """The proposed tier of a dataset under one guide version, with every column's finding."""

    tier: Tier
    guide_version: str
    columns: tuple[ColumnFinding, ...]
    reasons: tuple[str, ...]

    @property
    def rejected(self) -> bool:
        """True for T5: the dataset may not be stored at all (negative list, DESIGN §2)."""
        return self.tier is Tier.T5

    def column(self, name: str) -> ColumnFinding:
        """The finding for column ``name``; ``KeyError`` when the dataset has no such column."""
        for finding in self.columns:
            if finding.name == name:
                return finding
        raise KeyError(f"no column {name!r} in this classification")

    def may_show_values(self, column: str) -> bool:
        """True only for a T1 column: the only kind whose values a profile may display."""
        return any(f.name == column and f.level is Tier.T1 for f in self.columns)

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form (see the module docstring)."""
        return {
            "tier": self.tier.value,
            "guide_version": self.guide_version,
            "reasons": list(self.reasons),
            "columns": [c.to_json() for c in self.columns],
        }
