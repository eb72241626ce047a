"""Joins on the privacy unit: what is accepted, what is refused, the per-unit bound, the exact
privacy maps of joined releases, and the compiled statement on DuckDB and transpiled to Spark."""

from __future__ import annotations

from fractions import Fraction

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlglot

from lab.gateway import DuckDBEngine, run_compiled
from lab.gateway.errors import QueryRejected
from lab.gateway.joins import JoinedTable
from lab.gateway.metadata import TableMetadata
from lab.gateway.planner import compile_plan
from lab.gateway.query import plan_query
from lab.gateway.releases import plan_cost, plan_releases, plan_zcdp_cost

UNIT = "统一社会信用代码"
ENTERPRISE = "category:ENTERPRISE_ID"


def _tax(unique: frozenset[str] = frozenset(), kind: str | None = ENTERPRISE) -> TableMetadata:
    return TableMetadata(
        "tax-monthly",
        {UNIT: "text", "月份": "text", "所属区": "text", "应纳税额": "integer"},
        UNIT,
        3,
        {"应纳税额": (0, 1000)},
        {"所属区": ("市南区", "市北区")},
        unique_per_unit=unique,
        unit_kind=kind,
    )


def _insured(unique: frozenset[str] = frozenset(), kind: str | None = ENTERPRISE):
    return TableMetadata(
        "social-insurance",
        {"纳税人识别号": "text", "月份": "text", "参保人数": "integer", "缴费基数": "float"},
        "纳税人识别号",
        4,
        {"参保人数": (-50, 200), "缴费基数": (0, 10**6, 100)},
        unique_per_unit=unique,
        unit_kind=kind,
    )


JOIN = 'FROM "tax-monthly" t JOIN "social-insurance" s ON t."统一社会信用代码" = s."纳税人识别号"'
ON_MONTH = f'{JOIN} AND t."月份" = s."月份"'


def _plan(sql: str, tax=None, insured=None, **kwargs):
    return plan_query(sql, [tax or _tax(), insured or _insured()], **kwargs)


@pytest.mark.parametrize(
    ("tax_unique", "insured_unique", "on", "bound"),
    [
        ((), (), JOIN, 12),  # every pair: 3 × 4
        ((), (), ON_MONTH, 12),  # matching a column no one declared unique bounds nothing more
        (("月份",), (), ON_MONTH, 4),  # each insured row meets ≤ 1 tax row of its unit
        ((), ("月份",), ON_MONTH, 3),  # each tax row meets ≤ 1 insured row of its unit
        (("月份",), ("月份",), ON_MONTH, 3),
        (("月份",), ("月份",), JOIN, 12),  # declared unique, but the join does not match it
    ],
)
def test_joined_rows_per_unit_follow_both_bounds(tax_unique, insured_unique, on, bound) -> None:
    """A unit has at most rows_a × rows_b joined rows, fewer when a unique key is matched."""
    plan = _plan(
        f"SELECT COUNT(*) {on}", _tax(frozenset(tax_unique)), _insured(frozenset(insured_unique))
    )
    assert isinstance(plan.table, JoinedTable)
    assert plan.table.max_rows_per_unit == bound


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (f"SELECT COUNT(*) {JOIN.replace(' JOIN ', ' LEFT JOIN ')}", "LEFT JOIN is not supported"),
        (f"SELECT COUNT(*) {JOIN.replace(' JOIN ', ' FULL JOIN ')}", "FULL JOIN is not supported"),
        ('SELECT COUNT(*) FROM "tax-monthly" t CROSS JOIN "social-insurance" s', "CROSS JOIN"),
        ('SELECT COUNT(*) FROM "tax-monthly" t NATURAL JOIN "social-insurance" s', "NATURAL"),
        ('SELECT COUNT(*) FROM "tax-monthly" t, "social-insurance" s', "needs ON"),
        (
            'SELECT COUNT(*) FROM "tax-monthly" t JOIN "social-insurance" s ON t."月份" = s."月份"',
            "must match the privacy units",
        ),
        (f'SELECT COUNT(*) {JOIN} OR t."月份" = s."月份"', "ON accepts only"),
        (f"SELECT COUNT(*) {JOIN} AND t.\"月份\" = '2026-01'", "ON accepts only"),
        (f'SELECT COUNT(*) {JOIN} AND t."月份" > s."月份"', "ON accepts only"),
        (f'SELECT COUNT(*) {JOIN} AND t."月份" = s."参保人数"', "different kinds"),
        (f'SELECT COUNT(*) {JOIN} AND t."应纳税额" = s."缴费基数"', "different precision"),
        (
            'SELECT COUNT(*) FROM "tax-monthly" t JOIN "tax-monthly" s '
            'ON t."统一社会信用代码" = s."统一社会信用代码"',
            "joined with itself",
        ),
        (
            f'SELECT COUNT(*) {JOIN} JOIN "tax-monthly" u '
            'ON t."统一社会信用代码" = u."统一社会信用代码"',
            "at most two datasets",
        ),
        (f"SELECT COUNT(*) {JOIN} WHERE \"月份\" = '2026-01'", "name each column with its table"),
        (f'SELECT s."纳税人识别号", COUNT(*) {JOIN} GROUP BY s."纳税人识别号"', "privacy units"),
        (f'SELECT SUM(t."参保人数") {JOIN}', '"参保人数" is not a column of "tax-monthly"'),
        (
            'SELECT COUNT(*) FROM "tax-monthly" t JOIN (SELECT * FROM "social-insurance") s '
            'ON t."统一社会信用代码" = s."纳税人识别号"',
            "subqueries are not supported",
        ),
        (
            'SELECT COUNT(*) FROM "tax-monthly" t JOIN "social-insurance" t '
            'ON t."统一社会信用代码" = t."纳税人识别号"',
            "different aliases",
        ),
    ],
)
def test_unsound_or_unsupported_joins_are_refused_with_the_reason(sql: str, message: str) -> None:
    """Other join kinds, other keys, self-joins, three tables, unqualified columns: refused."""
    with pytest.raises(QueryRejected, match=message):
        _plan(sql)


def test_datasets_about_different_units_cannot_be_joined() -> None:
    """A credit-code table joined with a resident-ID table on equal-looking columns is refused."""
    with pytest.raises(QueryRejected, match="protect different privacy units"):
        _plan(f"SELECT COUNT(*) {JOIN}", insured=_insured(kind="category:RESIDENT_ID"))
    with pytest.raises(QueryRejected, match="protect different privacy units"):
        _plan(f"SELECT COUNT(*) {JOIN}", _tax(kind=None), _insured(kind=None))


def test_joined_columns_keep_their_owning_tables_bounds_and_domains() -> None:
    """Sums clamp to the owning table's bounds; group keys keep their table's public domain."""
    plan = _plan(
        f'SELECT t."所属区", SUM(s."参保人数"), SUM(t."应纳税额") {JOIN} GROUP BY t."所属区"'
    )
    assert plan.table.bounds["s.参保人数"].lo == -50 and plan.table.bounds["t.应纳税额"].hi == 1000
    assert plan.group_keys[0].public_domain == ("市南区", "市北区")
    assert plan.canonical_text.startswith('SELECT "t"."所属区"')


@pytest.mark.parametrize("on", [JOIN, ON_MONTH])
def test_pure_epsilon_maps_of_a_joined_count_and_sum_are_exact(on: str) -> None:
    """At ε = 1 shared by COUNT and SUM, each OpenDP map at the joined bound's distance is
    exactly ½ (up to OpenDP's float rounding, never above)."""
    plan = _plan(f'SELECT COUNT(*), SUM(s."参保人数") {on}', _tax(frozenset({"月份"})))
    rows = plan.table.max_rows_per_unit
    count, total = plan_releases(plan, plan_cost(plan, 1.0)).releases
    assert count.sensitivity.l1 == rows and total.sensitivity.l1 == rows * 200
    for release in (count, total):
        spent = release.measurement.map(release.sensitivity.l1)
        assert Fraction(spent) <= Fraction(1, 2)
        assert spent == pytest.approx(0.5, rel=1e-12)


def test_zcdp_maps_of_a_joined_count_and_sum_are_exact() -> None:
    """At ρ = 0.5 shared by COUNT and SUM of a fixed-point column, each discrete Gaussian's
    map at the joined bound × its largest |bound| is exactly ρ/2 (never above)."""
    plan = _plan(
        f'SELECT COUNT(*), SUM(s."缴费基数") {ON_MONTH}', insured=_insured(frozenset({"月份"}))
    )
    assert plan.table.max_rows_per_unit == 3
    count, total = plan_releases(plan, plan_zcdp_cost(plan, 0.5)).releases
    assert count.sensitivity.l1 == 3 and total.sensitivity.l1 == 3 * 10**6
    for release in (count, total):
        spent = release.measurement.map(release.sensitivity.l1)
        assert Fraction(spent) <= Fraction(1, 4)
        assert spent == pytest.approx(0.25, rel=1e-12)


def _write(path, columns: dict[str, list]) -> str:
    pq.write_table(pa.table(columns), path)
    return str(path)


JOIN_QUERIES = (
    f'SELECT t."所属区", COUNT(*), SUM(t."应纳税额"), SUM(s."参保人数") {JOIN} GROUP BY t."所属区"',
    f'SELECT COUNT(*) {ON_MONTH} WHERE s."参保人数" > 0',
)


def _join_files(tmp_path) -> tuple[str, str]:
    """A tax and an insured table whose units overlap in part (A in both, D only insured)."""
    tax = _write(
        tmp_path / "tax.parquet",
        {
            UNIT: ["A", "A", "B", "C"],
            "月份": ["01", "02", "01", "01"],
            "所属区": ["市南区", "市南区", "市北区", "市北区"],
            "应纳税额": [5000, 10, 7, 1],
        },
    )
    insured = _write(
        tmp_path / "insured.parquet",
        {
            "纳税人识别号": ["A", "A", "B", "D"],
            "月份": ["01", "02", "02", "01"],
            "参保人数": [300, -80, 3, 9],
            "缴费基数": [100, 100, 100, 100],
        },
    )
    return tax, insured


def test_the_compiled_join_gives_exact_bounded_aggregates(tmp_path) -> None:
    """DuckDB runs the joined statement: pairs of one unit only, values clamped to the owning
    table's bounds, every public group present."""
    tax, insured = _join_files(tmp_path)
    sql, month_sql = JOIN_QUERIES
    engine = DuckDBEngine(threads=1)
    try:
        grouped = run_compiled(engine, compile_plan(_plan(sql)), tax, insured).to_pylist()
        matched = run_compiled(engine, compile_plan(_plan(month_sql)), tax, insured).to_pylist()
    finally:
        engine.close()
    # A joins 2 × 2 rows: tax (1000 clamped, 10) each twice; insured (200, −50) each twice.
    assert grouped == [
        {"t.所属区": "市北区", "rows": 1, "sum:t.应纳税额": 7, "sum:s.参保人数": 3},
        {"t.所属区": "市南区", "rows": 4, "sum:t.应纳税额": 2020, "sum:s.参保人数": 300},
    ]
    assert matched == [{"rows": 1}]  # A in month 01 only (B's months differ, D has no tax)


def test_join_sql_transpiles_to_spark() -> None:
    """The Spark engine's path: sqlglot turns the statement into Spark SQL that parses back
    with the same inner equi-join on both units and the matched month."""
    plan = _plan(f'SELECT t."所属区", SUM(s."参保人数") {ON_MONTH} GROUP BY t."所属区"')
    spark = sqlglot.transpile(compile_plan(plan).sql, read="duckdb", write="spark")[0]
    tree = sqlglot.parse_one(spark, read="spark")
    joins = [j for j in tree.find_all(sqlglot.exp.Join) if j.args.get("on") is not None]
    conditions = {j.args["on"].sql("spark") for j in joins}
    assert "`t`.`统一社会信用代码` = `s`.`纳税人识别号` AND `t`.`月份` = `s`.`月份`" in conditions
    assert "read_parquet" not in spark.lower() and spark.count("parquet.`?`") == 2


@pytest.mark.parametrize("sql", JOIN_QUERIES)
def test_spark_and_duckdb_give_the_same_join(sql, spark_engine, tmp_path) -> None:
    """The joined statement, rendered for Spark by sqlglot, gives DuckDB's exact aggregates
    (both tables handed to Spark, bound to the views in the query's order)."""
    tax, insured = _join_files(tmp_path)
    compiled = compile_plan(_plan(sql))
    engine = DuckDBEngine(threads=1)
    try:
        expected = run_compiled(engine, compiled, tax, insured).to_pylist()
    finally:
        engine.close()
    assert expected
    assert run_compiled(spark_engine, compiled, tax, insured).to_pylist() == expected
