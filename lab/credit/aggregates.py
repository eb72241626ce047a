"""Per-enterprise aggregates of the sources, computed in DuckDB: the one place raw rows are read.

Each query turns one source's rows into a handful of numbers per credit code (sums over the
last and the previous 12 months, counts of late months, listings still active). Monthly values
never leave this module: callers get one row per enterprise, which ``features`` turns into
bands, trends and rates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

CODE = '"统一社会信用代码"'
PENALTIES = "credit-admin-penalties"
PENALTY_REFERENCE = "行政处罚决定书文号"
MONTH = (
    '(CAST(substr(CAST("所属期" AS VARCHAR), 1, 4) AS INTEGER) * 12'
    ' + CAST(substr(CAST("所属期" AS VARCHAR), 6, 2) AS INTEGER))'
)


def relation(path: str) -> str:
    """A DuckDB table expression for a source file (CSV read as text, else Parquet)."""
    quoted = "'" + path.replace("'", "''") + "'"
    if path.endswith(".csv"):
        return f"read_csv({quoted}, all_varchar = true, header = true)"
    return f"read_parquet({quoted})"


def num(column: str) -> str:
    return f'TRY_CAST("{column}" AS DOUBLE)'


def text(column: str) -> str:
    return f"coalesce(CAST(\"{column}\" AS VARCHAR), '')"


def last_month(connection: duckdb.DuckDBPyConnection, path: str) -> int | None:
    """The newest month index (year × 12 + month) of a monthly source."""
    (value,) = connection.execute(f"SELECT max({MONTH}) FROM {relation(path)}").fetchone()
    return int(value) if value is not None else None


def month_end(index: int) -> date:
    """The last day of month ``index`` (year × 12 + month)."""
    year, month = divmod(index - 1, 12)
    first_next = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _windows(last: int) -> dict[str, str]:
    return {
        "recent": f"m > {last - 12}",
        "previous": f"m <= {last - 12} AND m > {last - 24}",
        "window": f"m > {last - 24}",
    }


def _monthly(last: int, rel: str, columns: str, aggregates: str) -> str:
    w = _windows(last)
    body = aggregates.format(**w)
    return (
        f"SELECT code, {body} FROM (SELECT {CODE} AS code, {MONTH} AS m, {columns} "
        f"FROM {rel}) GROUP BY code"
    )


MONTHLY = {
    "tax-monthly": (
        f"{num('实缴税额（元）')} AS paid, {num('欠税金额（元）')} AS owed, "
        f"{text('申报状态')} AS filing",
        "sum(paid) FILTER ({recent}) AS tax_paid_12,"
        " sum(paid) FILTER ({previous}) AS tax_paid_prev,"
        " count(*) FILTER ({recent}) AS tax_months_12,"
        " count(*) FILTER ({previous}) AS tax_months_prev,"
        " count(*) FILTER ({recent} AND owed > 0) AS tax_arrears_12,"
        " count(*) FILTER ({window} AND owed > 0) AS tax_arrears_24,"
        " count(*) FILTER ({recent} AND filing = '逾期申报') AS late_filings_12,"
        " count(*) FILTER ({window} AND filing = '逾期申报') AS late_filings_24",
    ),
    "social-insurance-monthly": (
        f"{num('参保人数')} AS heads, {num('欠缴金额（元）')} AS owed",
        "arg_max(heads, m) FILTER ({recent}) AS si_heads_last,"
        " arg_max(heads, m) FILTER ({previous}) AS si_heads_prev,"
        " count(*) FILTER ({recent} AND owed > 0) AS si_arrears_12,"
        " count(*) FILTER ({window} AND owed > 0) AS si_arrears_24",
    ),
    "housing-fund-monthly": (
        f"{num('缴存人数')} AS heads, {text('是否缓缴')} AS deferred",
        "arg_max(heads, m) FILTER ({recent}) AS hf_heads_last,"
        " count(*) FILTER ({recent} AND deferred = '是') AS hf_deferred_12,"
        " count(*) FILTER ({window} AND deferred = '是') AS hf_deferred_24",
    ),
    "utilities-monthly": (
        f"{num('用电量（千瓦时）')} AS kwh, {text('是否按时缴费')} AS on_time, "
        f"{num('欠费金额（元）')} AS owed",
        "sum(kwh) FILTER ({recent}) AS kwh_12, sum(kwh) FILTER ({previous}) AS kwh_prev,"
        " count(*) FILTER ({previous}) AS util_months_prev,"
        " avg(CASE WHEN on_time = '是' THEN 1.0 ELSE 0.0 END) FILTER ({recent}) AS util_ontime_12,"
        " avg(CASE WHEN on_time = '是' THEN 1.0 ELSE 0.0 END) FILTER ({window}) AS util_ontime_24,"
        " count(*) FILTER ({recent} AND owed > 0) AS util_arrears_12,"
        " count(*) FILTER ({window} AND owed > 0) AS util_arrears_24",
    ),
    "customs-monthly": (
        f"coalesce({num('出口额（元）')}, 0) + coalesce({num('进口额（元）')}, 0) AS trade",
        "sum(trade) FILTER ({recent}) AS trade_12, sum(trade) FILTER ({previous}) AS trade_prev,"
        " count(*) FILTER ({previous}) AS trade_months_prev",
    ),
}


def _events(as_of: date) -> dict[str, str]:
    cut12 = (as_of - timedelta(days=365)).isoformat()
    cut24 = (as_of - timedelta(days=730)).isoformat()
    today = as_of.isoformat()
    return {
        "credit-tax-grades": (
            f"SELECT {CODE} AS code,"
            f" arg_max({text('纳税信用等级')}, {num('评价年度')}) AS tax_grade "
            "FROM {rel} GROUP BY code"
        ),
        "credit-admin-penalties": (
            f"SELECT {CODE} AS code,"
            f" count(*) FILTER ({text('处罚决定日期')} >= '{cut12}') AS penalties_12,"
            f" count(*) FILTER ({text('处罚决定日期')} >= '{cut24}') AS penalties_24,"
            f" count(*) FILTER ({text('信用修复状态')} = '公示中') AS penalties_public,"
            f" coalesce(sum({num('罚款金额（元）')})"
            f" FILTER ({text('处罚决定日期')} >= '{cut12}'), 0)"
            " AS fines_12,"
            f" coalesce(sum({num('罚款金额（元）')})"
            f" FILTER ({text('处罚决定日期')} >= '{cut24}'), 0)"
            " AS fines_24,"
            f" list(struct_pack(ref := {text(PENALTY_REFERENCE)}, kind := {text('处罚类别')},"
            f" decided := {text('处罚决定日期')}) ORDER BY {text('处罚决定日期')} DESC)"
            f" FILTER ({text('信用修复状态')} = '公示中') AS public_penalties,"
            f" list(struct_pack(ref := {text(PENALTY_REFERENCE)}, kind := {text('处罚类别')},"
            f" decided := {text('处罚决定日期')}) ORDER BY {text('处罚决定日期')} DESC)"
            f" FILTER ({text('信用修复状态')} = '公示期满') AS repairable_penalties"
            " FROM {rel} GROUP BY code"
        ),
        "credit-abnormal-operations": (
            f"SELECT {CODE} AS code, count(*) FILTER ({text('移出日期')} = '') AS abnormal_active,"
            f" count(*) FILTER ({text('列入日期')} >= '{cut24}') AS abnormal_24"
            " FROM {rel} GROUP BY code"
        ),
        "credit-judicial-cases": (
            f"SELECT {CODE} AS code,"
            f" count(*) FILTER ({text('诉讼地位')} = '被告' AND {text('立案日期')} >= '{cut12}')"
            " AS defendant_12,"
            f" count(*) FILTER ({text('诉讼地位')} = '被告' AND {text('立案日期')} >= '{cut24}')"
            " AS defendant_24,"
            f" count(*) FILTER ({text('诉讼地位')} = '被告' AND {text('案件状态')} = '审理中')"
            " AS open_cases,"
            f" coalesce(sum({num('涉案金额（元）')}) FILTER ({text('诉讼地位')} = '被告'"
            f" AND {text('立案日期')} >= '{cut12}'), 0) AS case_amount_12,"
            f" coalesce(sum({num('涉案金额（元）')}) FILTER ({text('诉讼地位')} = '被告'"
            f" AND {text('立案日期')} >= '{cut24}'), 0) AS case_amount_24"
            " FROM {rel} GROUP BY code"
        ),
        "credit-dishonest-debtors": (
            f"SELECT {CODE} AS code, count(*) FILTER ({text('移出日期')} = '') AS dishonest_active,"
            f" count(*) FILTER ({text('立案日期')} >= '{cut24}') AS dishonest_24"
            " FROM {rel} GROUP BY code"
        ),
        "shuanggongshi-licences": (
            f"SELECT {CODE} AS code, count(*) FILTER ({text('有效期至')} >= '{today}')"
            " AS licences_valid,"
            f" list(struct_pack(name := {text('许可证书名称')}, number := {text('许可编号')},"
            f" valid_until := {text('有效期至')}) ORDER BY {text('有效期至')} DESC)"
            f" FILTER ({text('有效期至')} >= '{today}') AS public_licences"
            " FROM {rel} GROUP BY code"
        ),
        "enterprise-register": (
            f"SELECT {CODE} AS code, any_value({text('企业名称')}) AS name,"
            f" any_value({text('企业类型')}) AS enterprise_type,"
            f" any_value({text('法定代表人')}) AS legal_representative,"
            f" any_value({text('成立日期')}) AS established,"
            f" any_value({num('注册资本（元）')}) AS capital,"
            f" any_value({text('行业门类')}) AS industry_section,"
            f" any_value({text('所属区')}) AS district,"
            f" any_value({text('登记状态')}) AS registration_status"
            " FROM {rel} GROUP BY code"
        ),
    }


def data_as_of(paths: Mapping[str, str], fallback: date) -> date:
    """The end of the newest month of the monthly sources (``fallback`` without any)."""
    with duckdb.connect() as connection:
        months = [last_month(connection, paths[s]) for s in MONTHLY if s in paths]
    known = [m for m in months if m is not None]
    return month_end(max(known)) if known else fallback


@dataclass(frozen=True)
class Selection:
    """Which rows an aggregation reads: every enterprise or only ``codes``, and never the
    penalties whose credit repair was approved (``repaired`` holds (credit code, 文号) pairs)."""

    codes: frozenset[str] | None = None
    repaired: frozenset[tuple[str, str]] = frozenset()


def aggregate(
    paths: Mapping[str, str], as_of: date, selection: Selection | None = None
) -> pd.DataFrame:
    """One row per credit code with every aggregate the available sources give."""
    selection = selection or Selection()
    last = as_of.year * 12 + as_of.month
    frames = []
    with duckdb.connect(config={"threads": 4}) as connection:
        _register_selection(connection, selection)
        for slug, (columns, aggregates) in MONTHLY.items():
            if slug in paths:
                sql = _monthly(last, _selected(slug, paths[slug], selection), columns, aggregates)
                frames.append(connection.execute(sql).df().set_index("code"))
        for slug, sql in _events(as_of).items():
            if slug in paths:
                rel = _selected(slug, paths[slug], selection)
                frames.append(connection.execute(sql.format(rel=rel)).df().set_index("code"))
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, axis=1, join="outer")


def _register_selection(connection: duckdb.DuckDBPyConnection, selection: Selection) -> None:
    connection.execute("CREATE TEMP TABLE wanted (code VARCHAR)")
    if selection.codes:
        rows = [[code] for code in sorted(selection.codes)]
        connection.executemany("INSERT INTO wanted VALUES (?)", rows)
    connection.execute("CREATE TEMP TABLE repaired (code VARCHAR, ref VARCHAR)")
    if selection.repaired:
        rows = [list(pair) for pair in sorted(selection.repaired)]
        connection.executemany("INSERT INTO repaired VALUES (?, ?)", rows)


def _selected(slug: str, path: str, selection: Selection) -> str:
    """The source as a table expression narrowed to the selected rows."""
    conditions = []
    if selection.codes is not None:
        conditions.append(f"CAST({CODE} AS VARCHAR) IN (SELECT code FROM wanted)")
    if slug == PENALTIES and selection.repaired:
        conditions.append(
            f"({text('统一社会信用代码')}, {text(PENALTY_REFERENCE)}) "
            "NOT IN (SELECT (code, ref) FROM repaired)"
        )
    if not conditions:
        return relation(path)
    return f"(SELECT * FROM {relation(path)} WHERE {' AND '.join(conditions)})"


def labels(path: str) -> pd.DataFrame:
    """Loan outcomes per credit code: whether any loan of the firm defaulted."""
    sql = (
        f"SELECT {CODE} AS code, max({num('是否违约')}) AS defaulted "
        f"FROM {relation(path)} GROUP BY code"
    )
    with duckdb.connect() as connection:
        return connection.execute(sql).df().set_index("code")
