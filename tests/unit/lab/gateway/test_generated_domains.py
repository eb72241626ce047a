"""Grouping by generated public domains: the engine returns exactly the declared groups.

Each kind — periods (months, quarters, years, days), numeric bins with an overflow bin, an
explicit list — over a real Parquet file through the compiled DuckDB statement: every declared
group is present (zeros when empty), values outside the domain are in no group, and the plan
charges no δ and calibrates its noise to the unit's whole contribution across all groups.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlglot

from lab.gateway.domains import GeneratedDomain, parse_domain
from lab.gateway.engine import DuckDBEngine, run_compiled
from lab.gateway.errors import QueryRejected
from lab.gateway.metadata import ColumnKind, TableMetadata
from lab.gateway.mock import mock_rows
from lab.gateway.planner import compile_plan
from lab.gateway.query import plan_query
from lab.gateway.releases import plan_cost, plan_releases, release_answer

MONTHS = "months:2024-01:2024-06"
DISTRICTS = ("市北区", "市南区", "崂山区")
TABLE = TableMetadata(
    name="tax-monthly",
    columns={
        "unit": ColumnKind.TEXT,
        "所属期": ColumnKind.TEXT,
        "日期": ColumnKind.TEXT,
        "所属区": ColumnKind.TEXT,
        "营收": ColumnKind.INTEGER,
        "规模": ColumnKind.TEXT,
        "备注": ColumnKind.TEXT,
    },
    privacy_unit="unit",
    max_rows_per_unit=6,
    bounds={"营收": (0, 1000)},
    public_domains={"所属区": DISTRICTS},
    generated_domains={
        "所属期": parse_domain(MONTHS),
        "营收": parse_domain("bins:0:1000:250:overflow"),
        "规模": parse_domain("list:大型,中型,小型"),
    },
)
SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("所属期", pa.string()),
        ("日期", pa.date32()),
        ("所属区", pa.string()),
        ("营收", pa.int64()),
        ("规模", pa.string()),
        ("备注", pa.string()),
    ]
)


def write(tmp_path: Path, rows: list[dict]) -> Path:
    """A Parquet file of ``rows`` (missing columns NULL) with the published storage types."""
    path = tmp_path / "table.parquet"
    columns = {name: [row.get(name) for row in rows] for name in SCHEMA.names}
    pq.write_table(pa.table(columns, schema=SCHEMA), path)
    return path


def one_row_table(
    column: str, domain: GeneratedDomain, bounds: dict | None = None
) -> TableMetadata:
    """The test table at one row per unit with ``domain`` as ``column``'s only public domain."""
    return TableMetadata(
        name="t",
        columns=TABLE.columns,
        privacy_unit="unit",
        max_rows_per_unit=1,
        bounds=bounds or {},
        generated_domains={column: domain},
    )


def run(sql: str, path: Path, table: TableMetadata = TABLE, delta: float = 0.0) -> list[dict]:
    """The engine's exact rows for ``sql``."""
    compiled = compile_plan(plan_query(sql, [table], delta=delta))
    return run_compiled(DuckDBEngine(threads=1), compiled, path).to_pylist()


def test_month_by_district_returns_every_group_and_drops_values_outside(tmp_path: Path) -> None:
    """6 months × 3 districts = 18 groups in time order, empty ones as zeros; months before or
    after the range, NULL and text not written as a month are in no group."""
    inside = [
        {"unit": "a", "所属期": "2024-01", "所属区": "市南区"},
        {"unit": "a", "所属期": "2024-01", "所属区": "市南区"},
        {"unit": "b", "所属期": "2024-06-30", "所属区": "崂山区"},  # a day: read to its month
        {"unit": "c", "所属期": "2024-03", "所属区": "市北区"},
    ]
    outside = [
        {"unit": "d", "所属期": "2023-12", "所属区": "市南区"},
        {"unit": "d", "所属期": "2024-07", "所属区": "市南区"},
        {"unit": "e", "所属期": None, "所属区": "市南区"},
        {"unit": "e", "所属期": "2024/01", "所属区": "市南区"},
        {"unit": "f", "所属期": "2024-02", "所属区": "黄岛区"},  # district outside its list
    ]
    rows = run(
        'SELECT "所属期", "所属区", COUNT(*) FROM "tax-monthly" GROUP BY "所属期", "所属区"',
        write(tmp_path, inside + outside),
    )
    months = parse_domain(MONTHS).labels()
    assert [(r["所属期"], r["所属区"]) for r in rows] == [
        (m, d) for m in months for d in sorted(DISTRICTS)
    ]
    counts = {(r["所属期"], r["所属区"]): r["rows"] for r in rows if r["rows"]}
    assert counts == {("2024-01", "市南区"): 2, ("2024-03", "市北区"): 1, ("2024-06", "崂山区"): 1}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("days:2024-02-28:2024-03-01", {"2024-02-29": 2, "2024-03-01": 1}),
        ("months:2024-02:2024-03", {"2024-02": 2, "2024-03": 1}),
        ("quarters:2024-Q1:2024-Q2", {"2024-Q1": 3, "2024-Q2": 1}),
        ("years:2024:2025", {"2024": 4}),
    ],
)
def test_periods_of_a_date_column(tmp_path: Path, spec: str, expected: dict) -> None:
    """A DATE column is read through its ISO text: days, months, quarters and years of it;
    dates outside the range are in no group, empty periods are zeros."""
    dates = [
        datetime.date(2024, 2, 29),
        datetime.date(2024, 2, 29),
        datetime.date(2024, 3, 1),
        datetime.date(2024, 4, 2),
        datetime.date(2023, 12, 31),
    ]
    path = write(tmp_path, [{"unit": str(i), "日期": d} for i, d in enumerate(dates)])
    table = one_row_table("日期", parse_domain(spec))
    rows = run('SELECT "日期", COUNT(*) FROM t GROUP BY "日期"', path, table)
    domain = parse_domain(spec)
    assert [r["日期"] for r in rows] == list(domain.labels())
    assert {r["日期"]: r["rows"] for r in rows if r["rows"]} == expected


def test_quarters_from_month_text_and_from_quarter_text(tmp_path: Path) -> None:
    """A month column groups by quarter; values already written 2024-Q3 count as that quarter."""
    values = ["2024-01", "2024-03", "2024-04", "2024-Q3", "2024-Q3", "2024-13", "2025-01"]
    path = write(tmp_path, [{"unit": str(i), "所属期": v} for i, v in enumerate(values)])
    table = one_row_table("所属期", parse_domain("quarters:2024-Q1:2024-Q4"))
    rows = run('SELECT "所属期", COUNT(*) FROM t GROUP BY "所属期"', path, table)
    assert {r["所属期"]: r["rows"] for r in rows} == {
        "2024-Q1": 2,
        "2024-Q2": 1,
        "2024-Q3": 2,
        "2024-Q4": 0,
    }


def test_bins_follow_the_histogram_rule_with_an_overflow_bin(tmp_path: Path) -> None:
    """Bins of 250 over [0, 1000]: lo in the first bin, an edge starts the next, hi in the last,
    above hi in the overflow bin, below lo and NULL in none; sums are of clamped values."""
    values = [0, 249, 250, 999, 1000, 1001, 5000, -1, None]
    path = write(tmp_path, [{"unit": str(i), "营收": v} for i, v in enumerate(values)])
    rows = run('SELECT "营收", COUNT(*), SUM("营收") FROM "tax-monthly" GROUP BY "营收"', path)
    assert [(r["营收"], r["rows"], int(r["sum:营收"])) for r in rows] == [
        ("[0, 250)", 2, 249),
        ("[250, 500)", 1, 250),
        ("[500, 750)", 0, 0),
        ("[750, 1000]", 2, 1999),
        ("> 1000", 2, 2000),
    ]


def test_bins_without_overflow_leave_values_above_in_no_group(tmp_path: Path) -> None:
    """Without ``:overflow`` a value above the top bin is in no group, like one below lo."""
    table = one_row_table("营收", parse_domain("bins:100:300:100"), bounds={"营收": (0, 1000)})
    values = [99, 100, 299, 300, 301]
    path = write(tmp_path, [{"unit": str(i), "营收": v} for i, v in enumerate(values)])
    rows = run('SELECT "营收", COUNT(*) FROM t GROUP BY "营收"', path, table)
    assert [(r["营收"], r["rows"]) for r in rows] == [("[100, 200)", 1), ("[200, 300]", 2)]


def test_bins_of_a_fixed_point_column(tmp_path: Path) -> None:
    """A column at precision 0.1 is stored ×10: bins declared in 元 fall on stored integers."""
    table = one_row_table(
        "营收", parse_domain("bins:0:1:0.5:overflow", scale=10), bounds={"营收": (0, 100, 10)}
    )
    stored = [0, 4, 5, 10, 11]  # 0.0, 0.4, 0.5, 1.0, 1.1
    path = write(tmp_path, [{"unit": str(i), "营收": v} for i, v in enumerate(stored)])
    rows = run('SELECT "营收", COUNT(*) FROM t GROUP BY "营收"', path, table)
    assert [(r["营收"], r["rows"]) for r in rows] == [("[0, 0.5)", 2), ("[0.5, 1]", 2), ("> 1", 1)]


def test_explicit_list_keeps_its_order_and_its_empty_values(tmp_path: Path) -> None:
    """A list's values come in the order declared, empty ones included; others in no group."""
    values = ["小型", "小型", "大型", "微型"]
    path = write(tmp_path, [{"unit": str(i), "规模": v} for i, v in enumerate(values)])
    rows = run('SELECT "规模", COUNT(*) FROM "tax-monthly" GROUP BY "规模"', path)
    assert [(r["规模"], r["rows"]) for r in rows] == [("大型", 1), ("中型", 0), ("小型", 2)]


def test_with_a_key_found_in_the_data_only_domain_groups_remain(tmp_path: Path) -> None:
    """Month × a free-text key needs δ (partition selection); months outside the range are
    still in no group, and the month column shows the period's label."""
    path = write(
        tmp_path,
        [
            {"unit": "a", "所属期": "2024-02-15", "备注": "x"},
            {"unit": "b", "所属期": "2023-02", "备注": "x"},
            {"unit": "c", "所属期": "2024-05", "备注": "y"},
        ],
    )
    sql = 'SELECT "备注", "所属期", COUNT(*) FROM "tax-monthly" GROUP BY "备注", "所属期"'
    rows = run(sql, path, delta=1e-6)
    assert [(r["备注"], r["所属期"], r["rows"]) for r in rows] == [
        ("x", "2024-02", 1),
        ("y", "2024-05", 1),
    ]


def test_one_units_rows_move_the_count_vector_by_at_most_its_bound(tmp_path: Path) -> None:
    """A unit spread over six months changes the grouped counts by L1 = its 6 rows in total —
    the sensitivity the count's noise is calibrated to, however many groups it touches."""
    others = [
        {"unit": f"o{i}", "所属期": f"2024-0{1 + i % 6}", "所属区": DISTRICTS[i % 3]}
        for i in range(30)
    ]
    target = [{"unit": "t", "所属期": f"2024-0{m}", "所属区": "市南区"} for m in range(1, 7)]
    sql = 'SELECT "所属期", "所属区", COUNT(*) FROM "tax-monthly" GROUP BY "所属期", "所属区"'
    (tmp_path / "with").mkdir()
    (tmp_path / "without").mkdir()
    with_target = run(sql, write(tmp_path / "with", others + target))
    without = run(sql, write(tmp_path / "without", others))
    distance = sum(abs(a["rows"] - b["rows"]) for a, b in zip(with_target, without, strict=True))
    assert distance == TABLE.max_rows_per_unit


@pytest.mark.parametrize("delta", [0.0, 1e-6])
def test_grouped_plan_over_generated_domains_spends_no_delta_and_exact_epsilon(
    delta: float,
) -> None:
    """Month × district COUNT and SUM: no partition selection, δ = 0 whatever was offered, and
    each release's OpenDP privacy map at the unit's whole contribution is exactly its share."""
    sql = (
        'SELECT "所属期", "所属区", COUNT(*), SUM("营收") FROM "tax-monthly" '
        'GROUP BY "所属期", "所属区"'
    )
    plan = plan_query(sql, [TABLE], delta=delta)
    assert not plan.needs_partition_selection
    cost = plan_cost(plan, 1.0, delta)
    assert cost.selection is None and cost.total.delta_pico == 0
    assert sum(share.epsilon for share in cost.aggregates) == cost.total.epsilon == 1
    releases = plan_releases(plan, cost)
    assert releases.selection is None
    count, total = releases.releases
    rows = TABLE.max_rows_per_unit
    for release, l1, share in zip(
        (count, total), (rows, rows * 1000), cost.aggregates, strict=True
    ):
        assert release.sensitivity.l1 == l1
        spent = Fraction(release.measurement.map(l1))
        assert spent <= share.epsilon
        assert spent == pytest.approx(share.epsilon, rel=1e-12)


def test_answer_notes_say_values_outside_fall_in_no_group(tmp_path: Path) -> None:
    """The released answer carries one note per key with a public domain, from metadata."""
    path = write(tmp_path, [{"unit": "a", "所属期": "2024-01", "所属区": "市南区"}])
    sql = 'SELECT "所属期", "所属区", COUNT(*) FROM "tax-monthly" GROUP BY "所属期", "所属区"'
    plan = plan_query(sql, [TABLE])
    exact = run_compiled(DuckDBEngine(threads=1), compile_plan(plan), path)
    answer = release_answer(plan, exact, plan_releases(plan, plan_cost(plan, 1.0)))
    assert len(answer["rows"]) == 18
    assert answer["notes"] == [
        '"所属期": values outside its declared domain (months 2024-01 … 2024-06 (6)) are in '
        "no group",
        '"所属区": values not in its public code list are in no group',
    ]


def test_too_many_groups_in_one_answer_is_refused_free() -> None:
    """The cross product of the keys' domains is checked at planning, before any cost."""
    sql = 'SELECT "所属期", "所属区", COUNT(*) FROM "tax-monthly" GROUP BY "所属期", "所属区"'
    with pytest.raises(QueryRejected, match=r"answers 18 groups .* more than the 10 one answer"):
        plan_query(sql, [TABLE], max_groups=10)
    assert len(plan_query(sql, [TABLE], max_groups=18).group_keys) == 2


def test_the_statement_uses_only_sql_another_engine_runs() -> None:
    """The period and bin rules transpile to Spark SQL (integer division as DIV)."""
    sql = 'SELECT "所属期", "营收", COUNT(*) FROM "tax-monthly" GROUP BY "所属期", "营收"'
    compiled = compile_plan(plan_query(sql, [TABLE]))
    spark = sqlglot.transpile(compiled.sql, read="duckdb", write="spark")[0]
    assert "SUBSTRING(CAST(`所属期` AS STRING), 1, 7)" in spark
    assert "(LEAST(GREATEST(`营收`, 0), 1000) - 0) * 4 DIV 1000" in spark


def test_mock_rows_draw_from_generated_domains() -> None:
    """Mock periods and list values come from the declared groups; a binned column stays a
    number within its bounds (its bin labels are not values)."""
    rows = mock_rows(TABLE, 200)
    assert {row["所属期"] for row in rows} <= set(parse_domain(MONTHS).labels())
    assert {row["规模"] for row in rows} <= {"大型", "中型", "小型"}
    assert all(isinstance(row["营收"], int) and 0 <= row["营收"] <= 1000 for row in rows)
