"""The classification guide as data: categories, their levels, dataset rules and the negative list.

The guide lives in ``classification/guide/guide.toml`` (a steward reads and edits it; its comments
explain every field). ``load_guide`` parses that file or a steward-edited TOML string into a frozen
``Guide`` and refuses a malformed one with a ``GuideError`` that names the entry. Edits made in
code (``with_negative_entry`` / ``without_negative_entry``) return a new guide whose version says
it was edited, and ``to_toml`` gives the text the lab stores and passes back in.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, fields, replace
from importlib import resources
from typing import Any

from classification.errors import GuideError
from classification.guide_text import render_guide
from classification.tiers import Tier
from classification.validators import VALIDATORS

ROLES = ("identifier", "quasi_identifier", "attribute", "count", "free_text")
NEGATIVE_KINDS = ("category", "header")


def _require(condition: bool, message: str) -> None:
    """Raise ``GuideError(message)`` unless ``condition`` holds."""
    if not condition:
        raise GuideError(message)


def _tier(value: object, where: str) -> Tier:
    """``value`` as a Tier, or a GuideError naming ``where``."""
    _require(value in tuple(Tier), f"{where} must be one of T1–T5, not {value!r}")
    return Tier(str(value))


def _share(value: object, where: str) -> float:
    """``value`` as a share in (0, 1], or a GuideError naming ``where``."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1
    _require(ok, f"{where} must be a number in (0, 1], not {value!r}")
    return float(value)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Category:
    """One kind of column the guide knows, with the evidence that identifies it and its level."""

    code: str
    name_zh: str
    level: Tier
    role: str
    header_cues: tuple[str, ...]
    validator: str | None = None
    min_share: float = 0.5
    min_share_without_cue: float | None = None

    def __post_init__(self) -> None:
        """Refuse an unknown role or validator, an empty code and shares outside (0, 1]."""
        _require(bool(self.code) and self.code.isupper(), "code must be UPPER_CASE and non-empty")
        object.__setattr__(self, "level", _tier(self.level, "level"))
        _require(self.role in ROLES, f"role must be one of {ROLES}, not {self.role!r}")
        _require(
            self.validator is None or self.validator in VALIDATORS,
            f"unknown validator {self.validator!r}; known: {sorted(VALIDATORS)}",
        )
        _require(
            all(isinstance(c, str) and c.strip() for c in self.header_cues),
            "header cues must be non-empty strings",
        )
        _require(
            bool(self.header_cues) or self.min_share_without_cue is not None,
            "a category needs header cues or a min_share_without_cue (else it never matches)",
        )
        _share(self.min_share, "min_share")
        if self.min_share_without_cue is not None:
            _require(self.validator is not None, "min_share_without_cue needs a validator")
            _share(self.min_share_without_cue, "min_share_without_cue")


@dataclass(frozen=True)
class CombinationRule:
    """One column from every group, all present: the dataset and those columns rise to ``level``."""

    name: str
    groups: tuple[tuple[str, ...], ...]
    level: Tier

    def __post_init__(self) -> None:
        """Refuse a rule with fewer than two groups or an empty group."""
        object.__setattr__(self, "level", _tier(self.level, "level"))
        _require(len(self.groups) >= 2, "a combination needs at least two groups")
        _require(all(self.groups), "every group names at least one category")


@dataclass(frozen=True)
class NegativeEntry:
    """A negative-list entry: a category code or a header cue that forces T5 (rejection)."""

    kind: str
    value: str
    reason: str

    def __post_init__(self) -> None:
        """Refuse an unknown kind or an empty value or reason."""
        _require(self.kind in NEGATIVE_KINDS, f"kind must be one of {NEGATIVE_KINDS}")
        _require(bool(self.value.strip()), "value must not be empty")
        _require(bool(self.reason.strip()), "reason must not be empty (say why it is banned)")


@dataclass(frozen=True)
class Guide:
    """A whole guide; ``version`` is recorded with every classification made under it."""

    version: str
    title: str
    categories: tuple[Category, ...]
    combinations: tuple[CombinationRule, ...]
    negative_list: tuple[NegativeEntry, ...]
    small_cell_threshold: int = 10
    aggregate_level: Tier = Tier.T3
    unmatched_level: Tier = Tier.T1

    def __post_init__(self) -> None:
        """Refuse duplicate codes and rules or entries that name unknown categories."""
        _require(bool(self.version.strip()), "version must not be empty")
        _require(self.small_cell_threshold >= 2, "small_cell_threshold must be at least 2")
        codes = [c.code for c in self.categories]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        _require(not duplicates, f"duplicate category codes: {duplicates}")
        for rule in self.combinations:
            unknown = sorted({c for group in rule.groups for c in group} - set(codes))
            _require(not unknown, f"combination {rule.name!r} names unknown categories {unknown}")
        for entry in self.negative_list:
            ok = entry.kind != "category" or entry.value in codes
            _require(ok, f"negative-list entry names unknown category {entry.value!r}")

    def category(self, code: str) -> Category:
        """The category with ``code``; ``KeyError`` naming it when the guide has none."""
        for category in self.categories:
            if category.code == code:
                return category
        raise KeyError(f"guide {self.version} has no category {code!r}")

    def with_negative_entry(self, entry: NegativeEntry, *, version: str | None = None) -> Guide:
        """A new guide with ``entry`` added to the negative list (a steward edit)."""
        _require(entry not in self.negative_list, f"{entry.value!r} is already on the list")
        return self._edited(version, negative_list=(*self.negative_list, entry))

    def without_negative_entry(self, value: str, *, version: str | None = None) -> Guide:
        """A new guide without the negative-list entries whose value is ``value``."""
        kept = tuple(e for e in self.negative_list if e.value != value)
        _require(len(kept) < len(self.negative_list), f"{value!r} is not on the negative list")
        return self._edited(version, negative_list=kept)

    def to_toml(self) -> str:
        """The guide as TOML text that ``load_guide`` reads back into an equal guide."""
        return render_guide(self)

    def _edited(self, version: str | None, **changes: Any) -> Guide:
        """Apply ``changes``; without an explicit version, derive ``<base>+<content hash>``."""
        base = self.version.split("+")[0]
        edited = replace(self, version=base, **changes)
        digest = hashlib.sha256(edited.to_toml().encode()).hexdigest()[:8]
        return replace(edited, version=version or f"{base}+{digest}")


def load_guide(text: str | None = None) -> Guide:
    """Parse ``text`` (a steward-edited guide) or, when None, the packaged ``guide.toml``."""
    if text is None:
        text = resources.files("classification").joinpath("guide/guide.toml").read_text("utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GuideError(f"the guide is not valid TOML: {exc}") from exc
    return _guide_from(raw)


def _guide_from(raw: dict[str, Any]) -> Guide:
    """Build and validate a Guide from parsed TOML."""
    top_level = {"version", "title", "unmatched_level", "aggregates"}
    _known_keys(raw, top_level | {"categories", "combinations", "negative_list"}, "the guide")
    _require(isinstance(raw.get("version"), str), "the guide needs a version string")
    aggregates = raw.get("aggregates", {})
    _known_keys(aggregates, {"small_cell_threshold", "restricted_level"}, "[aggregates]")
    threshold = aggregates.get("small_cell_threshold", 10)
    _require(type(threshold) is int, "[aggregates] small_cell_threshold must be an integer")
    return Guide(
        version=raw["version"],
        title=str(raw.get("title", "")),
        categories=_entries(raw, "categories", Category, lambda e: e.get("code")),
        combinations=_entries(raw, "combinations", CombinationRule, lambda e: e.get("name")),
        negative_list=_entries(raw, "negative_list", NegativeEntry, lambda e: e.get("value")),
        small_cell_threshold=threshold,
        aggregate_level=_tier(aggregates.get("restricted_level", "T3"), "[aggregates]"),
        unmatched_level=_tier(raw.get("unmatched_level", "T1"), "unmatched_level"),
    )


def _entries(raw: dict[str, Any], table: str, kind: type, label: Any) -> tuple[Any, ...]:
    """Build every ``[[table]]`` entry as ``kind``; errors name the table, index and label."""
    built = []
    for index, entry in enumerate(raw.get(table, [])):
        where = f"{table}[{index}] ({label(entry)!r})"
        try:
            _known_keys(entry, {f.name for f in fields(kind)}, "entry")
            built.append(kind(**_tuples(entry)))
        except GuideError as exc:
            raise GuideError(f"{where}: {exc}") from None
        except TypeError as exc:
            raise GuideError(f"{where}: missing or malformed field ({exc})") from None
    return tuple(built)


def _known_keys(entry: object, allowed: set[str], where: str) -> None:
    """Refuse a table with keys the guide does not define (a typo would be silently ignored)."""
    if not isinstance(entry, dict):
        raise GuideError(f"{where} must be a table")
    unknown = sorted(set(entry) - allowed)
    _require(not unknown, f"{where}: unknown keys {unknown}; allowed: {sorted(allowed)}")


def _tuples(entry: dict[str, Any]) -> dict[str, Any]:
    """TOML arrays (also nested ones) as tuples, so entries are hashable and frozen."""

    def freeze(value: Any) -> Any:
        return tuple(freeze(v) for v in value) if isinstance(value, list) else value

    return {key: freeze(value) for key, value in entry.items()}
