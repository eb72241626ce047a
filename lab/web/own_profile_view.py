"""A served profile shaped for a page, in the page's language: one section per scope with each
item's name, value, unit and disputed flag, then the score with its reasons.

The enterprise's own profile page and the bank officer's result both use it, so both read the
same profile the same way. Values come from the profile exactly as served; only their names and
wording come from ``lab.credit.item_names``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lab.credit.item_names import item_name, item_unit, reason_name, value_text
from lab.credit.profiles import NO_DATA, SCORE_ITEM
from lab.credit.vocabulary import Scope


@dataclass(frozen=True)
class ItemRow:
    """One item as the page shows it."""

    key: str
    name: str
    value: str
    unit: str
    disputed: bool
    data_value: bool = False
    """True when the value is the register's own text (a name, a kind), not a band or check."""


@dataclass(frozen=True)
class ScopeSection:
    """One scope's items; ``held`` is False when the lab holds no data for it."""

    key: str
    name: str
    held: bool
    rows: tuple[ItemRow, ...]
    listed: tuple[tuple[str, tuple[dict[str, str], ...]], ...]
    """Public lists (penalties under publicity, valid licences) by their names."""
    disputed: bool


@dataclass(frozen=True)
class ScoreView:
    """The score as shown: points, grade, reasons and vetoes as (code, text) pairs."""

    held: bool
    points: int | None
    grade: str
    reasons: tuple[tuple[str, str], ...]
    vetoes: tuple[tuple[str, str], ...]
    version: str
    disputed: bool


REGISTER_TEXT = frozenset(
    {
        "registration.enterprise_type",
        "registration.industry_section",
        "registration.district",
        "registration.name",
        "registration.legal_representative",
        "registration.registration_status",
    }
)
"""Items whose value is the register's own words, shown as written (marked as Chinese text)."""


def sections(profile: Mapping[str, Any], lang: str) -> list[ScopeSection]:
    """Every scope of the profile, in the vocabulary's order."""
    disputed = set(profile["disputed_items"])
    order = [s.value for s in Scope]
    shown = sorted(profile["scopes"].items(), key=lambda kv: order.index(kv[0]))
    return [_section(scope, block, disputed, lang) for scope, block in shown]


def _section(scope: str, block: Mapping[str, Any], disputed: set[str], lang: str):
    if block.get("status") == NO_DATA:
        return ScopeSection(scope, item_name(scope, lang), False, (), (), scope in disputed)
    values = {**block["checks"], **block.get("indicators", {})}
    listed = []
    for name, value in block.get("public_items", {}).items():
        if isinstance(value, list):
            listed.append((item_name(f"{scope}.{name}", lang), tuple(value)))
        else:
            values[name] = value
    rows = tuple(_row(f"{scope}.{name}", value, disputed, lang) for name, value in values.items())
    return ScopeSection(scope, item_name(scope, lang), True, rows, tuple(listed), scope in disputed)


def _row(key: str, value: Any, disputed: set[str], lang: str) -> ItemRow:
    register = key in REGISTER_TEXT and bool(value)
    shown = str(value) if register else value_text(value, lang)
    unit = "" if isinstance(value, bool) else item_unit(key, lang)
    return ItemRow(key, item_name(key, lang), shown, unit, key in disputed, register)


def score_view(profile: Mapping[str, Any], lang: str) -> ScoreView | None:
    """The profile's score, its reasons and vetoes named in ``lang`` (None below ``score``
    level, where a profile has none)."""
    if "score" not in profile:
        return None
    score = profile["score"]
    disputed = SCORE_ITEM in profile["disputed_items"]
    if score.get("status") == NO_DATA:
        return ScoreView(False, None, "", (), (), "", disputed)
    return ScoreView(
        True,
        score["points"],
        score["grade"],
        tuple((r["code"], reason_name(r["code"], lang)) for r in score["reasons"]),
        tuple((v["code"], reason_name(v["code"], lang)) for v in score["vetoes"]),
        score["scorecard_version"],
        disputed,
    )
