"""A dataset version's data dictionary: what each column holds, in which unit, coded how.

The steward supplies it with the file (a CSV or JSON sidecar, or the demo's manifest); it is
stored with the version and is the only source of a column's description on the portal, in the
CKAN API and in search. A column may be left undescribed; an entry for a column the file does
not have is refused, so a dictionary never names columns that are not there.

Sidecar shapes (UTF-8, a BOM allowed):

* CSV with a header row: ``column,description[,unit][,code_list]`` (or 字段名,说明,单位,代码表);
* JSON: a list of ``{"column", "description", "unit"?, "code_list"?}`` objects, or an object
  mapping each column to its description.

``code_list`` names a public code list of ``lab.reference`` whose codes stand for names
(``gb4754_section``): a T2 extract then delivers each code's label beside it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lab.errors import InvalidInput
from lab.reference import CODE_LABELS

MAX_SIDECAR_BYTES = 1024 * 1024
MAX_DESCRIPTION = 1000
MAX_UNIT = 40
_HEADERS = {
    "column": "column",
    "字段名": "column",
    "列名": "column",
    "description": "description",
    "说明": "description",
    "unit": "unit",
    "单位": "unit",
    "code_list": "code_list",
    "代码表": "code_list",
}


@dataclass(frozen=True)
class DictionaryEntry:
    """One described column; refuses an empty name or text, or an unknown code list."""

    column: str
    description: str
    unit: str = ""
    code_list: str = ""

    def __post_init__(self) -> None:
        """Check the entry can be shown as it is."""
        if not self.column.strip():
            raise InvalidInput("a data dictionary entry needs a column name")
        if not self.description.strip():
            raise InvalidInput(f"data dictionary: column {self.column!r} has no description")
        if len(self.description) > MAX_DESCRIPTION or len(self.unit) > MAX_UNIT:
            raise InvalidInput(
                f"data dictionary: column {self.column!r}: description at most "
                f"{MAX_DESCRIPTION} characters, unit at most {MAX_UNIT}"
            )
        if self.code_list and self.code_list not in CODE_LABELS:
            known = ", ".join(sorted(CODE_LABELS))
            raise InvalidInput(
                f"data dictionary: column {self.column!r}: unknown code list "
                f"{self.code_list!r} (known: {known})"
            )

    def label_of(self, code: str) -> str:
        """The label of ``code`` in this column's code list ("" when unlabelled or unknown)."""
        return CODE_LABELS[self.code_list].get(code, "") if self.code_list else ""

    def to_json(self) -> dict[str, str]:
        """The stored shape."""
        return {
            "column": self.column,
            "description": self.description,
            "unit": self.unit,
            "code_list": self.code_list,
        }


@dataclass(frozen=True)
class DataDictionary:
    """The described columns of one version, each column at most once."""

    entries: tuple[DictionaryEntry, ...] = ()

    def __post_init__(self) -> None:
        """Refuse a column described twice."""
        names = [e.column for e in self.entries]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise InvalidInput(f"data dictionary describes {', '.join(twice)} more than once")

    def __bool__(self) -> bool:
        """True when at least one column is described."""
        return bool(self.entries)

    def entry(self, column: str) -> DictionaryEntry | None:
        """The entry of ``column``, or None when it is undescribed."""
        return next((e for e in self.entries if e.column == column), None)

    def require_columns(self, columns: Iterable[str]) -> None:
        """InvalidInput naming every described column that ``columns`` lacks."""
        present = set(columns)
        unknown = [e.column for e in self.entries if e.column not in present]
        if unknown:
            raise InvalidInput(
                "the data dictionary describes columns the file does not have: "
                + ", ".join(unknown)
            )

    def restricted_to(self, columns: Iterable[str]) -> DataDictionary:
        """The entries of ``columns`` only (a new version keeps what still applies)."""
        kept = set(columns)
        return DataDictionary(tuple(e for e in self.entries if e.column in kept))

    def to_json(self) -> list[dict[str, str]]:
        """The stored shape: a list of entries."""
        return [e.to_json() for e in self.entries]

    @classmethod
    def from_json(cls, stored: Sequence[Mapping[str, str]] | None) -> DataDictionary:
        """Rebuild a stored dictionary (None, from a version stored before dictionaries: empty)."""
        return cls(tuple(_entry(item) for item in stored or ()))

    @classmethod
    def from_pairs(cls, pairs: Iterable[Sequence[str]]) -> DataDictionary:
        """A dictionary from (column, description) pairs, as the demo's manifests hold them."""
        return cls(tuple(DictionaryEntry(*pair) for pair in pairs))


def parse_sidecar(raw: bytes, name: str) -> DataDictionary:
    """The dictionary in an uploaded CSV or JSON sidecar; InvalidInput says what is wrong."""
    if len(raw) > MAX_SIDECAR_BYTES:
        raise InvalidInput(f"the data dictionary file is larger than {MAX_SIDECAR_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the data dictionary file is not UTF-8 text") from None
    if name.lower().endswith(".json"):
        return _from_json_text(text)
    if name.lower().endswith(".csv"):
        return _from_csv_text(text)
    raise InvalidInput("a data dictionary is a .csv or .json file")


def _from_json_text(text: str) -> DataDictionary:
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the data dictionary is not valid JSON: {exc.msg}") from None
    if isinstance(parsed, dict):
        parsed = [{"column": k, "description": v} for k, v in parsed.items()]
    if not isinstance(parsed, list) or not all(isinstance(i, dict) for i in parsed):
        raise InvalidInput("a JSON data dictionary is a list of entries or a column → text object")
    return DataDictionary(tuple(_entry(item) for item in parsed))


def _from_csv_text(text: str) -> DataDictionary:
    reader = csv.reader(io.StringIO(text))
    header = [_HEADERS.get(h.strip().lower(), "") for h in next(reader, [])]
    if "column" not in header or "description" not in header:
        raise InvalidInput("a CSV data dictionary needs the columns: column, description")
    rows = (dict(zip(header, row, strict=False)) for row in reader if any(c.strip() for c in row))
    return DataDictionary(tuple(_entry(row) for row in rows))


def _entry(item: Mapping[str, object]) -> DictionaryEntry:
    def text(key: str) -> str:
        value = item.get(key) or ""
        if not isinstance(value, str):
            raise InvalidInput(f"data dictionary: {key} must be text, not {value!r}")
        return value.strip()

    return DictionaryEntry(text("column"), text("description"), text("unit"), text("code_list"))
