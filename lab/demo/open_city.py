"""The shapes of the demo city's everyday open data: lists of places and statistical series.

Most of what a city portal opens is one of two kinds of table. A list of places (schools,
hospitals, parks, charging stations) has a name, a district and WGS-84 coordinates near the
district's centre, plus facts of its own. A statistical series (monthly ridership, daily
weather, yearly crop output) has one row per period and group, and measures that follow a
level, a trend, a yearly cycle and noise. ``OpenSpec`` describes one such dataset: its
catalogue facts, its data dictionary and the function that draws its rows from a seeded stream.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from lab.demo.manifest import DemoTable, demo_table
from lab.demo.timeline import AS_OF
from lab.reference.regions import CITY_BBOX, DISTRICTS

DISTRICT_NAMES = tuple(d.name for d in DISTRICTS)
DISTRICT_WEIGHTS = (0.9, 1.0, 1.6, 0.8, 0.8, 1.0, 1.1, 0.9, 0.9, 0.7)
"""Relative size of each district, in ``DISTRICTS`` order (黄岛区 largest)."""


@dataclass(frozen=True)
class Measure:
    """One measure of a series: its typical level, noise, yearly cycle and growth per year.

    ``spread`` and ``season`` are shares of the level, unless ``absolute`` (temperatures, which
    cross zero): then they are in the column's unit and growth does not apply.
    """

    column: str
    description: str
    level: float
    spread: float = 0.08
    season: float = 0.0
    peak_month: int = 7
    growth: float = 0.0
    digits: int = 0
    absolute: bool = False
    upper: float | None = None
    dry_share: float = 0.0
    """Share of rows where the thing did not happen at all (no rain that day): value 0."""

    def value(self, rng: np.random.Generator, scale: float, years: float, month: int) -> float:
        """One draw for a row whose groups weigh ``scale``, ``years`` into the series."""
        cycle = np.cos((month - self.peak_month) / 12 * 2 * np.pi)
        if self.absolute:
            drawn = self.level * scale + self.season * cycle + rng.normal(0, self.spread)
        else:
            trend = (1 + self.growth) ** years * (1 + self.season * cycle)
            drawn = self.level * scale * trend * np.exp(rng.normal(0, self.spread))
        if self.dry_share and rng.random() < self.dry_share:
            return 0.0
        return drawn if self.upper is None else min(drawn, self.upper)


@dataclass(frozen=True)
class OpenSpec:
    """A T1 dataset of the demo city: catalogue facts, dictionary, and how to draw its rows."""

    id: str
    title: str
    title_en: str
    description: str
    department: str
    topic: str
    tags: tuple[str, ...]
    update_frequency: str
    dictionary: tuple[tuple[str, str], ...]
    draw: Callable[[np.random.Generator], pd.DataFrame] = field(repr=False)
    identifier_columns: tuple[str, ...] = ()

    def build(self, rng: np.random.Generator) -> DemoTable:
        """Draw the rows and describe them; every column must be in the dictionary."""
        frame = self.draw(rng)
        described = {column for column, _ in self.dictionary}
        missing = [c for c in frame.columns if c not in described]
        if missing:
            raise AssertionError(f"{self.id}: no dictionary entry for {missing}: this is a bug")
        return demo_table(
            frame,
            identifier_columns=self.identifier_columns,
            id=self.id,
            title=self.title,
            title_en=self.title_en,
            description=self.description,
            department=self.department,
            topic=self.topic,
            tags=self.tags,
            update_frequency=self.update_frequency,
            intended_tier="T1",
            dictionary=self.dictionary,
        )


PLACE_DICTIONARY = (
    ("名称", "设施的通用名称"),
    ("所属区", "设施所在的区（市）"),
    ("经度", "WGS-84 经度（度）"),
    ("纬度", "WGS-84 纬度（度）"),
)


def places(rng: np.random.Generator, count: int, name: Callable[[str, int], str]) -> pd.DataFrame:
    """``count`` places spread over the districts by size: 名称, 所属区, 经度, 纬度.

    ``name(district, k)`` names the k-th place (k from 1) of a district; names repeat nowhere.
    """
    weights = np.asarray(DISTRICT_WEIGHTS) / sum(DISTRICT_WEIGHTS)
    picks = np.sort(rng.choice(len(DISTRICTS), size=count, p=weights))
    seen: dict[int, int] = {}
    rows = []
    min_lon, min_lat, max_lon, max_lat = CITY_BBOX
    for index in picks.tolist():
        seen[index] = seen.get(index, 0) + 1
        district = DISTRICTS[index]
        lon = float(np.clip(district.centre[0] + rng.normal(0, 0.03), min_lon, max_lon))
        lat = float(np.clip(district.centre[1] + rng.normal(0, 0.025), min_lat, max_lat))
        rows.append((name(district.name, seen[index]), district.name, round(lon, 6), round(lat, 6)))
    return pd.DataFrame(rows, columns=["名称", "所属区", "经度", "纬度"])


def choose(rng: np.random.Generator, options: Sequence, size: int, p=None) -> np.ndarray:
    """``size`` draws from ``options`` (optionally weighted by ``p``, normalised here)."""
    weights = None if p is None else np.asarray(p, dtype=float) / np.sum(p)
    return np.asarray(options)[rng.choice(len(options), size=size, p=weights)]


def period_labels(frequency: str, first: date, last: date = AS_OF) -> list[tuple[str, float, int]]:
    """(label, years since ``first``, calendar month) of each period from ``first`` to ``last``.

    Labels: ``YYYY-MM-DD`` daily, ``YYYY-MM`` monthly, ``YYYY-Qn`` quarterly, ``YYYY`` yearly;
    only periods that have ended by ``last`` (a quarter or year still running is left out).
    """
    days = pd.date_range(first, last, freq="D")
    if frequency == "daily":
        stamps = days
    else:
        code = {"monthly": "MS", "quarterly": "QS", "yearly": "YS"}[frequency]
        stamps = pd.date_range(first, last, freq=code)
        ends = (
            stamps
            + {
                "monthly": pd.offsets.MonthEnd(),
                "quarterly": pd.offsets.QuarterEnd(),
                "yearly": pd.offsets.YearEnd(),
            }[frequency]
        )
        stamps = stamps[ends <= pd.Timestamp(last)]
    labels = {
        "daily": stamps.strftime("%Y-%m-%d"),
        "monthly": stamps.strftime("%Y-%m"),
        "quarterly": [f"{s.year}-Q{s.quarter}" for s in stamps],
        "yearly": stamps.strftime("%Y"),
    }[frequency]
    offset = (stamps - pd.Timestamp(first)).days / 365.25
    return list(zip(labels, offset, stamps.month, strict=True))


def series(
    rng: np.random.Generator,
    *,
    frequency: str,
    first: date,
    period: str,
    groups: Sequence[tuple[str, Sequence[str], Sequence[float]]] = (),
    measures: Sequence[Measure],
) -> pd.DataFrame:
    """One row per period and combination of groups, each measure drawn around its level.

    ``groups`` holds (column, values, relative sizes); a row's level is the measure's level
    times the sizes of its groups, grown by ``growth`` a year, with a yearly cosine cycle
    peaking in ``peak_month`` and log-normal noise.
    """
    labels = period_labels(frequency, first)
    keys = [[]]
    for _, values, sizes in groups:
        keys = [[*k, (v, s)] for k in keys for v, s in zip(values, sizes, strict=True)]
    rows = []
    for label, years, month in labels:
        for key in keys:
            scale = float(np.prod([s for _, s in key])) if key else 1.0
            row = {period: label, **{g[0]: v for g, (v, _) in zip(groups, key, strict=True)}}
            for m in measures:
                value = float(m.value(rng, scale, years, month))
                row[m.column] = round(value, m.digits) if m.digits else round(value)
            rows.append(row)
    return pd.DataFrame(rows)


def series_dictionary(period: tuple[str, str], *keys: tuple[str, str], measures) -> tuple:
    """The dictionary of a series: the period, its group keys, then each measure."""
    return (period, *keys, *((m.column, m.description) for m in measures))
