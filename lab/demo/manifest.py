"""What the demo generator wrote: one frozen ``DemoDataset`` per file, listed in manifest.json.

Each entry carries the catalogue facts a steward would type at ingest (titles, owning department,
topic, tags, update frequency), the tier the dataset is meant to land in, the file's format and
encoding, and for restricted tiers the DP hints the gateway needs: the privacy unit, the rows one
unit may contribute, clamping bounds and the public code list behind each categorical column.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from lab.gateway.domains import is_generated, parse_domain
from lab.reference import PUBLIC_CODE_LISTS

TIERS = ("T1", "T2", "T3", "T4", "T5")
FREQUENCIES = ("hourly", "daily", "monthly", "quarterly", "yearly", "irregular")
FILE_FORMATS = {"csv": ("utf-8", "utf-8-sig", "gbk"), "xlsx": (None,), "parquet": (None,)}
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _require(condition: bool, message: str) -> None:
    """Raise ``ValueError`` with ``message`` when a manifest entry is inconsistent."""
    if not condition:
        raise ValueError(message)


@dataclass(frozen=True)
class NumericBound:
    """Clamping bounds the steward would set for one numeric column (integers: exact sums)."""

    column: str
    lower: int
    upper: int

    def __post_init__(self) -> None:
        """Refuse an empty interval."""
        _require(self.lower <= self.upper, f"bounds of {self.column} are empty")


@dataclass(frozen=True)
class CategoricalDomain:
    """A categorical column whose values are drawn from a registered public code list, or a
    generated public domain (``lab.gateway.domains``, e.g. ``months:2024-11:2026-10``)."""

    column: str
    code_list: str

    def __post_init__(self) -> None:
        """Refuse a code list that ``lab.reference`` does not publish, or a malformed domain."""
        if is_generated(self.code_list):
            parse_domain(self.code_list)
            return
        _require(self.code_list in PUBLIC_CODE_LISTS, f"unknown code list {self.code_list!r}")


@dataclass(frozen=True)
class DPHints:
    """The metadata a restricted table needs before the DP gateway may answer queries on it."""

    privacy_unit: str
    max_rows_per_unit: int
    numeric_bounds: tuple[NumericBound, ...] = ()
    categorical_domains: tuple[CategoricalDomain, ...] = ()
    unique_per_unit: tuple[str, ...] = ()
    """Columns with at most one row per unit and value (a monthly table's month)."""

    def __post_init__(self) -> None:
        """Refuse a unit that may contribute no rows."""
        _require(self.max_rows_per_unit >= 1, "max_rows_per_unit must be at least 1")

    def columns(self) -> set[str]:
        """Every column these hints refer to."""
        named = {b.column for b in self.numeric_bounds} | {
            d.column for d in self.categorical_domains
        }
        return named | {self.privacy_unit} | set(self.unique_per_unit)


@dataclass(frozen=True)
class DemoDataset:
    """One generated file and the catalogue and privacy facts that go with it."""

    id: str
    title: str
    title_en: str
    description: str
    department: str
    topic: str
    tags: tuple[str, ...]
    update_frequency: str
    intended_tier: str
    file_name: str
    format: str
    encoding: str | None
    row_count: int
    columns: tuple[str, ...]
    identifier_columns: tuple[str, ...] = ()
    dp: DPHints | None = None
    dictionary: tuple[tuple[str, str], ...] = ()
    """The data dictionary: (column, what it holds and in which unit), for the columns described."""

    def __post_init__(self) -> None:
        """Check the entry is self-consistent, so a broken generator fails at build time."""
        _require(bool(_SLUG.fullmatch(self.id)), f"dataset id {self.id!r} is not a slug")
        _require(self.intended_tier in TIERS, f"{self.id}: tier must be one of {TIERS}")
        _require(self.update_frequency in FREQUENCIES, f"{self.id}: unknown update frequency")
        _require(self.encoding in FILE_FORMATS.get(self.format, ()), f"{self.id}: bad format")
        _require(self.file_name.endswith(f".{self.format}"), f"{self.id}: extension mismatch")
        known = set(self.columns)
        _require(set(self.identifier_columns) <= known, f"{self.id}: unknown identifier column")
        described = {column for column, _ in self.dictionary}
        _require(described <= known, f"{self.id}: dictionary describes unknown columns")
        _require(self.dp is not None or self.intended_tier != "T3", f"{self.id}: T3 needs DP hints")
        if self.dp is not None:
            _require(self.dp.columns() <= known, f"{self.id}: DP hints name unknown columns")


@dataclass(frozen=True)
class DemoTable:
    """A generated frame together with the manifest entry that describes it."""

    dataset: DemoDataset
    frame: pd.DataFrame = field(repr=False)


def demo_table(
    frame: pd.DataFrame,
    *,
    file_format: str = "csv",
    encoding: str | None = "utf-8",
    identifier_columns: tuple[str, ...] = (),
    dp: DPHints | None = None,
    **about: str | tuple[str, ...],
) -> DemoTable:
    """Describe ``frame``: row count, columns and file name follow from it and from ``about["id"]``.

    ``about`` holds the catalogue fields of ``DemoDataset`` (id, title, title_en, description,
    department, topic, tags, update_frequency, intended_tier).
    """
    dataset = DemoDataset(
        file_name=f"{about['id']}.{file_format}",
        format=file_format,
        encoding=encoding,
        row_count=len(frame),
        columns=tuple(str(c) for c in frame.columns),
        identifier_columns=identifier_columns,
        dp=dp,
        **about,  # type: ignore[arg-type]
    )
    return DemoTable(dataset=dataset, frame=frame)


@dataclass(frozen=True)
class DemoManifest:
    """Everything one generator run wrote, with the parameters that reproduce it byte for byte."""

    seed: int
    scale: int
    as_of: str
    months: tuple[str, ...]
    datasets: tuple[DemoDataset, ...]

    def __post_init__(self) -> None:
        """Refuse two datasets with the same id (file names follow from ids)."""
        ids = [d.id for d in self.datasets]
        _require(len(set(ids)) == len(ids), "dataset ids must be unique")

    def dataset(self, dataset_id: str) -> DemoDataset:
        """The entry with ``dataset_id``; ``KeyError`` names it when absent."""
        for entry in self.datasets:
            if entry.id == dataset_id:
                return entry
        raise KeyError(f"no demo dataset {dataset_id!r}")

    def to_json(self) -> str:
        """Stable JSON (sorted keys, UTF-8 characters kept) so reruns are byte-identical."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, path: Path) -> DemoManifest:
        """Load a ``manifest.json`` written by ``write``, re-validating every entry."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        datasets = tuple(_dataset_from_json(entry) for entry in raw.pop("datasets"))
        return cls(**{**raw, "months": tuple(raw["months"]), "datasets": datasets})

    def write(self, out_dir: Path) -> Path:
        """Write ``manifest.json`` into ``out_dir`` and return its path."""
        path = out_dir / "manifest.json"
        path.write_text(self.to_json(), encoding="utf-8")
        return path


def _dataset_from_json(entry: dict) -> DemoDataset:
    """Rebuild one ``DemoDataset`` from its JSON form (lists back to tuples)."""
    dp = entry.pop("dp")
    if dp is not None:
        dp = DPHints(
            privacy_unit=dp["privacy_unit"],
            max_rows_per_unit=dp["max_rows_per_unit"],
            numeric_bounds=tuple(NumericBound(**b) for b in dp["numeric_bounds"]),
            categorical_domains=tuple(CategoricalDomain(**d) for d in dp["categorical_domains"]),
            unique_per_unit=tuple(dp.get("unique_per_unit", ())),
        )
    as_tuples = {k: tuple(entry[k]) for k in ("tags", "columns", "identifier_columns")}
    dictionary = tuple(tuple(pair) for pair in entry.get("dictionary", ()))
    return DemoDataset(**{**entry, **as_tuples, "dp": dp, "dictionary": dictionary})
