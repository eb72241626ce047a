"""Dataset charts from the columns' roles: a map of coordinates, a line over time of a measure,
a histogram of a measure with round bins, or nothing; escaped, self-contained SVG."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq

from opendata.portal.catalogue import PublicColumn, PublicDataset
from opendata.web.charts import BINS, MAX_POINTS, chart_for

XMLNS = 'xmlns="http://www.w3.org/2000/svg"'


def _dataset(columns: list[tuple]) -> PublicDataset:
    """Columns as (name, type) or (name, type, description, unit, category_role)."""
    built = []
    for name, kind, *rest in columns:
        description, unit, role = (*rest, "", "", "")[:3]
        built.append(
            PublicColumn(name, kind, description, "UNMATCHED", unit=unit, category_role=role)
        )
    return PublicDataset(
        slug="t",
        title="t",
        title_en="",
        description="",
        department="d",
        topic="",
        tags=(),
        tier="T1",
        update_frequency="",
        last_updated=datetime.now(UTC),
        row_count=0,
        version=1,
        columns=tuple(built),
        quality={},
    )


def _chart(tmp_path, data: dict, columns: list[tuple]):
    pq.write_table(pa.table(data), tmp_path / "d.parquet")
    return chart_for(_dataset(columns), tmp_path / "d.parquet")


def _no_external(svg: str) -> bool:
    return not re.search(r"https?:|href|<script|<image", svg.replace(XMLNS, ""), re.I)


def test_time_column_gives_a_monthly_line_of_means(tmp_path) -> None:
    """Dates in a text column → one point per month holding the mean of the number column."""
    data = {"日期": ["2026-01-05", "2026-01-20", "2026-02-03"], "值": [1.0, 3.0, 10.0]}
    chart = _chart(tmp_path, data, [("日期", "text"), ("值", "number")])
    assert chart.kind == "line" and chart.measure == "值" and chart.by == "日期"
    assert chart.points == (("2026-01", 2.0), ("2026-02", 10.0))
    assert "<polyline" in chart.svg and _no_external(chart.svg)


def test_date_axis_spans_the_whole_range_with_both_ends_labelled(tmp_path) -> None:
    """Seven years of months → yearly points from the first year to the last, both ticked."""
    months = [f"{2018 + i // 12}-{1 + i % 12:02d}" for i in range(84)]
    chart = _chart(tmp_path, {"月份": months}, [("月份", "text")])
    assert chart.kind == "line" and chart.measure == ""
    assert chart.points[0] == ("2018", 12.0) and chart.points[-1] == ("2024", 12.0)
    assert ">2018</text>" in chart.svg and ">2024</text>" in chart.svg


def test_coordinates_give_a_map_and_never_a_line_of_longitude(tmp_path) -> None:
    """Time + longitude + latitude + an id → a map of sampled points in the bounding box."""
    count = 5000
    data = {
        "时间": [f"2026-{1 + i % 12:02d}-01" for i in range(count)],
        "经度": [120.1 + (i % 100) / 1000 for i in range(count)],
        "纬度": [36.0 + (i % 77) / 1000 for i in range(count)],
        "编号": list(range(count)),
    }
    columns = [
        ("时间", "text"),
        ("经度", "number", "站点 WGS-84 经度（度）"),
        ("纬度", "number", "站点 WGS-84 纬度（度）"),
        ("编号", "number", "站点编号"),
    ]
    chart = _chart(tmp_path, data, columns)
    assert chart.kind == "map" and chart.by == "经度" and chart.measure == "纬度"
    assert "<polyline" not in chart.svg and chart.svg.count("<circle") == MAX_POINTS
    assert "5,000 个点" in chart.summary and "120.1–120.199" in chart.summary
    assert "36–36.076" in chart.summary and "<desc" in chart.svg and _no_external(chart.svg)
    assert chart_for(_dataset(columns), tmp_path / "d.parquet").svg == chart.svg  # same sample


def test_rows_at_one_place_are_one_point(tmp_path) -> None:
    """Hourly readings of 14 stations → 14 points, each station shown (not a sample of 2)."""
    stations = [(120.2 + k / 50, 36.0 + k / 70) for k in range(14)]
    rows = [stations[i % 14] for i in range(14 * 300)]
    data = {"经度": [x for x, _ in rows], "纬度": [y for _, y in rows]}
    chart = _chart(tmp_path, data, [("经度", "number"), ("纬度", "number")])
    assert chart.kind == "map" and chart.svg.count("<circle") == 14
    assert chart.summary.startswith("14 个点，")


def test_a_lone_longitude_is_not_averaged(tmp_path) -> None:
    """Time + longitude (no latitude) → rows counted per period, not the mean longitude."""
    data = {"日期": ["2026-01-01", "2026-02-01", "2026-02-02"], "lng": [120.1, 120.2, 120.3]}
    chart = _chart(tmp_path, data, [("日期", "text"), ("lng", "number")])
    assert chart.kind == "line" and chart.measure == ""
    assert chart.points == (("2026-01", 1.0), ("2026-02", 2.0))


def test_numbers_without_time_give_a_histogram_and_labels_are_escaped(tmp_path) -> None:
    """A numeric column alone → a histogram counting every row; markup in names is escaped."""
    data = {"<b>x</b>": [float(i) for i in range(100)], "名称": ["a"] * 100}
    chart = _chart(tmp_path, data, [("<b>x</b>", "number"), ("名称", "text")])
    assert chart.kind == "bars" and len(chart.points) <= BINS + 1
    assert sum(v for _, v in chart.points) == 100
    assert "<b>" not in chart.svg and "&lt;b&gt;" in chart.svg and _no_external(chart.svg)


def test_integer_measure_gets_integer_bins(tmp_path) -> None:
    """Whole-number values → bins of whole numbers (no "1.5–2.3 人"), every row counted."""
    people = [1, 2, 2, 3, 3, 3, 4, 5, 7, 9, 12, 15, 23, 31] * 3
    chart = _chart(tmp_path, {"人数": people}, [("人数", "number", "户内人数", "人")])
    assert chart.kind == "bars" and sum(v for _, v in chart.points) == len(people)
    for label, _ in chart.points:
        assert re.fullmatch(r"\d+(–\d+)?", label), label
    assert chart.points[0] == ("0–4", 21.0) and chart.points[-1] == ("30–34", 3.0)


def test_money_is_never_in_scientific_notation(tmp_path) -> None:
    """Yuan amounts up to billions → labels with thousands separators, no "e+" anywhere."""
    amounts = [float(1_000 * 7**i) for i in range(9)] + [2.5e9]
    columns = [("金额（元）", "number", "合同金额", "元")]
    chart = _chart(tmp_path, {"金额（元）": amounts}, columns)
    assert chart.kind == "bars" and "e+" not in chart.svg
    assert all("e+" not in label and "e+" not in value for label, value in chart.table)
    assert chart.points[0][0] == "0–499,999,999"
    ticks = re.findall(r'font-size="10">([^<]+)</text>', str(chart.svg))
    edges = {label.split("–")[0] for label, _ in chart.points}
    assert ticks and all(t in edges or t in dict(chart.points) for t in ticks), ticks
    line = _chart(
        tmp_path,
        {"月份": ["2026-01", "2026-02"], "金额": [1.5e9, 2.25e9]},
        [("月份", "text"), ("金额", "number", "", "元")],
    )
    assert "2,250,000,000" in line.svg and "e+" not in line.svg
    assert line.table == (("2026-01", "1,500,000,000"), ("2026-02", "2,250,000,000"))


def test_axis_labels_fit_inside_the_svg(tmp_path) -> None:
    """The y label's left padding grows with the label; no tick starts outside the view."""
    line = _chart(
        tmp_path,
        {"月份": ["2026-01", "2026-02", "2026-03"], "金额": [1.5e9, 2.25e9, 3e9]},
        [("月份", "text"), ("金额", "number", "", "元")],
    )
    (axis_x,) = re.findall(r'<line x1="([\d.]+)"', str(line.svg))[:1]
    assert float(axis_x) - 6 >= len("3,000,000,000") * 11 * 0.62
    for x in re.findall(r'<text x="(-?[\d.]+)"', str(line.svg)):
        assert 0 <= float(x) <= 640


def test_identifiers_alone_give_no_chart(tmp_path) -> None:
    """An id-only table (an id number, a code, a classified identifier) → no chart."""
    data = {"编号": list(range(50)), "ID": list(range(50)), "身份": [str(i) for i in range(50)]}
    columns = [("编号", "number"), ("ID", "number"), ("身份", "number", "", "", "identifier")]
    assert _chart(tmp_path, data, columns) is None


def test_no_chart_for_text_only_tables(tmp_path) -> None:
    """Nothing to plot → no chart."""
    assert _chart(tmp_path, {"名称": ["a", "b"]}, [("名称", "text")]) is None
