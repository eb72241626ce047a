"""A chart for an open dataset's page: server-side inline SVG, no script, no external asset.

The first column whose values are dates or months (``2026-03``, ``2026-03-01 08:00``) gives a
line over time — the mean of the first numeric column per period, or the row count; failing
that, the first numeric column gives a histogram. DuckDB aggregates the Parquet file, so the
page never loads the table. Each chart carries a title, a description and its numbers as a
table, for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
from markupsafe import Markup, escape

from lab.sql_text import sql_name, sql_string
from opendata.portal.catalogue import PublicDataset

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 240, 56, 40, 16
# SQL below is built from identifiers passed through sql_name and a quoted file path; values are
# bound as parameters.
BINS = 12
MAX_PERIODS = 60
_DATE_LIKE = r"^\d{4}-\d{2}(-\d{2})?([ T]\d{2})?"


@dataclass(frozen=True)
class Chart:
    """What a chart shows — ``kind`` line (``measure`` averaged, or rows counted when it is
    empty, per period of column ``by``) or bars (the distribution of ``measure``) — its points
    (label, value) and its SVG markup."""

    kind: str
    measure: str
    by: str
    points: tuple[tuple[str, float], ...]
    svg: Markup


def _source(path: Path) -> str:
    return f"read_parquet({sql_string(path)})"


def chart_for(dataset: PublicDataset, path: Path) -> Chart | None:
    """The chart of an open dataset's Parquet file at ``path``, or None if nothing fits."""
    numbers = [c.name for c in dataset.columns if c.type == "number"]
    texts = [c.name for c in dataset.columns if c.type == "text"]
    with duckdb.connect(":memory:") as connection:
        connection.execute("SET memory_limit = '256MB'")
        time_column = next((c for c in texts if _is_time(connection, path, c)), None)
        if time_column is not None:
            return _over_time(connection, path, time_column, numbers[0] if numbers else None)
        if numbers:
            return _histogram(connection, path, numbers[0])
    return None


def _is_time(connection, path: Path, column: str) -> bool:
    (share,) = connection.execute(
        f"SELECT avg(CASE WHEN regexp_matches({sql_name(column)}, ?) THEN 1 ELSE 0 END) "  # noqa: S608 — quoted identifier
        f"FROM (SELECT {sql_name(column)} FROM {_source(path)} "
        f"WHERE {sql_name(column)} IS NOT NULL LIMIT 200)",
        [_DATE_LIKE],
    ).fetchone()
    return bool(share) and share >= 0.95


def _over_time(connection, path: Path, column: str, measure: str | None) -> Chart | None:
    value = f"avg({sql_name(measure)})" if measure else "count(*)"
    for width in (7, 10, 13):  # month, day, hour
        rows = connection.execute(
            f"SELECT left({sql_name(column)}, {width}) AS period, {value} FROM {_source(path)} "  # noqa: S608
            f"WHERE {sql_name(column)} IS NOT NULL GROUP BY period ORDER BY period "
            f"LIMIT {MAX_PERIODS + 1}"
        ).fetchall()
        if len(rows) >= 2:
            break
    points = tuple((str(p), float(v)) for p, v in rows[:MAX_PERIODS] if v is not None)
    if len(points) < 2:
        return None
    title = f"{measure or 'count'} / {column}"
    return Chart("line", measure or "", column, points, _line_svg(title, points))


def _histogram(connection, path: Path, column: str) -> Chart | None:
    low, high = connection.execute(
        f"SELECT min({sql_name(column)}), max({sql_name(column)}) FROM {_source(path)}"  # noqa: S608
    ).fetchone()
    if low is None or high is None or low == high:
        return None
    step = (high - low) / BINS
    counts = dict(
        connection.execute(
            f"SELECT least(floor(({sql_name(column)} - ?) / ?), {BINS - 1})::INT AS bin, count(*) "  # noqa: S608
            f"FROM {_source(path)} WHERE {sql_name(column)} IS NOT NULL GROUP BY bin",
            [low, step],
        ).fetchall()
    )
    points = tuple(
        (f"{_short(low + i * step)}–{_short(low + (i + 1) * step)}", float(counts.get(i, 0)))
        for i in range(BINS)
    )
    return Chart("bars", column, "", points, _bar_svg(column, points))


def _short(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _frame(title: str, body: list[str], top: float) -> Markup:
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    axis = (
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{PAD_TOP + plot_h}" '
        'stroke="#4a5868"/>'
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - 8}" y2="{PAD_TOP + plot_h}" '
        'stroke="#4a5868"/>'
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + 4}" text-anchor="end" font-size="11">'
        f"{escape(_short(top))}</text>"
        f'<text x="{PAD_LEFT - 6}" y="{PAD_TOP + plot_h}" text-anchor="end" font-size="11">0</text>'
    )
    return Markup(  # noqa: S704 — every text part above went through escape()
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title" '
        'class="chart" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-title">{escape(title)}</title>{axis}{"".join(body)}</svg>'
    )


def _scale(points) -> tuple[float, float, float]:
    top = max(max(v for _, v in points), 1e-9)
    plot_w = WIDTH - PAD_LEFT - 8
    return top, plot_w / len(points), HEIGHT - PAD_BOTTOM - PAD_TOP


def _bar_svg(title: str, points) -> Markup:
    top, step, plot_h = _scale(points)
    body = []
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top
        x = PAD_LEFT + i * step
        body.append(
            f'<rect x="{x + 2:.1f}" y="{PAD_TOP + plot_h - h:.1f}" width="{step - 4:.1f}" '
            f'height="{h:.1f}" fill="#0b5394"><title>{escape(label)}: {value:g}</title></rect>'
        )
    body.extend(_ticks(points, step))
    return _frame(title, body, top)


def _line_svg(title: str, points) -> Markup:
    top, step, plot_h = _scale(points)
    coordinates = [
        (PAD_LEFT + (i + 0.5) * step, PAD_TOP + plot_h - plot_h * v / top)
        for i, (_, v) in enumerate(points)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    body = [f'<polyline points="{path}" fill="none" stroke="#0b5394" stroke-width="2"/>']
    body.extend(_ticks(points, step))
    return _frame(title, body, top)


def _ticks(points, step: float) -> list[str]:
    every = max(1, len(points) // 6)
    return [
        f'<text x="{PAD_LEFT + (i + 0.5) * step:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" '
        f'text-anchor="middle" font-size="10">{escape(label[:16])}</text>'
        for i, (label, _) in enumerate(points)
        if i % every == 0
    ]
