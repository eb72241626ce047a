"""Shaping a stored feature record into the profile one consent allows — nothing more.

Only consented scopes appear, at the consented level and window: yes/no checks (verify), plus
banded indicators (indicators), plus the score (score), plus items already public (report).
Every profile carries the disputed items of its scopes and the date its data runs to.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from lab.credit import scorecard
from lab.credit.features import BUILDERS, derive
from lab.credit.vocabulary import Level, Purpose, Scope

NO_DATA = "no_data_held"
SCORE_ITEM = "score"


@dataclass(frozen=True)
class Grant:
    """What a served request may see: the consent's scopes, window and the level asked for."""

    credit_code: str
    consent_id: str
    purpose: Purpose
    scopes: frozenset[Scope]
    level: Level
    window_months: int


DECOY_FEATURES = derive({}, date(2000, 1, 31), frozenset(BUILDERS))
"""A feature record shaped like a real one: the denial path builds a profile from it, so it
does the same work as the path that finds the enterprise."""


def _scope_items(block: Mapping[str, Any], level: Level, window: str) -> dict[str, Any]:
    shown: dict[str, Any] = {"checks": dict(block["verify"])}
    if level.rank >= Level.INDICATORS.rank:
        shown["indicators"] = dict(block["indicators"][window])
    if level is Level.REPORT and "public" in block:
        shown["public_items"] = block["public"]
    return shown


def disputed_in_view(items: Collection[str], grant: Grant) -> list[str]:
    """Disputed items a profile under ``grant`` shows: those of its scopes (and the score)."""
    scopes = {s.value for s in grant.scopes}
    shown_score = grant.level.rank >= Level.SCORE.rank
    return sorted(
        item
        for item in set(items)
        if item.split(".", 1)[0] in scopes or (item == SCORE_ITEM and shown_score)
    )


def build_profile(
    features: Mapping[str, Any],
    data_as_of: str,
    grant: Grant,
    disputed: Collection[str],
    model: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The profile ``grant`` allows from one enterprise's stored features."""
    window = str(grant.window_months)
    scopes: dict[str, Any] = {}
    for scope in sorted(grant.scopes):
        block = features["scopes"].get(scope.value)
        scopes[scope.value] = (
            _scope_items(block, grant.level, window) if block else {"status": NO_DATA}
        )
    profile: dict[str, Any] = {
        "credit_code": grant.credit_code,
        "consent_id": grant.consent_id,
        "purpose": grant.purpose.value,
        "level": grant.level.value,
        "window_months": grant.window_months,
        "data_as_of": data_as_of,
        "scopes": scopes,
        "disputed_items": disputed_in_view(disputed, grant),
    }
    if grant.level.rank >= Level.SCORE.rank:
        profile["score"] = (
            scorecard.score(model, features["model"]).to_json() if model else {"status": NO_DATA}
        )
    return profile
