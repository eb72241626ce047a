"""A profile of a column's sampled values, built once and asked about each validator.

Values are counted once per distinct normalised form (``normalise.compact``), and a validator runs
only on distinct values of a length it can accept, so a 20,000-row sample of a categorical column
costs a handful of calls. Numbers mangled into scientific notation are kept aside: they validate
as nothing, but their surviving digits can still fit an identifier (``FLOAT_CORRUPTION_FITS``).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from classification.checksums import is_valid_resident_id_checksum
from classification.normalise import FloatCorruption, compact, float_corruption
from classification.validators import FLOAT_CORRUPTION_FITS, LENGTHS, VALIDATORS, is_resident_id

_TEXT = r"[\u4e00-\u9fff\s]"


@dataclass(frozen=True)
class ValueProfile:
    """Distinct normalised values with their counts (bucketed by length), float-corrupted
    numbers and the share of values that read as text."""

    non_null: int
    by_length: dict[int, tuple[tuple[str, int], ...]] = field(hash=False)
    corrupted: tuple[tuple[FloatCorruption, int], ...]
    text_share: float

    def _counted(self, lengths: Iterable[int], accept: Callable[[str], bool]) -> int:
        """How many values of the given lengths ``accept`` takes."""
        return sum(
            count
            for length in lengths
            for value, count in self.by_length.get(length, ())
            if accept(value)
        )

    def evidence(self, validator: str) -> tuple[int, int]:
        """(values the validator accepts incl. fitting float-corrupted ones, those corrupted)."""
        valid = self._counted(LENGTHS[validator], VALIDATORS[validator])
        fits = FLOAT_CORRUPTION_FITS.get(validator)
        corrupted = sum(n for c, n in self.corrupted if fits is not None and fits(c))
        return valid + corrupted, corrupted

    @property
    def checksum_only_resident_ids(self) -> int:
        """Values that pass the resident ID checksum but not the province and birth-date checks."""
        return self._counted(
            (18,), lambda v: is_valid_resident_id_checksum(v) and not is_resident_id(v)
        )


def profile_values(sample: pd.Series) -> ValueProfile:
    """Profile a sample of string cells (None, NaN or blank strings count as nulls)."""
    raw = sample.dropna().astype(str).value_counts()
    buckets: dict[int, dict[str, int]] = defaultdict(dict)
    for value, count in zip(raw.index.tolist(), raw.tolist(), strict=True):
        form = compact(value)
        if form:
            bucket = buckets[len(form)]
            bucket[form] = bucket.get(form, 0) + count
    by_length = {length: tuple(bucket.items()) for length, bucket in buckets.items()}
    non_null = sum(count for bucket in buckets.values() for count in bucket.values())
    corrupted = tuple(
        (c, int(n))
        for value, n in raw.items()
        if (c := float_corruption(unicodedata.normalize("NFKC", value).strip())) is not None
        and not c.repairable
    )
    texty = int(raw[raw.index.str.contains(_TEXT, regex=True)].sum()) if len(raw) else 0
    return ValueProfile(non_null, by_length, corrupted, texty / max(non_null, 1))
