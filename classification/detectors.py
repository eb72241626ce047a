"""Per-column detection: which guide category a column belongs to, from its header and values.

Evidence is of two kinds and the strongest wins:

1. header cues — Chinese cues match as substrings, ASCII cues (English, pinyin abbreviations such
   as ``sfzh``, ``lxdh``, ``tyshxydm``) as whole tokens of the header;
2. the share of sampled values that pass the category's validator (``validators``), counting
   float-corrupted numbers whose surviving digits still fit, and masked identifiers.

A category is accepted on cue + share ≥ ``min_share``, on share ≥ ``min_share_without_cue`` alone,
or — for categories without a validator — on the cue alone. Among accepted ones: cue + values, then
values alone, then cue alone; ties go to the longest cue, then the strictest level. Every decision
becomes a reason such as ``联系电话: header cue '电话' + 98.7% of 2,000 sampled values are valid
mobile numbers → MOBILE → T4``; reasons never quote a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from classification.findings import UNMATCHED, ColumnFinding
from classification.guide import Category, Guide
from classification.normalise import normalise_header, repair_mojibake
from classification.profile import ValueProfile, profile_values
from classification.tiers import Tier

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
NOUNS = {
    "resident_id": "valid resident IDs",
    "credit_code": "valid credit codes",
    "org_code": "valid organisation codes",
    "mobile": "valid mobile numbers",
    "bank_card": "Luhn-valid bank card numbers",
    "plate": "licence plates",
    "passport": "passport numbers",
    "hk_macao_permit": "HK/Macao permit numbers",
    "masked_resident_id": "masked resident IDs",
    "masked_mobile": "masked mobile numbers",
    "person_name": "natural-person names",
}
"""How a reason names the values a validator accepts."""


@dataclass(frozen=True)
class ColumnDetection:
    """A column's finding plus whether the free-text scanner must read all of its rows."""

    finding: ColumnFinding
    scan_free_text: bool


@dataclass(frozen=True)
class _Candidate:
    """A category that fits the column, with the strength of its evidence."""

    category: Category
    strength: int
    cue: str | None
    share: float | None
    evidence: str


def header_tokens(header: str) -> tuple[str, ...]:
    """Lower-case ASCII tokens of a header: ``qyLxdh_2`` → ``("qy", "lxdh", "2")``."""
    return tuple(t for t in _NON_ALNUM.split(_CAMEL.sub("_", header).lower()) if t)


def matched_cue(header: str, cues: tuple[str, ...]) -> str | None:
    """The longest cue found in ``header`` (CJK as substring, ASCII as whole tokens), or None."""
    tokens = "_" + "_".join(header_tokens(header)) + "_"
    found = [
        cue
        for cue in cues
        if (f"_{'_'.join(header_tokens(cue))}_" in tokens if cue.isascii() else cue in header)
    ]
    return max(found, key=len, default=None)


def detect_column(name: object, sample: pd.Series, guide: Guide) -> ColumnDetection:
    """Grade one column from its header and a sample of its values (strings, None for nulls)."""
    label = str(name)
    header = normalise_header(label)
    profile = profile_values(sample)
    candidates, notes = _candidates(header, profile, guide)
    if repair_mojibake(label) != label:
        notes.insert(0, f"header read as {label!r}, repaired to {header!r} (wrong encoding)")
    if not candidates:
        return _unmatched(label, header, profile, notes, guide)
    best = max(
        candidates, key=lambda c: (c.strength, len(c.cue or ""), c.category.level, c.share or 0)
    )
    category = best.category
    if best.strength == 3:
        notes = [n for n in notes if n.startswith("header read as")]
    reason = f"{header}: {best.evidence} → {category.code} → {category.level}"
    finding = ColumnFinding(label, category.code, category.level, (*notes, reason), best.share)
    scan = category.level < Tier.T4 and category.validator is None and _texty(category, profile)
    return ColumnDetection(finding, scan)


def _candidates(
    header: str, profile: ValueProfile, guide: Guide
) -> tuple[list[_Candidate], list[str]]:
    """Every category the evidence supports, plus notes on cues the values contradicted."""
    candidates, notes = [], []
    for category in guide.categories:
        cue = matched_cue(header, category.header_cues)
        if category.validator is None:
            if cue is not None:
                candidates.append(_Candidate(category, 1, cue, None, f"header cue {cue!r}"))
            continue
        candidate, note = _validated(category, cue, profile)
        if candidate is not None:
            candidates.append(candidate)
        elif note:
            notes.append(note)
    return candidates, notes


def _validated(
    category: Category, cue: str | None, profile: ValueProfile
) -> tuple[_Candidate | None, str | None]:
    """Judge a validator-backed category on its cue and the share of values it accepts."""
    assert category.validator is not None
    if profile.non_null == 0:
        if cue is None:
            return None, None
        evidence = f"header cue {cue!r}; no non-empty values in the sample to check"
        return _Candidate(category, 1, cue, None, evidence), None
    valid, corrupted = profile.evidence(category.validator)
    share = valid / profile.non_null
    sampled = f"{share:.1%} of {profile.non_null:,} sampled values are {NOUNS[category.validator]}"
    if corrupted:
        sampled += (
            f" ({corrupted:,} of them float-corrupted: scientific notation, last digits lost, "
            "leading digits still fit — re-export the column as text)"
        )
    if cue is not None and share >= category.min_share:
        return _Candidate(category, 3, cue, share, f"header cue {cue!r} + {sampled}"), None
    threshold = category.min_share_without_cue
    if threshold is not None and share >= threshold:
        evidence = f"values alone: {sampled}" + (f" (header cue {cue!r})" if cue else "")
        return _Candidate(category, 2, cue, share, evidence), None
    if cue is None:
        return None, None
    note = f"header cue {cue!r} suggested {category.code} but only {sampled}"
    return None, f"{note} (needs {category.min_share:.0%})"


def _unmatched(
    label: str, header: str, profile: ValueProfile, notes: list[str], guide: Guide
) -> ColumnDetection:
    """The finding for a column no category fits, explaining what was ruled out."""
    checksum_only = profile.checksum_only_resident_ids
    if checksum_only:
        notes.append(
            f"{checksum_only / profile.non_null:.1%} of sampled values pass the GB 11643 checksum "
            "alone but have no valid province or birth date: random serials, not IDs"
        )
    evidence = "no header cue and no identifier among the sampled values"
    reason = f"{header}: {evidence} → {UNMATCHED} → {guide.unmatched_level}"
    finding = ColumnFinding(label, UNMATCHED, guide.unmatched_level, (*notes, reason), None)
    return ColumnDetection(finding, guide.unmatched_level < Tier.T4 and _texty(None, profile))


def _texty(category: Category | None, profile: ValueProfile) -> bool:
    """Whether a column must be scanned row by row for embedded identifiers."""
    if category is not None and category.role == "free_text":
        return True
    return profile.non_null == 0 or profile.text_share >= 0.3
