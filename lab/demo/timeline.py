"""The demo's fixed calendar: the as-of date, the 24 data months and seeded random dates.

Everything is pinned to constants, never to today's date, so a seed reproduces the same files.
"""

from __future__ import annotations

from datetime import date

import numpy as np

AS_OF = date(2026, 10, 31)
"""Last day covered by the demo data; every generated event date is on or before it."""

MONTH_COUNT = 24
FIRST_MONTH = np.datetime64(AS_OF, "M") - (MONTH_COUNT - 1)
MONTHS: tuple[str, ...] = tuple(
    str(m) for m in np.arange(FIRST_MONTH, FIRST_MONTH + MONTH_COUNT, dtype="datetime64[M]")
)
"""The data window, "2024-11" … "2026-10"."""

REPORT_YEARS: tuple[int, ...] = (2024, 2025)
"""Annual-report and tax-credit evaluation years fully observed before ``AS_OF``."""

MONTH_OF_YEAR = np.array([int(m[5:]) for m in MONTHS])
"""Calendar month (1–12) of each data month, for seasonality."""


def random_days(rng: np.random.Generator, start: date, end: date, size: int) -> np.ndarray:
    """``size`` uniform days in ``[start, end]`` as ``datetime64[D]`` (always real dates)."""
    first = np.datetime64(start, "D")
    span = (np.datetime64(end, "D") - first).astype(int)
    return first + rng.integers(0, span + 1, size=size)


def days_until(rng: np.random.Generator, starts: np.ndarray, end: date = AS_OF) -> np.ndarray:
    """One uniform day in ``[start, end]`` per start day (a start after ``end`` gives ``end``)."""
    last = np.datetime64(end, "D")
    span = np.maximum((last - starts).astype(int), 0)
    return np.minimum(starts + np.floor(rng.random(len(starts)) * (span + 1)).astype(int), last)


def iso(days: np.ndarray) -> np.ndarray:
    """``datetime64`` values as ISO-8601 strings (``YYYY-MM-DD`` for days, ``YYYY-MM`` months)."""
    return np.datetime_as_string(days)
