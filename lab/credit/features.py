"""Per-enterprise derived features: what the profile service stores and serves from.

``derive`` turns one enterprise's aggregates into, per scope, yes/no checks and banded
indicators for a 12- and a 24-month window, the public items a report may add, and the numeric
inputs of the scorecard (kept for scoring, never output). Nothing here holds a monthly value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

import pandas as pd

from lab.credit import bands
from lab.credit.bands import change, count, missing
from lab.credit.inputs import scope_inputs
from lab.credit.vocabulary import Scope

GRADES_AT_LEAST_B = ("A", "B")
PUBLIC_ITEMS = 5


def held_scopes(inputs: set[str]) -> frozenset[Scope]:
    """Scopes at least one of whose inputs is mapped and published (IP and honours: none)."""
    return frozenset(s for s in Scope if set(scope_inputs(s)) & inputs)


def _n(row: Mapping[str, Any], key: str) -> float:
    value: Any = row.get(key)
    return 0.0 if missing(value) else float(value)


def _windowed(row: Mapping[str, Any], make) -> dict[str, dict[str, Any]]:
    return {"12": make(row, "12"), "24": make(row, "24")}


def _registration(row: Mapping[str, Any], as_of: date) -> dict[str, Any]:
    established = row.get("established") or ""
    age = (as_of - date.fromisoformat(established)).days / 365.25 if established else None
    indicators = {
        "age_band": bands.age_band(age),
        "enterprise_type": row.get("enterprise_type") or bands.NA,
        "industry_section": row.get("industry_section") or bands.NA,
        "district": row.get("district") or bands.NA,
        "registered_capital_band": bands.capital_band(row.get("capital")),
    }
    public = {
        "name": row.get("name") or "",
        "legal_representative": row.get("legal_representative") or "",
        "established": established,
        "registration_status": row.get("registration_status") or "",
    }
    return {
        "verify": {"registered_active": bool(row.get("registered_active"))},
        "indicators": {"12": indicators, "24": indicators},
        "public": public,
    }


def _tax(row: Mapping[str, Any], _as_of: date) -> dict[str, Any]:
    grade = row.get("tax_grade") if not missing(row.get("tax_grade")) else None

    def make(r, window):
        return {
            "tax_credit_grade": grade or bands.NA,
            "tax_paid_band_12m": bands.money_band(r.get("tax_paid_12")),
            "tax_paid_change_yoy": bands.trend(
                _yoy(r, "tax_paid_12", "tax_paid_prev", "tax_months_prev")
            )
            if window == "24"
            else bands.NA,
            "months_in_arrears": count(r.get(f"tax_arrears_{window}")),
            "late_filings": count(r.get(f"late_filings_{window}")),
        }

    return {
        "verify": {
            "tax_grade_at_least_b": grade in GRADES_AT_LEAST_B,
            "no_tax_arrears_12m": _n(row, "tax_arrears_12") == 0,
        },
        "indicators": _windowed(row, make),
    }


def _yoy(row: Mapping[str, Any], current: str, previous: str, months_previous: str):
    """Year-on-year change, only when the previous 12 months were all observed."""
    if _n(row, months_previous) < 12:
        return None
    return change(row.get(current), row.get(previous))


def _social_insurance(row: Mapping[str, Any], _as_of: date) -> dict[str, Any]:
    trend = bands.trend(change(row.get("si_heads_last"), row.get("si_heads_prev")))

    def make(r, window):
        return {
            "insured_headcount_band": bands.headcount_band(r.get("si_heads_last") or 0),
            "headcount_trend_yoy": trend if window == "24" else bands.NA,
            "months_in_arrears": count(r.get(f"si_arrears_{window}")),
        }

    return {
        "verify": {
            "contributing_now": _n(row, "si_heads_last") > 0,
            "no_contribution_arrears_12m": _n(row, "si_arrears_12") == 0,
        },
        "indicators": _windowed(row, make),
    }


def _housing_fund(row: Mapping[str, Any], _as_of: date) -> dict[str, Any]:
    def make(r, window):
        return {
            "depositor_band": bands.headcount_band(r.get("hf_heads_last") or 0),
            "months_deferred": count(r.get(f"hf_deferred_{window}")),
        }

    return {
        "verify": {"depositing_now": _n(row, "hf_heads_last") > 0},
        "indicators": _windowed(row, make),
    }


def _utilities(row: Mapping[str, Any], _as_of: date) -> dict[str, Any]:
    def make(r, window):
        return {
            "electricity_use_band_12m": bands.kwh_band(r.get("kwh_12")),
            "electricity_use_change_yoy": bands.trend(
                _yoy(r, "kwh_12", "kwh_prev", "util_months_prev")
            )
            if window == "24"
            else bands.NA,
            "on_time_payment_rate": bands.rate_band(r.get(f"util_ontime_{window}")),
            "months_in_arrears": count(r.get(f"util_arrears_{window}")),
        }

    return {
        "verify": {"utilities_paid_on_time_12m": _n(row, "util_arrears_12") == 0},
        "indicators": _windowed(row, make),
    }


def _licences_penalties(row: Mapping[str, Any], _as_of: date) -> dict[str, Any]:
    def make(r, window):
        return {
            "penalties_in_window": count(r.get(f"penalties_{window}")),
            "penalties_under_publicity": count(r.get("penalties_public")),
            "fines_band": bands.money_band(r.get(f"fines_{window}")),
            "abnormal_operation_listed": _n(r, "abnormal_active") > 0,
            "valid_licences": count(r.get("licences_valid")),
        }

    return {
        "verify": {
            "no_abnormal_operation_listing": _n(row, "abnormal_active") == 0,
            "no_penalty_12m": _n(row, "penalties_12") == 0,
        },
        "indicators": _windowed(row, make),
        "public": {
            "penalties_under_publicity": _items(row.get("public_penalties")),
            "valid_licences": _items(row.get("public_licences")),
        },
    }


def _judicial(row: Mapping[str, Any], _as_of: date) -> dict[str, Any]:
    def make(r, window):
        return {
            "cases_as_defendant": count(r.get(f"defendant_{window}")),
            "open_cases_as_defendant": count(r.get("open_cases")),
            "claims_band": bands.money_band(r.get(f"case_amount_{window}")),
            "dishonest_debtor_listed": _n(r, "dishonest_active") > 0,
        }

    return {
        "verify": {
            "no_active_dishonest_debtor_listing": _n(row, "dishonest_active") == 0,
            "no_open_case_as_defendant": _n(row, "open_cases") == 0,
        },
        "indicators": _windowed(row, make),
    }


def _customs(row: Mapping[str, Any], _as_of: date) -> dict[str, Any]:
    def make(r, window):
        return {
            "trade_value_band_12m": bands.money_band(r.get("trade_12")),
            "trade_change_yoy": bands.trend(_yoy(r, "trade_12", "trade_prev", "trade_months_prev"))
            if window == "24"
            else bands.NA,
        }

    return {"verify": {"trading_now": _n(row, "trade_12") > 0}, "indicators": _windowed(row, make)}


def _items(value: Iterable[Any] | None) -> list[dict[str, str]]:
    if value is None:
        return []
    return [dict(item) for item in list(value)[:PUBLIC_ITEMS]]


BUILDERS = {
    Scope.REGISTRATION: _registration,
    Scope.TAX: _tax,
    Scope.SOCIAL_INSURANCE: _social_insurance,
    Scope.HOUSING_FUND: _housing_fund,
    Scope.UTILITIES: _utilities,
    Scope.LICENCES_PENALTIES: _licences_penalties,
    Scope.JUDICIAL: _judicial,
    Scope.CUSTOMS: _customs,
}


def model_inputs(row: Mapping[str, Any], as_of: date) -> dict[str, float | str | None]:
    """The scorecard's inputs: ratios, counts and categories (stored, never output)."""
    established = row.get("established") or ""
    grade = row.get("tax_grade")
    return {
        "tax_grade": "none" if missing(grade) or not grade else str(grade),
        "tax_paid_yoy": _yoy(row, "tax_paid_12", "tax_paid_prev", "tax_months_prev"),
        "tax_arrears_24": _n(row, "tax_arrears_24"),
        "late_filings_24": _n(row, "late_filings_24"),
        "headcount_trend": change(row.get("si_heads_last"), row.get("si_heads_prev")),
        "contribution_arrears_24": _n(row, "si_arrears_24"),
        "utilities_on_time_24": None
        if missing(row.get("util_ontime_24"))
        else float(row["util_ontime_24"]),
        "penalties_24": _n(row, "penalties_24"),
        "cases_as_defendant_24": _n(row, "defendant_24"),
        "open_cases": _n(row, "open_cases"),
        "age_years": (as_of - date.fromisoformat(established)).days / 365.25
        if established
        else None,
        "abnormal_active": _n(row, "abnormal_active"),
        "dishonest_active": _n(row, "dishonest_active"),
    }


def derive(row: Mapping[str, Any], as_of: date, held: frozenset[Scope]) -> dict[str, Any]:
    """Everything stored for one enterprise: scopes held, model inputs, its own repair items."""
    scopes = {s.value: BUILDERS[s](row, as_of) for s in Scope if s in held and s in BUILDERS}
    return {
        "scopes": scopes,
        "model": model_inputs(row, as_of),
        "enterprise": {"repairable_penalties": _items(row.get("repairable_penalties"))},
    }


def derive_all(
    aggregates: pd.DataFrame, as_of: date, held: frozenset[Scope]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(credit code, features) for every enterprise in ``aggregates``."""
    columns = list(aggregates.columns)
    cleaned = aggregates.astype(object).where(aggregates.notna(), None)
    for code, *values in cleaned.itertuples(name=None):
        yield str(code), derive(dict(zip(columns, values, strict=True)), as_of, held)
