"""Shapes of the de-identification routes: the limits a steward searches with, the node chosen,
and a hierarchies revision."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from classification.lattice import DEFAULT_K, DEFAULT_L, DEFAULT_MAX_SUPPRESSION, Limits


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LimitsIn(_In):
    """k, l and the share of rows the search may suppress (defaults 10, 2, 5%)."""

    k: int = Field(DEFAULT_K, ge=2, le=1000)
    l: int = Field(DEFAULT_L, ge=1, le=100)  # noqa: E741 (l is the standard name)
    max_suppression: float = Field(DEFAULT_MAX_SUPPRESSION, ge=0, lt=1)

    def limits(self) -> Limits:
        """As the classification package's value object."""
        return Limits(self.k, self.l, self.max_suppression)


class ChoiceIn(LimitsIn):
    """The node the steward picks: one level per quasi-identifier, under the same limits."""

    levels: dict[str, int]


class HierarchiesIn(_In):
    """A whole hierarchies file (TOML) and the steward's note for the audit log."""

    text: str = Field(min_length=1, max_length=200_000)
    note: str = Field("", max_length=500)


class HierarchiesOut(BaseModel):
    """The hierarchies in force."""

    version: str
    text: str
