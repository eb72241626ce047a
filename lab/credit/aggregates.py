"""Per-enterprise aggregates of the sources, computed in DuckDB: the one place raw rows are read.

Each query turns one input's rows into a handful of numbers per credit code (sums over the last
and the previous 12 months, counts of late months, listings still active). Which dataset and
columns an input reads, its units and code lists come from its binding in the source mapping
(``lab.credit.mapping``); nothing here names a dataset or a column. Monthly values never leave
this module: callers get one row per enterprise, which ``features`` turns into bands, trends and
rates.

Everything is cut at ``as_of`` (point in time), so the same call serves today's profiles and a
scorecard's training examples as they stood at a past date:

* monthly windows end with ``as_of``'s month (the last 12 months, the 12 before, the 24);
* an event counts only once it happened by ``as_of``: a penalty decided (and published, 双公示),
  a case filed, a listing published, a licence in force, an enterprise established;
* a listing is active when it was listed by ``as_of`` and not removed by then; a penalty is
  under publicity when its publicity period had not ended on ``as_of``; a case is open when it
  was not closed by ``as_of`` (by the case-status code list where the source has no close date);
* a tax credit grade counts from the year after its evaluation year (grades are published then).

Items a report lists as already public come from the open (T1) inputs only: penalties under
publicity from the 双公示 publication (``public_penalties``), licences from theirs. The
restricted penalty file (T4) gives the counts, fines and the penalties past publicity that may be
repaired, never the public list. A penalty whose credit repair the lab approved is left out of
both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

from lab.credit.inputs import LABELS
from lab.credit.mapping import Binding
from lab.credit.sources import BoundSource
from lab.sql_text import sql_name, sql_string

PENALTIES = "penalties"
PUBLIC_PENALTIES = "public_penalties"
REPAIRABLE_INPUTS = (PENALTIES, PUBLIC_PENALTIES)
"""Inputs that list penalty decisions: an approved credit repair removes a decision from each."""


def relation(path: str) -> str:
    """A DuckDB table expression for a source file (CSV read as text, else Parquet)."""
    quoted = sql_string(path)
    if path.endswith(".csv"):
        return f"read_csv({quoted}, all_varchar = true, header = true)"
    return f"read_parquet({quoted})"


@dataclass(frozen=True)
class _Sql:
    """SQL fragments for one binding's fields: columns, numbers in base units, text, codes."""

    binding: Binding

    def column(self, field: str) -> str:
        name = self.binding.column(field)
        if name is None:
            raise KeyError(f"{self.binding.input}.{field} is not bound (this is a bug)")
        return sql_name(name)

    def num(self, field: str) -> str:
        factor = self.binding.factor(field)
        value = f"TRY_CAST({self.column(field)} AS DOUBLE)"
        return value if factor == 1.0 else f"({value} * {factor!r})"

    def text(self, field: str) -> str:
        return f"coalesce(CAST({self.column(field)} AS VARCHAR), '')"

    def is_in(self, field: str, code_list: str) -> str:
        codes = ", ".join(sql_string(c) for c in self.binding.codes[code_list])
        return f"{self.text(field)} IN ({codes})"

    def month(self) -> str:
        """The period as a month index (year × 12 + month)."""
        period = f"CAST({self.column('period')} AS VARCHAR)"
        month_at = 6 if self.binding.period_format == "YYYY-MM" else 5
        return (
            f"(CAST(substr({period}, 1, 4) AS INTEGER) * 12"
            f" + CAST(substr({period}, {month_at}, 2) AS INTEGER))"
        )


def month_index(day: date) -> int:
    """``day``'s month as year × 12 + month."""
    return day.year * 12 + day.month


def month_end(index: int) -> date:
    """The last day of month ``index`` (year × 12 + month)."""
    year, month = divmod(index - 1, 12)
    first_next = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return first_next - timedelta(days=1)


def last_month(connection: duckdb.DuckDBPyConnection, source: BoundSource) -> int | None:
    """The newest month index of a monthly source."""
    sql = f"SELECT max({_Sql(source.binding).month()}) FROM {relation(source.path)}"
    row = connection.execute(sql).fetchone()
    return int(row[0]) if row is not None and row[0] is not None else None


@dataclass(frozen=True)
class _Cut:
    """The point in time: ``as_of`` and the window edges derived from it."""

    as_of: date

    @property
    def day(self) -> str:
        return sql_string(self.as_of.isoformat())

    def since(self, days: int) -> str:
        return sql_string((self.as_of - timedelta(days=days)).isoformat())

    @property
    def month(self) -> int:
        return month_index(self.as_of)


def _monthly(s: _Sql, cut: _Cut, rel: str, columns: str, aggregates: str) -> str:
    """A monthly input's aggregates over the 24 months ending with ``as_of``'s month."""
    last = cut.month
    body = aggregates.format(recent=f"m > {last - 12}", previous=f"m <= {last - 12}", window="true")
    return (
        f"SELECT code, {body} FROM (SELECT {s.column('credit_code')} AS code, {s.month()} AS m,"
        f" {columns} FROM {rel}) WHERE m > {last - 24} AND m <= {last} GROUP BY code"
    )


def _tax_monthly(s: _Sql, cut: _Cut, rel: str) -> str:
    columns = (
        f"{s.num('tax_paid')} AS paid, {s.num('tax_owed')} AS owed,"
        f" {s.is_in('filing_status', 'late_filing')} AS late"
    )
    aggregates = (
        "sum(paid) FILTER ({recent}) AS tax_paid_12,"
        " sum(paid) FILTER ({previous}) AS tax_paid_prev,"
        " count(*) FILTER ({recent}) AS tax_months_12,"
        " count(*) FILTER ({previous}) AS tax_months_prev,"
        " count(*) FILTER ({recent} AND owed > 0) AS tax_arrears_12,"
        " count(*) FILTER ({window} AND owed > 0) AS tax_arrears_24,"
        " count(*) FILTER ({recent} AND late) AS late_filings_12,"
        " count(*) FILTER ({window} AND late) AS late_filings_24"
    )
    return _monthly(s, cut, rel, columns, aggregates)


def _social_insurance(s: _Sql, cut: _Cut, rel: str) -> str:
    columns = f"{s.num('insured_headcount')} AS heads, {s.num('amount_owed')} AS owed"
    aggregates = (
        "arg_max(heads, m) FILTER ({recent}) AS si_heads_last,"
        " arg_max(heads, m) FILTER ({previous}) AS si_heads_prev,"
        " count(*) FILTER ({recent} AND owed > 0) AS si_arrears_12,"
        " count(*) FILTER ({window} AND owed > 0) AS si_arrears_24"
    )
    return _monthly(s, cut, rel, columns, aggregates)


def _housing_fund(s: _Sql, cut: _Cut, rel: str) -> str:
    columns = f"{s.num('depositor_headcount')} AS heads, {s.is_in('deferral', 'deferred')} AS late"
    aggregates = (
        "arg_max(heads, m) FILTER ({recent}) AS hf_heads_last,"
        " count(*) FILTER ({recent} AND late) AS hf_deferred_12,"
        " count(*) FILTER ({window} AND late) AS hf_deferred_24"
    )
    return _monthly(s, cut, rel, columns, aggregates)


def _utilities(s: _Sql, cut: _Cut, rel: str) -> str:
    columns = (
        f"{s.num('electricity_used')} AS kwh, {s.is_in('payment_on_time', 'paid_on_time')}"
        f" AS on_time, {s.num('amount_owed')} AS owed"
    )
    aggregates = (
        "sum(kwh) FILTER ({recent}) AS kwh_12, sum(kwh) FILTER ({previous}) AS kwh_prev,"
        " count(*) FILTER ({previous}) AS util_months_prev,"
        " avg(CASE WHEN on_time THEN 1.0 ELSE 0.0 END) FILTER ({recent}) AS util_ontime_12,"
        " avg(CASE WHEN on_time THEN 1.0 ELSE 0.0 END) FILTER ({window}) AS util_ontime_24,"
        " count(*) FILTER ({recent} AND owed > 0) AS util_arrears_12,"
        " count(*) FILTER ({window} AND owed > 0) AS util_arrears_24"
    )
    return _monthly(s, cut, rel, columns, aggregates)


def _customs(s: _Sql, cut: _Cut, rel: str) -> str:
    columns = f"coalesce({s.num('exports')}, 0) + coalesce({s.num('imports')}, 0) AS trade"
    aggregates = (
        "sum(trade) FILTER ({recent}) AS trade_12, sum(trade) FILTER ({previous}) AS trade_prev,"
        " count(*) FILTER ({previous}) AS trade_months_prev"
    )
    return _monthly(s, cut, rel, columns, aggregates)


def _tax_grades(s: _Sql, cut: _Cut, rel: str) -> str:
    year = f"TRY_CAST({s.column('evaluation_year')} AS INTEGER)"
    return (
        f"SELECT {s.column('credit_code')} AS code, arg_max({s.text('grade')}, {year})"
        f" AS tax_grade FROM {rel} WHERE {year} < {cut.as_of.year} GROUP BY code"
    )


def _penalty_items(s: _Sql, condition: str) -> str:
    decided = s.text("decided")
    return (
        f"list(struct_pack(ref := {s.text('decision_number')}, kind := {s.text('penalty_kind')},"
        f" decided := {decided}) ORDER BY {decided} DESC) FILTER ({condition})"
    )


def _penalties(s: _Sql, cut: _Cut, rel: str) -> str:
    decided, ends = s.text("decided"), s.text("publicity_ends")
    kept = f"NOT {s.is_in('repair_status', 'repaired')}"
    public = f"{ends} > {cut.day} AND {kept}"
    expired = f"{ends} <= {cut.day} AND {kept}"
    in12, in24 = f"{decided} >= {cut.since(365)}", f"{decided} >= {cut.since(730)}"
    return (
        f"SELECT {s.column('credit_code')} AS code,"
        f" count(*) FILTER ({in12}) AS penalties_12,"
        f" count(*) FILTER ({in24}) AS penalties_24,"
        f" count(*) FILTER ({public}) AS penalties_public,"
        f" coalesce(sum({s.num('fine')}) FILTER ({in12}), 0) AS fines_12,"
        f" coalesce(sum({s.num('fine')}) FILTER ({in24}), 0) AS fines_24,"
        f" {_penalty_items(s, expired)} AS repairable_penalties"
        f" FROM {rel} WHERE {decided} <= {cut.day} GROUP BY code"
    )


def _public_penalties(s: _Sql, cut: _Cut, rel: str) -> str:
    """The 双公示 publication's decisions that were published by ``as_of`` and still under
    publicity then: the items a report shows."""
    decided, ends = s.text("decided"), s.text("publicity_ends")
    return (
        f"SELECT {s.column('credit_code')} AS code,"
        f" {_penalty_items(s, f'{ends} > {cut.day}')} AS public_penalties"
        f" FROM {rel} WHERE {decided} <= {cut.day} GROUP BY code"
    )


def _active(s: _Sql, cut: _Cut) -> str:
    """Not removed by ``as_of`` (an empty removal date means still listed)."""
    removed = s.text("removed")
    return f"({removed} = '' OR {removed} > {cut.day})"


def _abnormal_operations(s: _Sql, cut: _Cut, rel: str) -> str:
    listed = s.text("listed")
    return (
        f"SELECT {s.column('credit_code')} AS code,"
        f" count(*) FILTER ({_active(s, cut)}) AS abnormal_active,"
        f" count(*) FILTER ({listed} >= {cut.since(730)}) AS abnormal_24"
        f" FROM {rel} WHERE {listed} <= {cut.day} GROUP BY code"
    )


def _judicial_cases(s: _Sql, cut: _Cut, rel: str) -> str:
    filed, amount = s.text("filed"), s.num("amount")
    defendant = s.is_in("litigant_role", "defendant")
    if s.binding.column("closed") is not None:
        closed = s.text("closed")
        still_open = f"({closed} = '' OR {closed} > {cut.day})"
    else:
        still_open = s.is_in("case_status", "open_case")
    in12, in24 = f"{filed} >= {cut.since(365)}", f"{filed} >= {cut.since(730)}"
    return (
        f"SELECT {s.column('credit_code')} AS code,"
        f" count(*) FILTER ({defendant} AND {in12}) AS defendant_12,"
        f" count(*) FILTER ({defendant} AND {in24}) AS defendant_24,"
        f" count(*) FILTER ({defendant} AND {still_open}) AS open_cases,"
        f" coalesce(sum({amount}) FILTER ({defendant} AND {in12}), 0) AS case_amount_12,"
        f" coalesce(sum({amount}) FILTER ({defendant} AND {in24}), 0) AS case_amount_24"
        f" FROM {rel} WHERE {filed} <= {cut.day} GROUP BY code"
    )


def _dishonest_debtors(s: _Sql, cut: _Cut, rel: str) -> str:
    return (
        f"SELECT {s.column('credit_code')} AS code,"
        f" count(*) FILTER ({_active(s, cut)}) AS dishonest_active,"
        f" count(*) FILTER ({s.text('filed')} >= {cut.since(730)}) AS dishonest_24"
        f" FROM {rel} WHERE {s.text('published')} <= {cut.day} GROUP BY code"
    )


def _licences(s: _Sql, cut: _Cut, rel: str) -> str:
    until = s.text("valid_until")
    valid = f"{until} >= {cut.day}"
    item = (
        f"struct_pack(name := {s.text('licence_name')}, number := {s.text('licence_number')},"
        f" valid_until := {until})"
    )
    return (
        f"SELECT {s.column('credit_code')} AS code, count(*) FILTER ({valid}) AS licences_valid,"
        f" list({item} ORDER BY {until} DESC) FILTER ({valid}) AS public_licences"
        f" FROM {rel} WHERE {s.text('valid_from')} <= {cut.day} GROUP BY code"
    )


def _register(s: _Sql, cut: _Cut, rel: str) -> str:
    established = s.text("established")
    return (
        f"SELECT {s.column('credit_code')} AS code, any_value({s.text('name')}) AS name,"
        f" any_value({s.text('enterprise_type')}) AS enterprise_type,"
        f" any_value({s.text('legal_representative')}) AS legal_representative,"
        f" any_value({established}) AS established,"
        f" any_value({s.num('registered_capital')}) AS capital,"
        f" any_value({s.text('industry_section')}) AS industry_section,"
        f" any_value({s.text('district')}) AS district,"
        f" any_value({s.text('registration_status')}) AS registration_status,"
        f" bool_or({s.is_in('registration_status', 'active_status')}) AS registered_active"
        f" FROM {rel} WHERE {established} = '' OR {established} <= {cut.day} GROUP BY code"
    )


QUERIES: dict[str, Callable[[_Sql, _Cut, str], str]] = {
    "tax_monthly": _tax_monthly,
    "social_insurance_monthly": _social_insurance,
    "housing_fund_monthly": _housing_fund,
    "utilities_monthly": _utilities,
    "customs_monthly": _customs,
    "tax_grades": _tax_grades,
    "penalties": _penalties,
    "public_penalties": _public_penalties,
    "abnormal_operations": _abnormal_operations,
    "judicial_cases": _judicial_cases,
    "dishonest_debtors": _dishonest_debtors,
    "licences": _licences,
    "register": _register,
}
"""The aggregate query of each profile input (``loan_outcomes`` only labels the scorecard)."""


def data_as_of(paths: Mapping[str, BoundSource], fallback: date) -> date:
    """The end of the newest month of the monthly sources (``fallback`` without any)."""
    with duckdb.connect() as connection:
        months = [last_month(connection, s) for s in paths.values() if s.binding.spec.monthly]
    known = [m for m in months if m is not None]
    return month_end(max(known)) if known else fallback


@dataclass(frozen=True)
class Selection:
    """Which rows an aggregation reads: every enterprise or only ``codes``, and never the
    penalties whose credit repair was approved (``repaired`` holds (credit code, 文号) pairs)."""

    codes: frozenset[str] | None = None
    repaired: frozenset[tuple[str, str]] = frozenset()


def aggregate(
    paths: Mapping[str, BoundSource], as_of: date, selection: Selection | None = None
) -> pd.DataFrame:
    """One row per credit code with every aggregate the available sources give, as of
    ``as_of`` (see the module's notes on what "as of" means for each kind of source)."""
    selection = selection or Selection()
    cut = _Cut(as_of)
    frames = []
    with duckdb.connect(config={"threads": 4}) as connection:
        _register_selection(connection, selection)
        for name, build in QUERIES.items():
            source = paths.get(name)
            if source is None:
                continue
            sql = build(_Sql(source.binding), cut, _selected(source, selection))
            frames.append(connection.execute(sql).df().set_index("code"))
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


def _selected(source: BoundSource, selection: Selection) -> str:
    """The source as a table expression narrowed to the selected rows."""
    s = _Sql(source.binding)
    conditions = []
    if selection.codes is not None:
        code = s.column("credit_code")
        conditions.append(f"CAST({code} AS VARCHAR) IN (SELECT code FROM wanted)")
    if source.binding.input in REPAIRABLE_INPUTS and selection.repaired:
        conditions.append(
            f"({s.text('credit_code')}, {s.text('decision_number')}) "
            "NOT IN (SELECT (code, ref) FROM repaired)"
        )
    if not conditions:
        return relation(source.path)
    return f"(SELECT * FROM {relation(source.path)} WHERE {' AND '.join(conditions)})"


def labels(source: BoundSource) -> pd.DataFrame:
    """Loan outcomes per credit code: whether any loan of the firm defaulted."""
    s = _Sql(source.binding)
    sql = (
        f"SELECT {s.column('credit_code')} AS code, max({s.num('defaulted')}) AS defaulted "
        f"FROM {relation(source.path)} GROUP BY code"
    )
    with duckdb.connect() as connection:
        return connection.execute(sql).df().set_index("code")


def loans(source: BoundSource) -> pd.DataFrame:
    """One row per loan: credit code, disbursement day (ISO text) and whether it defaulted —
    what a point-in-time training set groups by disbursement month."""
    s = _Sql(source.binding)
    sql = (
        f"SELECT {s.text('credit_code')} AS code, {s.text('disbursed')} AS disbursed,"
        f" {s.num('defaulted')} > 0 AS defaulted FROM {relation(source.path)}"
        " ORDER BY disbursed, code"
    )
    with duckdb.connect() as connection:
        return connection.execute(sql).df()


__all__ = ["LABELS", "Selection", "aggregate", "data_as_of", "labels", "loans", "relation"]
