"""De-identification transforms (DESIGN §6), each a pure function from values to new values.

* ``drop`` — remove columns;
* ``mask`` — keep a head and tail, star the middle (``370202********1234``); ``mask_embedded``
  stars identifiers the scanner finds inside free text;
* ``pseudonymise`` — keyed HMAC-SHA256, so equal inputs stay linkable without being readable.
  The caller passes the key in; it is used, never stored, logged or returned;
* ``generalise_dates`` (→ month or year), ``generalise_ages`` (→ bands), ``generalise_addresses``
  (→ the 街道/镇/乡 level; anything finer is cut, anything coarser suppressed).

A transform alone lowers nothing: the lab re-classifies the result and a tier may only drop once
the gate in ``anonymity`` passes (k-anonymity, l-diversity).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable

import pandas as pd

from classification.errors import ClassificationError
from classification.normalise import compact, normalise_value
from classification.scanner import scan_text

MIN_KEY_BYTES = 32
# A date as year, month and an optional day, in the forms Chinese files use (also read by the
# date hierarchies).
DATE = re.compile(r"(\d{4})\s*[-/.年]?\s*(\d{1,2})(?:\s*[-/.月]?\s*(\d{1,2})日?)?")
_ADDRESS_STREET = re.compile(r"^(.*?(?:街道|镇|乡))")


def _each(values: pd.Series, transform: Callable[[str], str | None]) -> pd.Series:
    """Apply ``transform`` to every non-null value; an object series with None for nulls."""
    out = [None if v is None or pd.isna(v) else transform(str(v)) for v in values.tolist()]
    return pd.Series(out, index=values.index, dtype=object, name=values.name)


def drop(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy of ``frame`` without ``columns`` (every one must exist)."""
    missing = sorted(set(columns) - set(frame.columns))
    if missing:
        raise ClassificationError(f"cannot drop unknown columns {missing}")
    return frame.drop(columns=columns)


def mask(values: pd.Series, *, keep_head: int = 0, keep_tail: int = 4) -> pd.Series:
    """Replace all but ``keep_head`` leading and ``keep_tail`` trailing characters with ``*``."""

    def masked(value: str) -> str:
        text = compact(value)
        hidden = max(len(text) - keep_head - keep_tail, 0)
        if hidden == 0:
            return "*" * len(text)
        return text[:keep_head] + "*" * hidden + text[len(text) - keep_tail :]

    return _each(values, masked)


def mask_embedded(values: pd.Series) -> pd.Series:
    """Star every identifier the scanner finds inside free text (the text is NFKC-normalised)."""

    def masked(value: str) -> str:
        text = unicodedata.normalize("NFKC", value)
        for span in reversed(scan_text(text)):
            text = text[: span.start] + "*" * (span.end - span.start) + text[span.end :]
        return text

    return _each(values, masked)


def pseudonymise(values: pd.Series, *, key: bytes, digits: int = 32) -> pd.Series:
    """HMAC-SHA256 of each normalised value under ``key``, as ``digits`` hex characters.

    Normalisation (NFKC, no spaces or hyphens, upper case) makes ``…123x`` and ``…123X`` one
    pseudonym. The key must hold at least 32 bytes; it is not kept anywhere.
    """
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ClassificationError(f"a pseudonymisation key must be at least {MIN_KEY_BYTES} bytes")
    if not 16 <= digits <= 64:
        raise ClassificationError("digits must be between 16 and 64 (64 to 256 bits)")

    def pseudonym(value: str) -> str:
        return hmac.new(key, compact(value).encode(), hashlib.sha256).hexdigest()[:digits]

    return _each(values, pseudonym)


def generalise_dates(values: pd.Series, *, to: str = "month") -> pd.Series:
    """Dates (2024-03-05, 20240305, 2024年3月5日 …) as ``YYYY-MM`` (month) or ``YYYY`` (year)."""
    if to not in ("month", "year"):
        raise ClassificationError("dates generalise to 'month' or 'year'")

    def coarse(value: str) -> str | None:
        match = DATE.match(unicodedata.normalize("NFKC", value).strip())
        if match is None or not 1 <= int(match.group(2)) <= 12:
            return None
        return match.group(1) if to == "year" else f"{match.group(1)}-{int(match.group(2)):02d}"

    return _each(values, coarse)


def generalise_ages(values: pd.Series, *, width: int = 10, top: int = 80) -> pd.Series:
    """Ages as bands of ``width`` years (``30-39``), everything from ``top`` up as ``80+``."""
    if width < 2 or top % width:
        raise ClassificationError("band width must be ≥ 2 and divide the top band's start")

    def band(value: str) -> str | None:
        try:
            age = int(float(normalise_value(value)))
        except ValueError:
            return None
        if age < 0:
            return None
        if age >= top:
            return f"{top}+"
        start = age - age % width
        return f"{start}-{start + width - 1}"

    return _each(values, band)


def generalise_addresses(values: pd.Series) -> pd.Series:
    """Addresses cut after their 街道/镇/乡; those without one are suppressed (None)."""

    def street(value: str) -> str | None:
        match = _ADDRESS_STREET.match(unicodedata.normalize("NFKC", value).strip())
        return match.group(1) if match else None

    return _each(values, street)
