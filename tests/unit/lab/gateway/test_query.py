"""The gateway's SQL subset: what it rejects (with what message) and what plans it accepts."""

from __future__ import annotations

import pytest
from sqlglot import exp

from lab.gateway.errors import QueryRejected
from lab.gateway.metadata import Bounds, ColumnKind, TableMetadata
from lab.gateway.query import Aggregate, AggregateKind, GroupKey, plan_query
from lab.reference import public_code_list

DISTRICTS = public_code_list("qingdao_district_name")
TAX = TableMetadata(
    name="tax-monthly",
    columns={
        "纳税人识别号": ColumnKind.TEXT,
        "所属区": ColumnKind.TEXT,
        "行业代码": ColumnKind.TEXT,
        "应纳税额（元）": ColumnKind.INTEGER,
        "利润率": ColumnKind.FLOAT,
    },
    privacy_unit="纳税人识别号",
    max_rows_per_unit=12,
    bounds={"应纳税额（元）": (0, 1_000_000)},
    public_domains={"所属区": DISTRICTS},
)
TAX_SUM = 'SUM("应纳税额（元）")'


def plan(sql: str, delta: float = 0.0):
    """Plan ``sql`` against the tax table alone."""
    return plan_query(sql, [TAX], delta=delta)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ('SELECT * FROM "tax-monthly"', "SELECT * is not supported"),
        ('SELECT "行业代码", COUNT(*) FROM "tax-monthly"', '"行业代码" is selected raw'),
        (
            'SELECT COUNT(*) FROM "tax-monthly" JOIN other ON 1 = 1',
            "is not a dataset you can query",
        ),
        ('SELECT COUNT(*) FROM (SELECT * FROM "tax-monthly")', "subqueries are not supported"),
        (
            'SELECT COUNT(*) FROM "tax-monthly" WHERE "所属区" IN (SELECT "所属区" FROM x)',
            "subqueries are not supported",
        ),
        ('SELECT MAX("应纳税额（元）") FROM "tax-monthly"', "is not allowed; aggregates:"),
        (
            'SELECT COUNT(*) FROM "tax-monthly" WHERE lower("所属区") = \'a\'',
            "not allowed in WHERE",
        ),
        ('SELECT COUNT(*) FROM "tax-monthly" -- note', "remove the comments"),
        ('SELECT /* hi */ COUNT(*) FROM "tax-monthly"', "remove the comments"),
        ('SELECT COUNT(*) FROM "tax-monthly"; SELECT 1', "one statement at a time"),
        ("SELECT COUNT(*) FROM salaries", '"salaries" is not a dataset you can query'),
        ('SELECT COUNT("工资") FROM "tax-monthly"', '"工资" is not a column of "tax-monthly"'),
        ('SELECT AVG("利润率") FROM "tax-monthly"', 'AVG needs clamping bounds on "利润率"'),
        ('SELECT SUM("利润率") FROM "tax-monthly"', 'SUM needs clamping bounds on "利润率"'),
        (
            'SELECT "行业代码", COUNT(*) FROM "tax-monthly" GROUP BY "行业代码"',
            "requires delta > 0",
        ),
    ],
)
def test_issue_rejections_carry_a_fix_it_message(sql: str, message: str) -> None:
    """Each rejection the issue lists raises QueryRejected with a message saying what to change."""
    with pytest.raises(QueryRejected, match=message.replace("*", r"\*").replace("(", r"\(")):
        plan(sql)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ('SELECT COUNT(*) AS n FROM "tax-monthly"', "remove the alias"),
        ('SELECT COUNT(DISTINCT "所属区") FROM "tax-monthly"', "DISTINCT inside an aggregate"),
        ('SELECT SUM("应纳税额（元）") OVER () FROM "tax-monthly"', "is not allowed"),
        ('SELECT COUNT(*) FROM "tax-monthly" WHERE "利润率" > 1e999', "not allowed in WHERE"),
        ('SELECT SUM("应纳税额（元）" * 2) FROM "tax-monthly"', "plain column"),
        ('SELECT COUNT(*) FROM "tax-monthly" LIMIT 1', "LIMIT is not supported"),
        ('SELECT COUNT(*) FROM "tax-monthly" ORDER BY 1', "ORDER BY is not supported"),
        ("SELECT COUNT(*) FROM read_parquet('/etc/passwd')", "FROM must name one dataset"),
        ('SELECT COUNT(*) FROM main."tax-monthly"', "without prefix or alias"),
        ('SELECT COUNT(*) FROM "tax-monthly" AS t', "without prefix or alias"),
        ('SELECT COUNT(t."所属区") FROM "tax-monthly"', "without a prefix"),
        ('SELECT "所属区" FROM "tax-monthly" GROUP BY "所属区"', "at least one aggregate"),
        ('SELECT COUNT(*) FROM "tax-monthly" WHERE "所属区" = 5', "compares text with a number"),
        ('SELECT COUNT(*) FROM "tax-monthly" WHERE "利润率" LIKE \'1%\'', "LIKE needs a text"),
        ('SELECT COUNT(*) FROM "tax-monthly" WHERE "所属区" = NULL', "IS NULL"),
        ('SELECT COUNT(*) FROM "tax-monthly" WHERE "所属区" IN ("行业代码")', "list of literal"),
        ('SELECT QUANTILE("应纳税额（元）", 1.5) FROM "tax-monthly"', "between 0 and 1"),
        (
            'SELECT "纳税人识别号", COUNT(*) FROM "tax-monthly" GROUP BY "纳税人识别号"',
            "identifies privacy units",
        ),
        ('DELETE FROM "tax-monthly"', "only a single SELECT"),
        ('SELECT COUNT(*) FROM "tax-monthly" WHERE', "not valid SQL"),
    ],
)
def test_other_forms_outside_the_subset_are_rejected(sql: str, message: str) -> None:
    """Aliases, DISTINCT, expressions, extra clauses, table functions, type clashes are refused."""
    with pytest.raises(QueryRejected, match=message):
        plan(sql)


def test_planning_needs_metadata_only() -> None:
    """Planning works with no data anywhere: the table metadata names no file at all."""
    query = plan(f'SELECT "所属区", COUNT(*), {TAX_SUM} FROM "tax-monthly" GROUP BY "所属区"')
    assert query.table is TAX
    assert query.group_keys == (GroupKey("所属区", DISTRICTS),)


@pytest.mark.parametrize(
    ("select", "aggregate"),
    [
        ("COUNT(*)", Aggregate(AggregateKind.COUNT_ROWS, None)),
        ('COUNT("利润率")', Aggregate(AggregateKind.COUNT, "利润率")),
        (TAX_SUM, Aggregate(AggregateKind.SUM, "应纳税额（元）")),
        ('AVG("应纳税额（元）")', Aggregate(AggregateKind.AVG, "应纳税额（元）")),
        ('VARIANCE("应纳税额（元）")', Aggregate(AggregateKind.VARIANCE, "应纳税额（元）")),
        ('STDDEV("应纳税额（元）")', Aggregate(AggregateKind.STDDEV, "应纳税额（元）")),
        ('MEDIAN("应纳税额（元）")', Aggregate(AggregateKind.MEDIAN, "应纳税额（元）", 0.5)),
        (
            'QUANTILE("应纳税额（元）", 0.9)',
            Aggregate(AggregateKind.QUANTILE, "应纳税额（元）", 0.9),
        ),
    ],
)
def test_each_aggregate_kind_is_accepted(select: str, aggregate: Aggregate) -> None:
    """Every aggregate on the list plans to its kind, column and quantile."""
    assert plan(f'SELECT {select} FROM "tax-monthly"').aggregates == (aggregate,)


@pytest.mark.parametrize(
    "condition",
    [
        '"所属区" = \'市南区\' AND "应纳税额（元）" >= 100',
        '"所属区" <> \'市南区\' OR NOT "利润率" < -0.5',
        "\"所属区\" IN ('市南区', '市北区')",
        '"应纳税额（元）" BETWEEN 10 AND 20',
        '"利润率" IS NULL OR "利润率" IS NOT NULL',
        "\"行业代码\" LIKE 'C%'",
        '("应纳税额（元）" > 1) AND ("应纳税额（元）" <= 9)',
    ],
)
def test_allowed_where_forms_are_kept_as_a_checked_expression(condition: str) -> None:
    """Each allowed predicate form passes and is kept as the plan's sqlglot WHERE tree."""
    query = plan(f'SELECT COUNT(*) FROM "tax-monthly" WHERE {condition}')
    assert isinstance(query.where, exp.Expression)
    assert {column.name for column in query.where.find_all(exp.Column)} <= set(TAX.columns)


def test_chinese_quoted_identifiers_survive_parsing() -> None:
    """Double-quoted Chinese column names with full-width brackets reach the plan unchanged."""
    query = plan(f'SELECT "所属区", {TAX_SUM} FROM "tax-monthly" GROUP BY "所属区"')
    assert query.aggregates[0].column == "应纳税额（元）"
    assert '"应纳税额（元）"' in query.canonical_text


def test_underscore_alias_names_the_same_table_and_cache_entry() -> None:
    """tax_monthly and "tax-monthly" plan to the same table and the same canonical text."""
    quoted = plan('SELECT COUNT(*) FROM "tax-monthly" WHERE "利润率" > 0')
    alias = plan("select count(*) from tax_monthly where 利润率 > 0")
    assert alias.table is TAX
    assert alias.canonical_text == quoted.canonical_text


def test_key_without_domain_needs_partition_selection_when_delta_is_positive() -> None:
    """With δ > 0 a key without public domain is accepted and flagged for partition selection."""
    query = plan('SELECT "行业代码", COUNT(*) FROM "tax-monthly" GROUP BY "行业代码"', delta=1e-6)
    assert query.group_keys == (GroupKey("行业代码", None),)
    assert query.needs_partition_selection


def test_key_with_public_domain_needs_no_partition_selection() -> None:
    """A key with a public domain is released over its full domain, with δ = 0."""
    assert not plan(
        'SELECT "所属区", COUNT(*) FROM "tax-monthly" GROUP BY "所属区"'
    ).needs_partition_selection


def test_trailing_semicolon_is_one_statement() -> None:
    """A single statement ending in a semicolon is still one statement."""
    assert plan('SELECT COUNT(*) FROM "tax-monthly";').aggregates


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"privacy_unit": "nobody"}, "privacy unit"),
        ({"max_rows_per_unit": 0}, "max_rows_per_unit"),
        ({"bounds": {"所属区": (0, 1)}}, "not a numeric column"),
        ({"bounds": {"利润率": (1, 1)}}, "must be below"),
        ({"public_domains": {"所属区": ("a", "a")}}, "without duplicates"),
    ],
)
def test_metadata_validates_itself(kwargs: dict, message: str) -> None:
    """Inconsistent steward metadata is refused when the value object is built."""
    fields = {
        "name": "t",
        "columns": {"u": "text", "所属区": "text", "利润率": "float"},
        "privacy_unit": "u",
        "max_rows_per_unit": 1,
    }
    with pytest.raises(ValueError, match=message):
        TableMetadata(**(fields | kwargs))


def test_bounds_are_integers() -> None:
    """Bounds are in stored integer units, so sums stay exact."""
    with pytest.raises(ValueError, match="integers"):
        Bounds(0.5, 2)  # type: ignore[arg-type]
