"""Dataset charts: a line over a date column, else a histogram; escaped, self-contained SVG."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq

from opendata.portal.catalogue import PublicColumn, PublicDataset
from opendata.web.charts import BINS, chart_for


def _dataset(columns: list[tuple[str, str]]) -> PublicDataset:
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
        columns=tuple(PublicColumn(n, k, "", "UNMATCHED") for n, k in columns),
        quality={},
    )


def test_time_column_gives_a_monthly_line_of_means(tmp_path) -> None:
    """Dates in a text column → one point per month holding the mean of the number column."""
    table = pa.table({"日期": ["2026-01-05", "2026-01-20", "2026-02-03"], "值": [1.0, 3.0, 10.0]})
    pq.write_table(table, tmp_path / "d.parquet")
    chart = chart_for(_dataset([("日期", "text"), ("值", "number")]), tmp_path / "d.parquet")
    assert chart.kind == "line" and chart.measure == "值" and chart.by == "日期"
    assert chart.points == (("2026-01", 2.0), ("2026-02", 10.0))
    assert "<polyline" in chart.svg and "http://" not in chart.svg.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_numbers_without_time_give_a_histogram_and_labels_are_escaped(tmp_path) -> None:
    """A numeric column alone → a histogram counting every row; markup in names is escaped."""
    table = pa.table({"<b>x</b>": [float(i) for i in range(100)], "名称": ["a"] * 100})
    pq.write_table(table, tmp_path / "d.parquet")
    chart = chart_for(_dataset([("<b>x</b>", "number"), ("名称", "text")]), tmp_path / "d.parquet")
    assert chart.kind == "bars" and len(chart.points) == BINS
    assert sum(v for _, v in chart.points) == 100
    assert "<b>" not in chart.svg and "&lt;b&gt;" in chart.svg


def test_no_chart_for_text_only_tables(tmp_path) -> None:
    """Nothing to plot → no chart."""
    pq.write_table(pa.table({"名称": ["a", "b"]}), tmp_path / "d.parquet")
    assert chart_for(_dataset([("名称", "text")]), tmp_path / "d.parquet") is None
