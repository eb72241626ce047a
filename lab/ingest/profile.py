"""Profiling a table chunk by chunk: rows, nulls, distinct counts, ranges, top values.

Memory stays bounded whatever the file size: distinct values are counted exactly up to
``DISTINCT_CAP`` (as 64-bit hashes) and reported as "at least" beyond it. Numbers are parsed
only while a column still looks numeric: once under half of a chunk parses, ranges and numeric
share stop being measured (the share then reports what was measured, below the thresholds that
use it). Top values are counted in the uniform row sample the ingest keeps (their counts are
counts in that sample); they are *candidates*: the caller keeps them only for columns the
classification allows to be shown.

What is stored is value-free for restricted data: a column keeps its range and top values only
when it is a T1 column of a dataset proposed (or decided) open, T1 or T2. Every other column —
and every column once a steward raises the dataset to T3 or above
(``lab.catalogue.versions.decisions.value_free``) — keeps counts, the null count, the numeric
share and the longest length, never a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

DISTINCT_CAP = 100_000
TOP_SHOWN = 10


@dataclass(frozen=True)
class ColumnProfile:
    """What was measured of one column."""

    name: str
    rows: int
    nulls: int
    distinct: int
    distinct_capped: bool
    numeric_share: float
    minimum: float | None
    maximum: float | None
    max_length: int
    top_values: tuple[tuple[str, int], ...] = ()

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "rows": self.rows,
            "nulls": self.nulls,
            "distinct": self.distinct,
            "distinct_capped": self.distinct_capped,
            "numeric_share": round(self.numeric_share, 4),
            "min": self.minimum,
            "max": self.maximum,
            "max_length": self.max_length,
            "top_values": [list(pair) for pair in self.top_values],
        }

    def without_values(self) -> ColumnProfile:
        """The same profile with value-revealing fields removed (for restricted columns)."""
        return ColumnProfile(
            self.name,
            self.rows,
            self.nulls,
            self.distinct,
            self.distinct_capped,
            self.numeric_share,
            None,
            None,
            self.max_length,
        )


@dataclass
class _ColumnTally:
    name: str
    rows: int = 0
    nulls: int = 0
    numeric: int = 0
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 0
    hashes: set[int] = field(default_factory=set)
    capped: bool = False
    numeric_seen: int = 0
    numbers_wanted: bool = True

    def add(self, series: pd.Series) -> None:
        present = series.dropna()
        self.rows += len(series)
        self.nulls += len(series) - len(present)
        if present.empty:
            return
        self.max_length = max(self.max_length, int(present.str.len().max()))
        if self.numbers_wanted:
            numbers = _numbers_in(present)
            self._add_numbers(numbers)
            self.numeric_seen += len(present)
            self.numbers_wanted = len(numbers) >= len(present) / 2
        self._add_distinct(present)

    def _add_numbers(self, numbers: pd.Series) -> None:
        if numbers.empty:
            return
        self.numeric += len(numbers)
        low, high = float(numbers.min()), float(numbers.max())
        self.minimum = low if self.minimum is None else min(self.minimum, low)
        self.maximum = high if self.maximum is None else max(self.maximum, high)

    def _add_distinct(self, present: pd.Series) -> None:
        if self.capped:
            return
        uniques = pd.Series(present.unique())
        self.hashes.update(pd.util.hash_pandas_object(uniques, index=False).tolist())
        if len(self.hashes) > DISTINCT_CAP:
            self.capped = True
            self.hashes = set(list(self.hashes)[:DISTINCT_CAP])

    def result(self, sample: pd.Series | None = None) -> ColumnProfile:
        return ColumnProfile(
            self.name,
            self.rows,
            self.nulls,
            len(self.hashes),
            self.capped,
            self.numeric / self.numeric_seen if self.numeric_seen else 0.0,
            self.minimum,
            self.maximum,
            self.max_length,
            _top_values(sample),
        )


def _top_values(sample: pd.Series | None) -> tuple[tuple[str, int], ...]:
    if sample is None:
        return ()
    counted = sample.dropna().value_counts().head(TOP_SHOWN)
    return tuple((str(value), int(count)) for value, count in counted.items())


_NUMBER = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


def _numbers_in(present: pd.Series) -> pd.Series:
    """The values that parse as numbers, as floats (Arrow's RE2 and cast where available)."""
    dtype = present.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        values = pa.array(present.array)
        numeric = values.filter(pc.match_substring_regex(values, _NUMBER))
        return pd.Series(pc.cast(pc.utf8_trim_whitespace(numeric), pa.float64()).to_numpy())
    return pd.to_numeric(present, errors="coerce").dropna()


class TableProfiler:
    """Feed chunks with ``add``; ``result`` gives one ColumnProfile per column."""

    def __init__(self, columns: list[str]) -> None:
        self.tallies = {name: _ColumnTally(name) for name in columns}

    def add(self, chunk: pd.DataFrame) -> None:
        for name, tally in self.tallies.items():
            tally.add(chunk[name])

    @property
    def rows(self) -> int:
        return next(iter(self.tallies.values())).rows if self.tallies else 0

    def result(self, sample: pd.DataFrame | None = None) -> tuple[ColumnProfile, ...]:
        """Profiles; top values (with their counts) come from ``sample``, a uniform sample."""
        return tuple(
            tally.result(sample[name] if sample is not None else None)
            for name, tally in self.tallies.items()
        )
