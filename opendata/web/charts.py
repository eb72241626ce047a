"""A chart for an open dataset's page: server-side inline SVG, no script, no external asset.

What is drawn follows the columns' roles (``opendata.portal.column_roles``): a longitude and a
latitude column give a map of points; else a column of dates or months (``2026-03``,
``2026-03-01 08:00``) gives a line over time of the first measure's mean per period (rows
counted when there is no measure), its axis spanning the first to the last period; else the
first measure gives a histogram with round bin edges (whole numbers for integer columns).
Identifiers, codes and coordinates are never averaged or binned; with nothing meaningful there
is no chart. Numbers are written out (thousands separators, never ``1.2e+03``). DuckDB
aggregates the Parquet file, so the page never loads the table. Each chart carries a title, a
text alternative and its numbers as a table, for screen readers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
from markupsafe import Markup, escape

from lab.sql_text import sql_name, sql_string
from opendata.portal.catalogue import PublicColumn, PublicDataset
from opendata.portal.column_roles import Role, is_money, role_of

WIDTH, HEIGHT, PAD_BOTTOM, PAD_TOP, PAD_RIGHT = 640, 240, 40, 16, 12
MAP_HEIGHT, MAP_PAD, MAP_PAD_LEFT = 360, 28, 72
# SQL below is built from identifiers passed through sql_name and a quoted file path; values are
# bound as parameters.
BINS = 12
MAX_PERIODS = 60
MAX_POINTS = 2000
_DATE_LIKE = r"^\d{4}-\d{2}(-\d{2})?([ T]\d{2})?"
_PERIOD_FORMATS = {4: "%Y", 7: "%Y-%m", 10: "%Y-%m-%d", 13: "%Y-%m-%d %H"}


@dataclass(frozen=True)
class Chart:
    """What a chart shows — ``kind`` line (``measure`` averaged, or rows counted when it is
    empty, per period of column ``by``), bars (the distribution of ``measure``) or map (points
    at longitude ``by``, latitude ``measure``) — its points (label, value), the same written
    for people (``table``), a one-line text alternative (``summary``) and its SVG markup."""

    kind: str
    measure: str
    by: str
    points: tuple[tuple[str, float], ...]
    svg: Markup
    table: tuple[tuple[str, str], ...] = ()
    summary: str = ""


def _source(path: Path) -> str:
    return f"read_parquet({sql_string(path)})"


def chart_for(dataset: PublicDataset, path: Path, lang: str = "zh") -> Chart | None:
    """The chart of an open dataset's Parquet file at ``path``, or None if nothing fits; its
    words (the row count, the map's summary) in ``lang``, the data's names as they are."""
    roles = {c.name: role_of(c) for c in dataset.columns}
    named = {c.name: c for c in dataset.columns}
    longitude = next((n for n, r in roles.items() if r is Role.LONGITUDE), None)
    latitude = next((n for n, r in roles.items() if r is Role.LATITUDE), None)
    measures = [named[n] for n, r in roles.items() if r is Role.MEASURE]
    times = [n for n, r in roles.items() if r is Role.TIME] + [
        n for n, r in roles.items() if r is Role.OTHER and named[n].type == "text"
    ]
    with duckdb.connect(":memory:") as connection:
        connection.execute("SET memory_limit = '256MB'")
        if longitude and latitude:
            located = _map(connection, path, longitude, latitude, lang)
            if located is not None:
                return located
        time_column = next((c for c in times if _is_time(connection, path, c)), None)
        if time_column is not None:
            measure = measures[0] if measures else None
            line = _over_time(connection, path, time_column, measure, lang)
            if line is not None:
                return line
        for column in measures:
            bars = _histogram(connection, path, column)
            if bars is not None:
                return bars
    return None


def _is_time(connection, path: Path, column: str) -> bool:
    (share,) = connection.execute(
        f"SELECT avg(CASE WHEN regexp_matches({sql_name(column)}::VARCHAR, ?) THEN 1 ELSE 0 END) "  # noqa: S608 — quoted identifier
        f"FROM (SELECT {sql_name(column)} FROM {_source(path)} "
        f"WHERE {sql_name(column)} IS NOT NULL LIMIT 200)",
        [_DATE_LIKE],
    ).fetchone()
    return bool(share) and share >= 0.95


def _period_width(connection, path: Path, column: str) -> int | None:
    """Months when 2..MAX_PERIODS of them, years when more; days or hours when fewer."""
    name = sql_name(column)
    distinct = ", ".join(f"count(DISTINCT left({name}::VARCHAR, {w}))" for w in _PERIOD_FORMATS)
    counts = connection.execute(
        f"SELECT {distinct} "  # noqa: S608
        f"FROM {_source(path)} WHERE regexp_matches({name}::VARCHAR, ?)",
        [_DATE_LIKE],
    ).fetchone()
    by_width = dict(zip(_PERIOD_FORMATS, counts, strict=True))
    if by_width[7] > MAX_PERIODS:
        return 4
    return next((w for w in (7, 10, 13) if 2 <= by_width[w] <= MAX_PERIODS), None)


def _over_time(
    connection, path: Path, column: str, measure: PublicColumn | None, lang: str
) -> Chart | None:
    width = _period_width(connection, path, column)
    if width is None:
        return None
    name = sql_name(column)
    value = f"avg({sql_name(measure.name)})" if measure else "count(*)"
    rows = connection.execute(
        f"SELECT left(replace({name}::VARCHAR, 'T', ' '), {width}) AS period, {value} "  # noqa: S608
        f"FROM {_source(path)} WHERE regexp_matches({name}::VARCHAR, ?) "
        "GROUP BY period ORDER BY period",
        [_DATE_LIKE],
    ).fetchall()
    dated = []
    for period, amount in rows:
        try:
            moment = datetime.strptime(str(period), _PERIOD_FORMATS[width])
        except ValueError:
            continue
        if amount is not None:
            dated.append((str(period), float(amount), moment))
    if len(dated) < 2:
        return None
    money = measure is not None and is_money(measure)
    points = tuple((p, v) for p, v, _ in dated)
    table = tuple((p, _number(v, money)) for p, v in points)
    count = "记录数" if lang == "zh" else "rows"
    title = f"{measure.name if measure else count} / {column}"
    summary = f"{title}: {dated[0][0]} – {dated[-1][0]}"
    svg = _line_svg(title, dated, money)
    return Chart("line", measure.name if measure else "", column, points, svg, table, summary)


def _nice_step(raw: float, integral: bool) -> float:
    """The smallest of 1, 2, 5 × 10^k at least ``raw`` (at least 1 for whole numbers)."""
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
    return float(max(1, round(step))) if integral else step


def _histogram(connection, path: Path, column: PublicColumn) -> Chart | None:
    name = sql_name(column.name)
    low, high, integral = connection.execute(
        f"SELECT min({name}), max({name}), bool_and({name} = floor({name})) "  # noqa: S608
        f"FROM {_source(path)} WHERE {name} IS NOT NULL"
    ).fetchone()
    if low is None or high is None or low == high:
        return None
    integral = bool(integral)
    step = _nice_step((float(high) - float(low)) / BINS, integral)
    start = math.floor(float(low) / step) * step
    bins = math.floor((float(high) - start) / step) + 1
    counts = dict(
        connection.execute(
            f"SELECT floor(({name} - ?) / ?)::INT AS bin, count(*) "  # noqa: S608
            f"FROM {_source(path)} WHERE {name} IS NOT NULL GROUP BY bin",
            [start, step],
        ).fetchall()
    )
    money = is_money(column)
    points = tuple(
        (_bin_label(start + i * step, step, integral, money), float(counts.get(i, 0)))
        for i in range(bins)
    )
    table = tuple((label, f"{value:,.0f}") for label, value in points)
    summary = f"{column.name}: {_number(float(low), money)} – {_number(float(high), money)}"
    svg = _bar_svg(column.name, points)
    return Chart("bars", column.name, "", points, svg, table, summary)


def _bin_label(edge: float, step: float, integral: bool, money: bool) -> str:
    if integral:
        first, last = round(edge), round(edge + step) - 1
        return (
            _number(first, money)
            if first == last
            else f"{_number(first, money)}–{_number(last, money)}"
        )
    return f"{_number(edge, money)}–{_number(edge + step, money)}"


def _number(value: float, money: bool = False) -> str:
    """``value`` written out: thousands separators, about three significant digits (two
    decimals at most for money), never scientific notation."""
    if value == 0 or float(value).is_integer() or abs(value) >= 1000:
        return f"{value:,.0f}"
    digits = 2 if money else min(8, max(0, 2 - math.floor(math.log10(abs(value)))))
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _text_width(text: str, size: float) -> float:
    """An upper estimate of ``text``'s width in px at font-size ``size``."""
    return sum(size if ord(c) > 0x2E80 else size * 0.62 for c in text)


def _frame(title: str, body: list[str], top_label: str, pad_left: float) -> Markup:
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    axis = (
        f'<line x1="{pad_left}" y1="{PAD_TOP}" x2="{pad_left}" y2="{PAD_TOP + plot_h}" '
        'stroke="#4a5868"/>'
        f'<line x1="{pad_left}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - PAD_RIGHT}" '
        f'y2="{PAD_TOP + plot_h}" stroke="#4a5868"/>'
        f'<text x="{pad_left - 6}" y="{PAD_TOP + 4}" text-anchor="end" font-size="11">'
        f"{escape(top_label)}</text>"
        f'<text x="{pad_left - 6}" y="{PAD_TOP + plot_h}" text-anchor="end" font-size="11">0</text>'
    )
    return Markup(  # noqa: S704 — every text part above went through escape()
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title" '
        'class="chart" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-title">{escape(title)}</title>{axis}{"".join(body)}</svg>'
    )


def _pad_left(top_label: str) -> float:
    return max(40.0, _text_width(top_label, 11) + 14)


def _bar_svg(title: str, points) -> Markup:
    top = max(max(v for _, v in points), 1e-9)
    top_label = _number(top)
    pad_left = _pad_left(top_label)
    plot_w, plot_h = WIDTH - pad_left - PAD_RIGHT, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / len(points)
    body = []
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top
        x = pad_left + i * step
        body.append(
            f'<rect x="{x + 2:.1f}" y="{PAD_TOP + plot_h - h:.1f}" width="{step - 4:.1f}" '
            f'height="{h:.1f}" fill="#0b5394"><title>{escape(label)}: {value:,.0f}</title></rect>'
        )
    # A range too wide for its bar is ticked by its lower edge (the full range is in the table).
    centres = [
        (pad_left + (i + 0.5) * step, _fitted(label, step)) for i, (label, _) in enumerate(points)
    ]
    body.extend(_ticks(centres, always_last=False))
    return _frame(title, body, top_label, pad_left)


def _fitted(label: str, room: float) -> str:
    return label if _text_width(label, 10) <= room else label.split("–")[0]


def _line_svg(title: str, dated, money: bool) -> Markup:
    top = max(max(v for _, v, _ in dated), 1e-9)
    top_label = _number(top, money)
    pad_left = _pad_left(top_label)
    plot_w, plot_h = WIDTH - pad_left - PAD_RIGHT, HEIGHT - PAD_BOTTOM - PAD_TOP
    first, last = dated[0][2], dated[-1][2]
    span = (last - first).total_seconds() or 1.0
    xs = [pad_left + plot_w * (m - first).total_seconds() / span for _, _, m in dated]
    path = " ".join(
        f"{x:.1f},{PAD_TOP + plot_h - plot_h * v / top:.1f}"
        for x, (_, v, _) in zip(xs, dated, strict=True)
    )
    body = [f'<polyline points="{path}" fill="none" stroke="#0b5394" stroke-width="2"/>']
    body.extend(_ticks([(x, p) for x, (p, _, _) in zip(xs, dated, strict=True)], True))
    return _frame(title, body, top_label, pad_left)


def _ticks(centres: list[tuple[float, str]], always_last: bool) -> list[str]:
    """Labels under the axis, none overlapping another or the SVG's edge: the first always,
    the last too when ``always_last`` (a time axis shows where the data ends)."""
    size = 10
    placed: list[tuple[float, float, str]] = []  # (left, right, label)

    def fits(left: float, right: float) -> bool:
        return all(right + 6 <= a or left >= b + 6 for a, b, _ in placed)

    order = list(range(len(centres)))
    if always_last and len(order) > 1:
        order = [0, len(order) - 1, *order[1:-1]]
    for i in order:
        x, label = centres[i]
        half = _text_width(label, size) / 2
        left = min(max(x - half, 2.0), WIDTH - 2 - 2 * half)
        if fits(left, left + 2 * half):
            placed.append((left, left + 2 * half, label))
    return [
        f'<text x="{left:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" text-anchor="start" '
        f'font-size="{size}">{escape(label)}</text>'
        for left, _, label in sorted(placed)
    ]


def _map(connection, path: Path, longitude: str, latitude: str, lang: str) -> Chart | None:
    lon, lat = sql_name(longitude), sql_name(latitude)
    valid = f"{lon} BETWEEN -180 AND 180 AND {lat} BETWEEN -90 AND 90"
    # Rows at one place (a station's hourly readings) are one point.
    places = (
        f"SELECT DISTINCT {lon}::DOUBLE AS x, {lat}::DOUBLE AS y FROM {_source(path)} WHERE {valid}"  # noqa: S608
    )
    total, west, east, south, north = connection.execute(
        f"SELECT count(*), min(x), max(x), min(y), max(y) FROM ({places})"  # noqa: S608
    ).fetchone()
    if not total:
        return None
    # A deterministic sample: the same file always shows the same points.
    spots = connection.execute(
        f"SELECT x, y FROM ({places}) ORDER BY hash(x, y), x, y LIMIT {MAX_POINTS}"  # noqa: S608
    ).fetchall()
    box = (float(west), float(east), float(south), float(north))
    lon_range = f"{_degrees(box[0])}–{_degrees(box[1])}"
    lat_range = f"{_degrees(box[2])}–{_degrees(box[3])}"
    sampled = len(spots) < total
    if lang == "zh":
        shown = f"（显示 {len(spots):,} 个）" if sampled else ""
        summary = f"{total:,} 个点{shown}，经度 {lon_range}，纬度 {lat_range}"
    else:
        shown = f" ({len(spots):,} shown)" if sampled else ""
        noun = "point" if total == 1 else "points"
        summary = f"{total:,} {noun}{shown}, longitude {lon_range}, latitude {lat_range}"
    title = f"{latitude} / {longitude}"
    table = (("n", f"{total:,}"), (longitude, lon_range), (latitude, lat_range))
    svg = _map_svg(title, summary, spots, box)
    return Chart("map", latitude, longitude, (), svg, table, summary)


def _degrees(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _map_svg(title: str, summary: str, spots, box: tuple[float, float, float, float]) -> Markup:
    west, east, south, north = box
    squeeze = math.cos(math.radians((south + north) / 2))
    span_x, span_y = (east - west) * squeeze, north - south
    if span_x == 0 and span_y == 0:
        span_x = span_y = 0.01
    plot_w, plot_h = WIDTH - MAP_PAD_LEFT - MAP_PAD, MAP_HEIGHT - 2 * MAP_PAD
    scale = min(plot_w / span_x if span_x else math.inf, plot_h / span_y if span_y else math.inf)
    left = MAP_PAD_LEFT + (plot_w - span_x * scale) / 2
    top = MAP_PAD + (plot_h - span_y * scale) / 2
    dots = "".join(
        f'<circle cx="{left + (x - west) * squeeze * scale:.1f}" '
        f'cy="{top + (north - y) * scale:.1f}" r="2.5"/>'
        for x, y in spots
    )
    right, bottom = left + span_x * scale, top + span_y * scale
    frame = (
        f'<rect x="{left - 6:.1f}" y="{top - 6:.1f}" width="{right - left + 12:.1f}" '
        f'height="{bottom - top + 12:.1f}" fill="#f4f7fa" stroke="#c5ced8"/>'
    )
    corners = (
        f'<text x="{left - 6:.1f}" y="{bottom + 20:.1f}" font-size="10">{_degrees(west)}</text>'
        f'<text x="{right + 6:.1f}" y="{bottom + 20:.1f}" font-size="10" text-anchor="end">'
        f"{_degrees(east)}</text>"
        f'<text x="{left - 10:.1f}" y="{top + 4:.1f}" font-size="10" text-anchor="end">'
        f"{_degrees(north)}</text>"
        f'<text x="{left - 10:.1f}" y="{bottom + 4:.1f}" font-size="10" text-anchor="end">'
        f"{_degrees(south)}</text>"
    )
    return Markup(  # noqa: S704 — the title and summary went through escape(); the rest is numbers
        f'<svg viewBox="0 0 {WIDTH} {MAP_HEIGHT}" role="img" class="chart chart-map" '
        'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-title">{escape(title)}</title>'
        f'<desc id="chart-desc">{escape(summary)}</desc>{frame}'
        f'<g fill="#0b5394" fill-opacity="0.7">{dots}</g>{corners}</svg>'
    )
