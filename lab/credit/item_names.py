"""What people read for a profile's items: every scope, check, indicator, public item, reason
code and band value named in Chinese and English, with the unit of each indicator.

The one place the enterprise's pages, the steward's pages and the dispute form take their
labels from; the keys are the profile's own (``tax.months_in_arrears``, ``score``), so a key
the profile gains without a name here fails ``tests/unit/lab/credit/test_item_names.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lab.credit.bands import NA
from lab.credit.disputes import disputable_items
from lab.credit.profiles import SCORE_ITEM
from lab.credit.scorecard import REASONS, VETOES
from lab.credit.vocabulary import (
    LEVEL_LABELS,
    PURPOSE_LABELS,
    SCOPE_LABELS,
    STATE_LABELS,
    Level,
    Scope,
)

Pair = tuple[str, str]
"""A (中文, English) pair."""


@dataclass(frozen=True)
class ItemName:
    """One item's name and, for a count or an amount, its unit — each a (中文, English) pair."""

    name: Pair
    unit: Pair = ("", "")

    def __post_init__(self) -> None:
        if not all(self.name):
            raise ValueError("an item needs a Chinese and an English name")


YUAN, KWH, PEOPLE = ("元", "yuan"), ("千瓦时", "kWh"), ("人", "people")
MONTHS, TIMES, CASES = ("个月", "months"), ("次", "times"), ("件", "cases")

SCOPE_NAMES: dict[str, Pair] = {
    Scope.REGISTRATION: (SCOPE_LABELS[Scope.REGISTRATION], "Registration"),
    Scope.TAX: (SCOPE_LABELS[Scope.TAX], "Tax credit grade and tax paid"),
    Scope.SOCIAL_INSURANCE: (SCOPE_LABELS[Scope.SOCIAL_INSURANCE], "Social insurance"),
    Scope.HOUSING_FUND: (SCOPE_LABELS[Scope.HOUSING_FUND], "Housing provident fund"),
    Scope.UTILITIES: (SCOPE_LABELS[Scope.UTILITIES], "Water and electricity bills"),
    Scope.LICENCES_PENALTIES: (
        SCOPE_LABELS[Scope.LICENCES_PENALTIES],
        "Licences and administrative penalties",
    ),
    Scope.JUDICIAL: (SCOPE_LABELS[Scope.JUDICIAL], "Court records"),
    Scope.CUSTOMS: (SCOPE_LABELS[Scope.CUSTOMS], "Customs (imports and exports)"),
    Scope.IP: (SCOPE_LABELS[Scope.IP], "Intellectual property"),
    Scope.HONOURS: (SCOPE_LABELS[Scope.HONOURS], "Honours and awards"),
}

ITEM_NAMES: dict[str, ItemName] = {
    SCORE_ITEM: ItemName(("信用评分", "Credit score")),
    "registration.registered_active": ItemName(("登记状态为存续", "Registered and active")),
    "registration.age_band": ItemName(("成立年限", "Years in business")),
    "registration.enterprise_type": ItemName(("企业类型", "Enterprise type")),
    "registration.industry_section": ItemName(("行业门类", "Industry section")),
    "registration.district": ItemName(("所属区", "District")),
    "registration.registered_capital_band": ItemName(("注册资本", "Registered capital"), YUAN),
    "registration.name": ItemName(("企业名称", "Enterprise name")),
    "registration.legal_representative": ItemName(("法定代表人", "Legal representative")),
    "registration.established": ItemName(("成立日期", "Date established")),
    "registration.registration_status": ItemName(("登记状态", "Registration status")),
    "tax.tax_grade_at_least_b": ItemName(("纳税信用等级为 A 或 B", "Tax credit grade A or B")),
    "tax.no_tax_arrears_12m": ItemName(("近 12 个月无欠税", "No tax arrears in 12 months")),
    "tax.tax_credit_grade": ItemName(("纳税信用等级", "Tax credit grade")),
    "tax.tax_paid_band_12m": ItemName(("近 12 个月纳税额", "Tax paid, last 12 months"), YUAN),
    "tax.tax_paid_change_yoy": ItemName(("纳税额同比变化", "Tax paid, change on a year")),
    "tax.months_in_arrears": ItemName(("欠税月数", "Months in tax arrears"), MONTHS),
    "tax.late_filings": ItemName(("逾期申报次数", "Late tax filings"), TIMES),
    "social_insurance.contributing_now": ItemName(("正在缴纳社保", "Contributing now")),
    "social_insurance.no_contribution_arrears_12m": ItemName(
        ("近 12 个月无社保欠缴", "No contribution arrears in 12 months")
    ),
    "social_insurance.insured_headcount_band": ItemName(("参保人数", "Insured staff"), PEOPLE),
    "social_insurance.headcount_trend_yoy": ItemName(
        ("参保人数同比变化", "Insured staff, change on a year")
    ),
    "social_insurance.months_in_arrears": ItemName(
        ("社保欠缴月数", "Months in contribution arrears"), MONTHS
    ),
    "housing_fund.depositing_now": ItemName(("正在缴存公积金", "Depositing now")),
    "housing_fund.depositor_band": ItemName(("公积金缴存人数", "Staff with deposits"), PEOPLE),
    "housing_fund.months_deferred": ItemName(("缓缴月数", "Months deferred"), MONTHS),
    "utilities.utilities_paid_on_time_12m": ItemName(
        ("近 12 个月水电按时缴费", "Bills paid on time for 12 months")
    ),
    "utilities.electricity_use_band_12m": ItemName(
        ("近 12 个月用电量", "Electricity used, last 12 months"), KWH
    ),
    "utilities.electricity_use_change_yoy": ItemName(
        ("用电量同比变化", "Electricity used, change on a year")
    ),
    "utilities.on_time_payment_rate": ItemName(("按时缴费率", "Share of bills paid on time")),
    "utilities.months_in_arrears": ItemName(("水电欠费月数", "Months with unpaid bills"), MONTHS),
    "licences_penalties.no_abnormal_operation_listing": ItemName(
        ("未列入经营异常名录", "Not on the abnormal-operation list")
    ),
    "licences_penalties.no_penalty_12m": ItemName(
        ("近 12 个月无行政处罚", "No penalty in 12 months")
    ),
    "licences_penalties.penalties_in_window": ItemName(
        ("窗口期内行政处罚", "Penalties in the window"), TIMES
    ),
    "licences_penalties.penalties_under_publicity": ItemName(
        ("公示期内的行政处罚", "Penalties under publicity"), TIMES
    ),
    "licences_penalties.fines_band": ItemName(("罚款金额", "Fines"), YUAN),
    "licences_penalties.abnormal_operation_listed": ItemName(
        ("列入经营异常名录", "On the abnormal-operation list")
    ),
    "licences_penalties.valid_licences": ItemName(("有效行政许可", "Valid licences"), ("项", "")),
    "judicial.no_active_dishonest_debtor_listing": ItemName(
        ("未列入失信被执行人名单", "Not listed as a dishonest debtor")
    ),
    "judicial.no_open_case_as_defendant": ItemName(("无未结被告案件", "No open case as defendant")),
    "judicial.cases_as_defendant": ItemName(("作为被告的案件", "Cases as defendant"), CASES),
    "judicial.open_cases_as_defendant": ItemName(
        ("未结被告案件", "Open cases as defendant"), CASES
    ),
    "judicial.claims_band": ItemName(("涉案金额", "Amounts claimed"), YUAN),
    "judicial.dishonest_debtor_listed": ItemName(
        ("列入失信被执行人名单", "Listed as a dishonest debtor")
    ),
    "customs.trading_now": ItemName(("近 12 个月有进出口", "Trading in the last 12 months")),
    "customs.trade_value_band_12m": ItemName(
        ("近 12 个月进出口额", "Trade value, last 12 months"), YUAN
    ),
    "customs.trade_change_yoy": ItemName(("进出口额同比变化", "Trade value, change on a year")),
}
"""Each check, indicator and public item by its profile key (``scope.name``), and the score."""

REASON_NAMES: dict[str, Pair] = {
    "R01": (REASONS["tax_grade"][1], "Low tax credit grade"),
    "R02": (REASONS["tax_paid_yoy"][1], "Tax paid fell on a year"),
    "R03": (REASONS["tax_arrears_24"][1], "Months in tax arrears"),
    "R04": (REASONS["late_filings_24"][1], "Late tax filings"),
    "R05": (REASONS["headcount_trend"][1], "Insured staff fell"),
    "R06": (REASONS["contribution_arrears_24"][1], "Social insurance arrears"),
    "R07": (REASONS["utilities_on_time_24"][1], "Bills often paid late"),
    "R08": (REASONS["penalties_24"][1], "Recent administrative penalties"),
    "R09": (REASONS["cases_as_defendant_24"][1], "Recent cases as defendant"),
    "R10": (REASONS["open_cases"][1], "Open court cases"),
    "R11": (REASONS["age_years"][1], "Few years in business"),
    "V01": (VETOES[0][2], "Listed as a dishonest debtor (not removed)"),
    "V02": (VETOES[1][2], "On the abnormal-operation list (not removed)"),
}
"""The scorecard's reason and veto codes; the Chinese is the scorecard's own text."""

TREND_NAMES: dict[str, Pair] = {
    NA: ("无数据", "no data"),
    "down>20%": ("下降超过 20%", "down more than 20%"),
    "down5-20%": ("下降 5%–20%", "down 5–20%"),
    "flat": ("基本持平（±5% 以内）", "flat (within 5%)"),
    "up5-20%": ("上升 5%–20%", "up 5–20%"),
    "up>20%": ("上升超过 20%", "up more than 20%"),
    ">=95%": ("95% 及以上", "95% or more"),
    "80-95%": ("80%–95%", "80–95%"),
    "<80%": ("低于 80%", "below 80%"),
}
"""Band values that are words (trends, rates, no data) rather than amounts."""

_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)([km])")
_SCALE = {"k": 1_000, "m": 1_000_000}
_YEARS = re.compile(r"^(<|>=)?(\d+(?:-\d+)?)y$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


def item_name(key: str, lang: str) -> str:
    """The name of a profile item (or a whole scope) in ``lang``; the key itself if unnamed."""
    if key in SCOPE_NAMES:
        return _pick(SCOPE_NAMES[key], lang)
    named = ITEM_NAMES.get(key)
    return _pick(named.name, lang) if named else key


def item_unit(key: str, lang: str) -> str:
    """The unit of an item's value in ``lang`` ("" for checks, grades and trends)."""
    named = ITEM_NAMES.get(key)
    return _pick(named.unit, lang) if named else ""


def reason_name(code: str, lang: str) -> str:
    """A reason or veto code's text in ``lang``."""
    return _pick(REASON_NAMES.get(code, (code, code)), lang)


def value_text(value: object, lang: str) -> str:
    """A profile value as a reader of ``lang`` reads it: yes/no, a trend in words, an amount
    band in 万 (Chinese) or k/m (English), a years band; other text (a grade, a count, a
    date) unchanged."""
    if isinstance(value, bool):
        return _pick(("是", "yes"), lang) if value else _pick(("否", "no"), lang)
    text = str(value)
    if _DATE.match(text):
        return text
    if text in TREND_NAMES:
        return _pick(TREND_NAMES[text], lang)
    years = _YEARS.match(text)
    if years:
        return _years(years.group(1) or "", years.group(2), lang)
    if lang == "zh":
        text = _AMOUNT.sub(lambda m: _wan(float(m.group(1)) * _SCALE[m.group(2)]), text)
    return text.replace(">=", "≥").replace("-", "–")


def _years(sign: str, span: str, lang: str) -> str:
    """A years band ("<1y", "1-3y", ">=10y") in words."""
    span = span.replace("-", "–")
    if sign == "<":
        return _pick((f"不足 {span} 年", f"under {span} year{'s' * (span != '1')}"), lang)
    if sign == ">=":
        return _pick((f"{span} 年及以上", f"{span} years or more"), lang)
    return _pick((f"{span} 年", f"{span} years"), lang)


def _wan(amount: float) -> str:
    """An amount written in 万 (ten thousands), as Chinese readers count money."""
    return f"{amount / 10_000:g}万"


LEVEL_NAMES_EN = {
    Level.VERIFY: "verify (yes/no checks)",
    Level.INDICATORS: "indicators (bands and trends)",
    Level.SCORE: "score, grade and reasons",
    Level.REPORT: "report (with public items)",
}


def term_labels(lang: str) -> dict[str, dict[str, str]]:
    """The consent vocabulary's labels in ``lang``: purposes, levels, scopes and states."""
    tables: dict[str, dict[str, str]] = {
        "purpose": {k.value: v for k, v in PURPOSE_LABELS.items()},
        "level": {k.value: v for k, v in LEVEL_LABELS.items()},
        "scope": {k.value: v for k, v in SCOPE_LABELS.items()},
        "state": {k.value: v for k, v in STATE_LABELS.items()},
    }
    if lang == "zh":
        return tables
    return {
        "purpose": {k.value: k.value.replace("_", " ") for k in PURPOSE_LABELS},
        "level": {k.value: v for k, v in LEVEL_NAMES_EN.items()},
        "scope": {k: v[1] for k, v in SCOPE_NAMES.items()},
        "state": {k.value: k.value.replace("_", " ") for k in STATE_LABELS},
    }


@dataclass(frozen=True)
class DisputeGroup:
    """The disputable items of one scope (or the score), for one ``<optgroup>``."""

    name: str
    items: tuple[tuple[str, str], ...]
    """(key, name) pairs, the scope as a whole first."""


def disputable_groups(lang: str) -> list[DisputeGroup]:
    """Every disputable item, named in ``lang`` and grouped by scope; the score first."""
    groups: dict[str, list[str]] = {}
    for key in disputable_items():
        groups.setdefault(key.split(".", 1)[0], []).append(key)
    order = [SCORE_ITEM, *(s.value for s in Scope)]
    return [
        DisputeGroup(
            item_name(scope, lang),
            tuple(
                (key, _whole(key, lang) if key == scope else item_name(key, lang)) for key in keys
            ),
        )
        for scope, keys in sorted(groups.items(), key=lambda group: order.index(group[0]))
    ]


def _whole(scope: str, lang: str) -> str:
    """A scope as one disputable item (the score is an item of its own)."""
    if scope == SCORE_ITEM:
        return item_name(scope, lang)
    return item_name(scope, lang) + _pick(("（整个范围）", " (the whole scope)"), lang)


def _pick(pair: Pair, lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]
