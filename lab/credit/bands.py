"""Bands, trends and rates: how a derived number is shown to a bank instead of the number.

Every function maps a value to one label of a short, fixed list, so no output can carry a
source's own figures. ``None`` or NaN inputs map to ``"n/a"`` (or to the zero band for counts
and sums an enterprise simply has none of).
"""

from __future__ import annotations

import math
from typing import Any

NA = "n/a"
MONEY_EDGES = (
    (0, "0"),
    (10_000, "<10k"),
    (50_000, "10k-50k"),
    (200_000, "50k-200k"),
    (1_000_000, "200k-1m"),
    (5_000_000, "1m-5m"),
)
MONEY_TOP = ">=5m"
HEAD_EDGES = ((0, "0"), (10, "1-9"), (50, "10-49"), (100, "50-99"), (300, "100-299"))
HEAD_TOP = ">=300"
KWH_EDGES = ((0, "0"), (10_000, "<10k"), (100_000, "10k-100k"), (1_000_000, "100k-1m"))
KWH_TOP = ">=1m"
CAPITAL_EDGES = ((1_000_000, "<1m"), (10_000_000, "1m-10m"), (50_000_000, "10m-50m"))
CAPITAL_TOP = ">=50m"
AGE_EDGES = ((1, "<1y"), (3, "1-3y"), (5, "3-5y"), (10, "5-10y"))
AGE_TOP = ">=10y"
COUNT_TOP = 10
Cell = Any  # a value read from a pandas frame: a number, text, None or NaN


def missing(value: Cell) -> bool:
    """True for None or NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _edges(value: float, edges: tuple[tuple[float, str], ...], top: str) -> str:
    """The label of the first edge ``value`` is below (an edge of 0 matches exactly 0)."""
    for edge, label in edges:
        if (edge == 0 and value <= 0) or (edge > 0 and value < edge):
            return label
    return top


def money_band(value: Cell) -> str:
    """A sum in 元: zero when there is none."""
    return _edges(0.0 if missing(value) else float(value), MONEY_EDGES, MONEY_TOP)


def headcount_band(value: Cell) -> str:
    """The headcount band label (NA when missing)."""
    return NA if missing(value) else _edges(float(value), HEAD_EDGES, HEAD_TOP)


def kwh_band(value: Cell) -> str:
    """The electricity-use band label (missing counts as 0)."""
    return _edges(0.0 if missing(value) else float(value), KWH_EDGES, KWH_TOP)


def capital_band(value: Cell) -> str:
    """The registered-capital band label."""
    return NA if missing(value) else _edges(float(value), CAPITAL_EDGES, CAPITAL_TOP)


def age_band(years: Cell) -> str:
    """The enterprise-age band label."""
    return NA if missing(years) else _edges(float(years), AGE_EDGES, AGE_TOP)


def count(value: Cell) -> str:
    """A count of events: exact up to 9, then "10+"."""
    number = 0 if missing(value) else int(value)
    return f"{COUNT_TOP}+" if number >= COUNT_TOP else str(number)


def change(current: Cell, previous: Cell) -> float | None:
    """Relative change from ``previous`` to ``current``; None when it cannot be told."""
    if missing(current) or missing(previous) or float(previous) <= 0:
        return None
    return float(current) / float(previous) - 1.0


def trend(ratio: float | None) -> str:
    """A relative change as a direction with a coarse size."""
    if ratio is None:
        return NA
    if ratio <= -0.2:
        return "down>20%"
    if ratio <= -0.05:
        return "down5-20%"
    if ratio < 0.05:
        return "flat"
    if ratio < 0.2:
        return "up5-20%"
    return "up>20%"


def rate_band(rate: Cell) -> str:
    """A share of months (on-time payment) as one of three bands."""
    if missing(rate):
        return NA
    if float(rate) >= 0.95:
        return ">=95%"
    return "80-95%" if float(rate) >= 0.8 else "<80%"
