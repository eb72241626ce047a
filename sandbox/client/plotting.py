"""Plot a DP query result with its 95% intervals (matplotlib): error bars, or trend lines.

A query frame holds group keys, values and each value's interval as ``<value>_low`` and
``<value>_high``. ``plot_with_error_bars`` puts the group keys joined on the x axis and one
value as points with error bars; ``plot_trend`` draws one line per series over a period key
(months, quarters …) with its interval as a shaded band. matplotlib is imported only when a new
figure is needed, so the SDK works without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .intervals import value_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes

KEY_SEPARATOR = " / "


def plot_with_error_bars(
    frame: pd.DataFrame, value: str | None = None, *, ax: Axes | None = None
) -> Axes:
    """Draw ``value`` of each group of ``frame`` with an error bar from its low to its high.

    ``value`` may be left out when the frame has one value column. Draws on ``ax`` if given,
    else on a new figure; returns the Axes.
    """
    values = value_columns(frame)
    value = _chosen_value(values, value)
    keys = [c for c in frame.columns if c not in values and not _is_interval(c, values)]
    labels = _labels(frame, keys, value)
    y = frame[value].astype(float)
    below = (y - frame[f"{value}_low"].astype(float)).clip(lower=0)
    above = (frame[f"{value}_high"].astype(float) - y).clip(lower=0)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    positions = list(range(len(frame)))
    ax.errorbar(positions, y, yerr=[below, above], fmt="o", capsize=3)
    ax.set_xticks(positions, labels, rotation=45 if len(positions) > 5 else 0)
    ax.set_xlabel(KEY_SEPARATOR.join(map(str, keys)))
    ax.set_ylabel(f"{value} (95% interval)")
    return ax


def plot_trend(
    frame: pd.DataFrame,
    value: str | None = None,
    *,
    x: str,
    by: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw ``value`` over the period key ``x`` as a line with its 95% interval as a band.

    ``by`` names a second key (e.g. a district): one line and band per value of it. Periods
    keep the frame's order (the gateway answers them in time order, empty ones included).
    Draws on ``ax`` if given, else on a new figure; returns the Axes.
    """
    value = _chosen_value(value_columns(frame), value)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    periods = list(dict.fromkeys(frame[x]))
    series = [(None, frame)] if by is None else list(frame.groupby(by, sort=False))
    for name, rows in series:
        positions = [periods.index(p) for p in rows[x]]
        line = ax.plot(positions, rows[value].astype(float), label=name)[0]
        low, high = rows[f"{value}_low"].astype(float), rows[f"{value}_high"].astype(float)
        ax.fill_between(positions, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    step = max(1, len(periods) // 12)
    ax.set_xticks(range(0, len(periods), step), periods[::step], rotation=45)
    ax.set_xlabel(x)
    ax.set_ylabel(f"{value} (95% interval)")
    if by is not None:
        ax.legend(title=by, fontsize="small")
    return ax


def _is_interval(column: str, values: list[str]) -> bool:
    return any(column in (f"{v}_low", f"{v}_high") for v in values)


def _chosen_value(values: list[str], value: str | None) -> str:
    if value is not None and value in values:
        return value
    if value is None and len(values) == 1:
        return values[0]
    wanted = "a value column" if value is None else f"{value!r} with _low/_high columns"
    raise ValueError(f"cannot plot: pass value= one of {values} (looked for {wanted})")


def _labels(frame: pd.DataFrame, keys: list[str], value: str) -> list[str]:
    if not keys:
        return [value] * len(frame)
    return [KEY_SEPARATOR.join(map(str, row)) for row in frame[keys].itertuples(index=False)]
