"""Reading a DP answer's 95% intervals: which values they qualify, and which say little.

An answer frame holds each DP value beside ``<value>_low`` and ``<value>_high``. An interval
wider than the value itself (a count of 40 somewhere in [-10, 90]) means the ε spent was too
small for the groups asked for; ``warn_wide_intervals`` says so once per query, with the way on.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pandas as pd


class WideIntervalWarning(UserWarning):
    """Some values of an answer carry an interval wider than the value itself."""


@dataclass(frozen=True)
class WideIntervals:
    """One value column's intervals that are wider than their values."""

    column: str
    wide: int
    total: int
    example: str


def value_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` that have both a ``_low`` and a ``_high`` column."""
    columns = set(frame.columns)
    return [c for c in frame.columns if f"{c}_low" in columns and f"{c}_high" in columns]


def wide_intervals(frame: pd.DataFrame) -> list[WideIntervals]:
    """Per value column, the rows whose interval width exceeds the value's magnitude."""
    values = value_columns(frame)
    keys = [c for c in frame.columns if not any(c in (v, f"{v}_low", f"{v}_high") for v in values)]
    found = []
    for column in values:
        value = pd.to_numeric(frame[column], errors="coerce")
        width = pd.to_numeric(frame[f"{column}_high"], errors="coerce") - pd.to_numeric(
            frame[f"{column}_low"], errors="coerce"
        )
        wide = width > value.abs()
        if wide.any():
            first = frame[wide].iloc[0]
            found.append(
                WideIntervals(column, int(wide.sum()), len(frame), _example(first, keys, column))
            )
    return found


def warn_wide_intervals(frame: pd.DataFrame, *, stacklevel: int = 3) -> None:
    """Warn (``WideIntervalWarning``) when any interval of ``frame`` is wider than its value."""
    found = wide_intervals(frame)
    if not found:
        return
    parts = "; ".join(f"{w.column}: {w.wide} of {w.total} (e.g. {w.example})" for w in found)
    warnings.warn(
        f"intervals wider than the values they qualify — {parts}. These values say little: "
        "spend more ε (lab.cost(sql, target_relative=0.1, expected=...) prices it) or group "
        "more coarsely.",
        WideIntervalWarning,
        stacklevel=stacklevel,
    )


def _example(row: pd.Series, keys: list[str], column: str) -> str:
    """``key=value: value [low, high]`` for one row, numbers rounded for reading."""
    where = ", ".join(f"{k}={row[k]}" for k in keys)
    low, high = _number(row[f"{column}_low"]), _number(row[f"{column}_high"])
    shown = f"{_number(row[column])} [{low}, {high}]"
    return f"{where}: {shown}" if where else shown


def _number(value: object) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.4g}"
