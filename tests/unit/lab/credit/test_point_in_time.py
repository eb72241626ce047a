"""Training examples see the sources only as they stood before each loan was disbursed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from lab.credit.aggregates import relation
from lab.credit.mapping import shipped_mapping
from lab.credit.sources import LABELS, source_files
from lab.credit.training import examples_from
from lab.credit.vintages import feature_cut, point_in_time, source_loans

DATED = {
    "tax-monthly": "\"所属期\" <= '{month}'",
    "social-insurance-monthly": "\"所属期\" <= '{month}'",
    "housing-fund-monthly": "\"所属期\" <= '{month}'",
    "utilities-monthly": "\"所属期\" <= '{month}'",
    "customs-monthly": "\"所属期\" <= '{month}'",
    "credit-admin-penalties": "\"处罚决定日期\" <= '{day}'",
    "credit-judicial-cases": "\"立案日期\" <= '{day}'",
    "credit-dishonest-debtors": "\"发布日期\" <= '{day}'",
    "credit-abnormal-operations": "\"列入日期\" <= '{day}'",
    "credit-tax-grades": 'CAST("评价年度" AS INTEGER) < {year}',
    "enterprise-register": "\"成立日期\" <= '{day}'",
}
"""What each source held at a cut: rows dated by then (tax grades of past years only)."""
REMOVALS = {
    "credit-dishonest-debtors": "移出日期",
    "credit-abnormal-operations": "移出日期",
    "credit-judicial-cases": "结案日期",
}


def _as_it_stood(sources: dict[str, str], cut: date, out: Path) -> dict[str, str]:
    """Copies of the sources holding only what was published by ``cut`` (later removals undone)."""
    paths = {}
    values = {"month": cut.strftime("%Y-%m"), "day": cut.isoformat(), "year": cut.year}
    with duckdb.connect() as connection:
        for slug, condition in DATED.items():
            target = out / f"{slug}.parquet"
            removal = REMOVALS.get(slug)
            columns = (
                f"* REPLACE (CASE WHEN CAST(\"{removal}\" AS VARCHAR) > '{cut}' THEN ''"
                f' ELSE "{removal}" END AS "{removal}")'
                if removal
                else "*"
            )
            connection.execute(
                f"COPY (SELECT {columns} FROM {relation(sources[slug])}"
                f" WHERE {condition.format(**values)}) TO '{target}' (FORMAT parquet)"
            )
            paths[slug] = str(target)
    return paths


def test_feature_cut_is_the_end_of_the_month_before_disbursement() -> None:
    """A loan paid out on 15 July 2025 is scored on data to 30 June 2025; 1 March → 28 Feb."""
    assert feature_cut(date(2025, 7, 15)) == date(2025, 6, 30)
    assert feature_cut(date(2025, 3, 1)) == date(2025, 2, 28)
    assert feature_cut(date(2026, 1, 31)) == date(2025, 12, 31)


def test_demo_loans_come_in_vintages_with_a_full_year_observed(demo_sources) -> None:
    """Every demo loan has a disbursement date in June–November 2025: history before it, and
    its 12 months of outcome before the data's end (31 October 2026)."""
    loans = source_loans(demo_sources[LABELS])
    assert loans and {loan.vintage for loan in loans} <= {f"2025-{m:02d}" for m in range(6, 12)}
    assert len({loan.vintage for loan in loans}) >= 4


def test_examples_equal_those_from_the_sources_as_they_stood(
    demo_files, demo_sources, tmp_path
) -> None:
    """For one vintage, inputs from today's files equal inputs from copies cut at the loan's
    feature date: nothing published after disbursement reaches a training example."""
    examples = examples_from(demo_sources)
    vintage = examples[0].loan.vintage
    chosen = [x for x in examples if x.loan.vintage == vintage]
    cut = feature_cut(chosen[0].loan.disbursed_on)
    then_files = _as_it_stood(demo_files, cut, tmp_path)
    then = point_in_time(source_files(shipped_mapping(), then_files), [x.loan for x in chosen])
    for now_example, then_example in zip(chosen, then, strict=True):
        assert now_example.loan == then_example.loan
        for name, value in then_example.inputs.items():
            assert now_example.inputs[name] == value, (now_example.loan, name)
