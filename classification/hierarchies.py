"""Generalisation hierarchies as data: how each quasi-identifier coarsens, level by level.

The hierarchies live beside the guide in ``classification/guide/hierarchies.toml`` (a steward
reads and edits it; the lab stores edits as revisions like the guide's). ``load_hierarchies``
parses that file or a steward-edited TOML string into a frozen ``HierarchySet`` and refuses a
malformed one with a ``GuideError`` naming the entry. ``Hierarchy.generalise(value, level)``
gives a value's label at a level; level 0 is the finest level the extract may hold, and an
optional top level ``*`` hides the column. A null stays null below ``*``; a value the hierarchy
cannot read becomes ``*`` (a value of the hierarchy, never a made-up one).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from classification.deidentify import DATE
from classification.errors import GuideError

STAR = "*"
KINDS = ("date", "bands", "bins", "region", "truncate", "sections", "flat")
FALLBACK = "suppress_only"
_DATE_LEVELS = ("day", "month", "year", "5y", "10y")
_REGION_LEVELS = ("street", "district", "city")
_SECTION_LEVELS = ("code", "division", "section")
_STREET = re.compile(r"([^市区县省]*?(?:街道|镇|乡))")


def _require(condition: bool, message: str) -> None:
    """Raise ``GuideError(message)`` unless ``condition`` holds."""
    if not condition:
        raise GuideError(message)


@dataclass(frozen=True)
class Region:
    """The city, its districts and their streets: the data behind ``region`` hierarchies."""

    city: str
    districts: tuple[tuple[str, tuple[str, ...]], ...]

    def district_of(self, text: str) -> str | None:
        """The district named in ``text`` or owning the street it names; None when unknown."""
        for name, streets in self.districts:
            if name in text or any(street in text for street in streets):
                return name
        return None


@dataclass(frozen=True)
class Hierarchy:
    """One hierarchy: its kind, its levels (finest first) and the columns it applies to."""

    name: str
    kind: str
    levels: tuple[Any, ...]
    categories: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    top: bool = False

    def __post_init__(self) -> None:
        """Refuse an unknown kind, no levels, or levels and headers that do not fit the kind."""
        _require(bool(self.name), "a hierarchy needs a name")
        _require(self.kind in KINDS, f"kind must be one of {KINDS}, not {self.kind!r}")
        _require(bool(self.levels), "a hierarchy needs at least one level")
        _require(
            not self.headers or len(self.headers) == len(self.levels),
            "headers, when given, need one entry per level",
        )
        texts = (*self.categories, *self.cues, *self.headers)
        _require(all(isinstance(t, str) for t in texts), "categories, cues, headers are strings")
        allowed = {"date": _DATE_LEVELS, "region": _REGION_LEVELS, "sections": _SECTION_LEVELS}
        if self.kind in allowed:
            _require(
                all(level in allowed[self.kind] for level in self.levels),
                f"{self.kind} levels must be among {allowed[self.kind]}",
            )
        if self.kind in ("bands", "truncate"):
            ok = all(type(level) is int and level >= 1 for level in self.levels)
            _require(ok, f"{self.kind} levels must be positive integers")
        if self.kind == "bins":
            ok = all(_is_edges(level) for level in self.levels)
            _require(ok, "bins levels must be ascending lists of at least two numbers")

    @property
    def height(self) -> int:
        """How many levels the search may choose from (the ``*`` top counts as one)."""
        return len(self.levels) + (1 if self.top else 0)

    def level_name(self, level: int) -> str:
        """A readable name of ``level`` (``year``, ``width 10``, ``*`` …)."""
        if level == len(self.levels):
            return STAR
        value = self.levels[level]
        if self.kind == "bands":
            return "value" if value == 1 else f"width {value}"
        if self.kind == "truncate":
            return f"first {value}"
        if self.kind == "bins":
            return f"bins {list(value)}"
        return str(value)

    def header(self, column: str, level: int) -> str:
        """The extract's header of ``column`` generalised to ``level``."""
        if level < len(self.headers) and self.headers[level]:
            return self.headers[level]
        return column

    def generalise(
        self, value: str | None, level: int, region: Region, sections: Any
    ) -> str | None:
        """``value``'s label at ``level``; ``*`` at the top or when the value cannot be read;
        None for a null below the top (a null is a class of its own)."""
        if not 0 <= level < self.height:
            raise GuideError(f"hierarchy {self.name!r} has no level {level}")
        if level == len(self.levels):
            return STAR
        if value is None:
            return None
        text = unicodedata.normalize("NFKC", str(value)).strip()
        label = _LABELLERS[self.kind](text, self.levels[level], region, sections)
        return STAR if label is None else label


def _is_edges(level: object) -> bool:
    if not isinstance(level, tuple):
        return False
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in level)
    return numbers and len(level) >= 2 and list(level) == sorted(set(level))


def _date(text: str, level: str, _region: Region, _sections: Any) -> str | None:
    match = DATE.match(text)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        return None
    year, month, day = int(match.group(1)), int(match.group(2)), match.group(3)
    if level == "day":
        return f"{year}-{month:02d}-{int(day):02d}" if day else None
    if level == "month":
        return f"{year}-{month:02d}"
    if level == "year":
        return str(year)
    width = 5 if level == "5y" else 10
    start = year - year % width
    return f"{start}-{start + width - 1}"


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _band(text: str, width: int, _region: Region, _sections: Any) -> str | None:
    number = _number(text)
    if number is None:
        return None
    if width == 1:
        return str(int(number)) if number == int(number) else text
    start = int(number // width) * width
    return f"{start}-{start + width - 1}"


def _bin(text: str, edges: tuple[float, ...], _region: Region, _sections: Any) -> str | None:
    number = _number(text)
    if number is None:
        return None
    if number < edges[0]:
        return f"<{edges[0]:g}"
    for low, high in itertools.pairwise(edges):
        if low <= number < high:
            return f"{low:g}-{high:g}"
    return f"≥{edges[-1]:g}"


def _region(text: str, level: str, region: Region, _sections: Any) -> str | None:
    if level == "city":
        return region.city
    if level == "district":
        return region.district_of(text)
    match = _STREET.search(text)
    return match.group(1) if match else None


def _truncate(text: str, keep: int, _region: Region, _sections: Any) -> str | None:
    if len(text) < keep:
        return None
    return text[:keep] + STAR * (len(text) - keep)


def _section(text: str, level: str, _region: Region, sections: Any) -> str | None:
    if len(text) < 2 or not text[:2].isdigit():
        return None
    if level == "code":
        return text
    if level == "division":
        return text[:2]
    division = int(text[:2])
    return next((code for code, first, last in sections if first <= division <= last), None)


def _flat(text: str, _level: str, _region: Region, _sections: Any) -> str | None:
    return text


_LABELLERS: dict[str, Callable[[str, Any, Region, Any], str | None]] = {
    "date": _date,
    "bands": _band,
    "bins": _bin,
    "region": _region,
    "truncate": _truncate,
    "sections": _section,
    "flat": _flat,
}


@dataclass(frozen=True)
class HierarchySet:
    """All hierarchies, the region table, the industry sections and the sensitive cues."""

    version: str
    hierarchies: tuple[Hierarchy, ...]
    region: Region
    sections: tuple[tuple[str, int, int], ...]
    sensitive_cues: tuple[str, ...]
    text: str = ""

    def __post_init__(self) -> None:
        """Refuse duplicate names, a category claimed twice and a missing fallback."""
        names = [h.name for h in self.hierarchies]
        _require(len(names) == len(set(names)), "hierarchy names must be unique")
        claimed = [c for h in self.hierarchies for c in h.categories]
        _require(len(claimed) == len(set(claimed)), "a category may have only one hierarchy")
        _require(FALLBACK in names, f"the hierarchies need a {FALLBACK!r} fallback")

    def for_column(self, column: str, category: str) -> Hierarchy | None:
        """The hierarchy of a column: by its category, else by a header cue; None if neither."""
        for hierarchy in self.hierarchies:
            if category in hierarchy.categories:
                return hierarchy
        lowered = column.lower()
        for hierarchy in self.hierarchies:
            if any(cue.lower() in lowered for cue in hierarchy.cues):
                return hierarchy
        return None

    def fallback(self) -> Hierarchy:
        """The hierarchy of a quasi-identifier none other claims: the value, or ``*``."""
        return next(h for h in self.hierarchies if h.name == FALLBACK)

    def is_sensitive(self, column: str) -> bool:
        """Whether ``column``'s header names a sensitive attribute (l-diversity applies)."""
        lowered = column.lower()
        return any(cue.lower() in lowered for cue in self.sensitive_cues)

    def generalise(self, hierarchy: Hierarchy, value: str | None, level: int) -> str | None:
        """``value`` at ``level`` of ``hierarchy`` under this set's region and sections."""
        return hierarchy.generalise(value, level, self.region, self.sections)


def load_hierarchies(text: str | None = None) -> HierarchySet:
    """Parse ``text`` (a steward-edited file) or, when None, the packaged ``hierarchies.toml``."""
    if text is None:
        path = resources.files("classification").joinpath("guide/hierarchies.toml")
        text = path.read_text("utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GuideError(f"the hierarchies are not valid TOML: {exc}") from exc
    try:
        return _set_from(raw, text)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise GuideError(
            f"the hierarchies file is malformed ({type(exc).__name__}: {exc})"
        ) from None


def _set_from(raw: dict[str, Any], text: str) -> HierarchySet:
    """Build and validate a HierarchySet from parsed TOML."""
    _require(isinstance(raw.get("version"), str), "the hierarchies need a version string")
    _known(raw, {"version", "hierarchies", "region", "sensitive", "sections"}, "the file")
    for index, entry in enumerate(raw.get("sections", [])):
        _known(entry, {"code", "first", "last"}, f"sections[{index}]")
    region = raw.get("region", {})
    districts = tuple(
        (str(d["name"]), tuple(str(s) for s in d.get("streets", [])))
        for d in region.get("districts", [])
    )
    sections = tuple(
        (str(s["code"]), int(s["first"]), int(s["last"])) for s in raw.get("sections", [])
    )
    return HierarchySet(
        version=raw["version"],
        hierarchies=tuple(_hierarchy(i, e) for i, e in enumerate(raw.get("hierarchies", []))),
        region=Region(str(region.get("city", "")), districts),
        sections=sections,
        sensitive_cues=tuple(str(c) for c in raw.get("sensitive", {}).get("cues", [])),
        text=text,
    )


def _known(table: dict[str, Any], allowed: set[str], where: str) -> None:
    """Refuse keys the file does not define (a typo would otherwise be ignored)."""
    unknown = sorted(set(table) - allowed)
    _require(not unknown, f"{where}: unknown keys {unknown}; allowed: {sorted(allowed)}")


def _hierarchy(index: int, entry: dict[str, Any]) -> Hierarchy:
    """Build one ``[[hierarchies]]`` entry; errors name its index and name."""
    allowed = {"name", "kind", "levels", "categories", "cues", "headers", "top"}
    where = f"hierarchies[{index}] ({entry.get('name')!r})"
    _known(entry, allowed, where)
    try:
        return Hierarchy(
            name=entry["name"],
            kind=entry["kind"],
            levels=tuple(tuple(v) if isinstance(v, list) else v for v in entry["levels"]),
            categories=tuple(entry.get("categories", ())),
            cues=tuple(entry.get("cues", ())),
            headers=tuple(entry.get("headers", ())),
            top=bool(entry.get("top", False)),
        )
    except GuideError as exc:
        raise GuideError(f"{where}: {exc}") from None
    except (KeyError, TypeError) as exc:
        raise GuideError(f"{where}: missing or malformed field ({exc})") from None


def content_version(text: str) -> str:
    """A short content hash of a hierarchies text (recorded with every choice made under it)."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]
