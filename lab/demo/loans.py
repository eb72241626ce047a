"""T4 loan outcomes: the labels a credit scorecard learns from.

About a third of companies (fewer individual businesses) took one loan, disbursed in one of six
monthly vintages (June to November 2025): late enough that 7–12 months of the firm's history come
before it (the scorecard's point-in-time features), early enough that its 12-month outcome is
observed by the as-of date. A loan defaults when it is 90 or more days past due within 12 months
of disbursement; the chance rises steeply as the firm's health over those 12 months falls.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from lab.demo.credit import UNIT, credit_about, credit_hints
from lab.demo.firms import Firms, sigmoid
from lab.demo.manifest import DemoTable, demo_table
from lab.demo.names import pick
from lab.demo.timeline import MONTHS, days_until, iso

LENDERS = (
    "青岛银行",
    "青岛农商银行",
    "中国工商银行青岛市分行",
    "中国建设银行青岛市分行",
    "中国农业银行青岛市分行",
    "中国银行青岛市分行",
    "交通银行青岛分行",
    "招商银行青岛分行",
)
PRODUCTS = ("流动资金贷款", "银税互动信用贷", "抵押经营贷", "科技型企业信用贷")
GUARANTEES = ("信用", "保证", "抵押", "质押")
TERMS = np.asarray([6, 12, 24, 36])
FIRST_DAY, LAST_DAY = date(2025, 6, 1), date(2025, 11, 30)
"""The vintages: each loan's 12 months after disbursement end by the as-of date."""
OUTCOME_MONTHS = 12
BOUNDS = {"贷款金额（元）": (0, 50_000_000), "贷款期限（月）": (1, 60), "最长逾期天数": (0, 365)}


def default_probability(health: np.ndarray) -> np.ndarray:
    """Chance of a 90+ day delinquency within 12 months, given health over those months."""
    return sigmoid(-3.3 - 1.3 * health)


def _health_after(firms: Firms, rows: np.ndarray, disbursed: np.ndarray) -> np.ndarray:
    """Each borrower's mean health over the 12 data months from its disbursement month."""
    first = np.datetime64(MONTHS[0], "M")
    start = (disbursed.astype("datetime64[M]") - first).astype(int)
    months = start[:, None] + np.arange(OUTCOME_MONTHS)[None, :]
    return firms.health_path[rows[:, None], np.minimum(months, len(MONTHS) - 1)].mean(axis=1)


def _borrowers(rng: np.random.Generator, firms: Firms) -> np.ndarray:
    """Rows of the firms that borrowed, founded at least 90 days before their loan window ends."""
    chance = np.where(firms.individual, 0.15, 0.35) * 2 * sigmoid(0.4 * firms.health)
    old_enough = firms.established + 90 <= np.datetime64(LAST_DAY)
    return np.flatnonzero((rng.random(len(firms)) < chance) & old_enough)


def build_loan_outcomes(rng: np.random.Generator, firms: Firms) -> DemoTable:
    """One loan per borrowing firm with its amount, terms and 12-month default label."""
    rows = _borrowers(rng, firms)
    size = len(rows)
    start = np.maximum(firms.established[rows] + 90, np.datetime64(FIRST_DAY))
    disbursed = days_until(rng, start, LAST_DAY)
    defaulted = rng.random(size) < default_probability(_health_after(firms, rows, disbursed))
    late_days = np.where(defaulted, rng.integers(90, 366, size), rng.integers(0, 30, size))
    late_days = np.where(~defaulted & (rng.random(size) < 0.8), 0, late_days)
    amount = np.round(firms.employees[rows] * rng.lognormal(np.log(60_000), 0.6, size), -4)
    frame = pd.DataFrame(
        {
            "贷款编号": [f"DK{i:08d}" for i in rng.choice(10**8, size=size, replace=False)],
            UNIT: firms.register[UNIT].array.take(rows),
            "所属区": firms.register["所属区"].array.take(rows),
            "行业门类": firms.register["行业门类"].array.take(rows),
            "贷款机构": pick(rng, LENDERS, size),
            "贷款产品": pick(rng, PRODUCTS, size),
            "担保方式": pick(rng, GUARANTEES, size),
            "放款日期": iso(disbursed),
            "贷款金额（元）": np.maximum(amount, 10_000).astype(np.int64),
            "贷款期限（月）": TERMS[rng.integers(0, len(TERMS), size)],
            "最长逾期天数": late_days.astype(np.int64),
            "是否违约": defaulted.astype(np.int64),
        }
    )
    hints = credit_hints(
        1,
        BOUNDS | {"是否违约": (0, 1)},
        {"所属区": "qingdao_district_name", "行业门类": "gb4754_section"},
    )
    about = credit_about(
        "credit-loan-outcomes",
        "企业贷款履约结果",
        "Enterprise loan outcomes (scorecard labels)",
        "2025年6月至11月发放的企业贷款及放款后12个月内的履约结果；是否违约=1 表示逾期90天以上。",
        ("贷款", "违约", "评分卡"),
        department="中国人民银行青岛市分行（地方征信平台）",
    )
    return demo_table(frame, identifier_columns=("贷款编号", UNIT), dp=hints, **about)
