"""T3 monthly tax filings per enterprise: sales, VAT, quarterly income tax, withholding, arrears.

Rules are simplified from the real ones: general VAT payers (annual sales over 5 million 元) owe
13% on an assumed 25% value added; small-scale payers owe 1% above 100,000 元 a month; income tax
is prepaid in the first month of each quarter on the last quarter's profit; individual businesses
owe no enterprise income tax. Weak firms file late and leave arrears more often.
"""

from __future__ import annotations

import numpy as np

from lab.demo.firms import sigmoid
from lab.demo.manifest import DemoTable, demo_table
from lab.demo.monthly import (
    Panel,
    cells,
    key_columns,
    labels,
    money,
    monthly_frame,
    monthly_hints,
    paid_amounts,
)
from lab.demo.timeline import MONTH_OF_YEAR

GENERAL_TAXPAYER_SALES = 5_000_000
SMALL_SCALE_EXEMPT_SALES = 100_000
SURCHARGE_RATE = 0.12
"""City maintenance and education surcharges, as a share of VAT."""
SALES_BOUND = 5_000_000
"""The steward's clamping bound on monthly sales: 60 million 元 a year, above the highest revenue
line of China's small-enterprise size class (wholesale, 50 million a year), so it covers the
small and micro firms the demo's projects benchmark. A DP sum's or mean's noise grows with 24 (a
firm's months) times the bound, so the earlier 50,000,000 made a district's mean sales wider than
the mean itself. The price is clamping bias, measured on the demo at scale 10,000 (seed
20261122): 2.1% of firm-months sell more and count as 5,000,000, which takes 19% off the city's
summed sales — a DP mean of sales is the mean of sales capped at 5,000,000, below the true mean
most where large firms sit.

The tax bounds stay wide: tax due is so skewed (median 1,925 元, 99th percentile 481,320, largest
11,958,909 a month) that no bound clamping few firm-months makes a sum of it by industry
informative at ε ≤ 1, so the example notebooks count firm-months on these columns instead (a
count moves by at most 24, whatever the amounts)."""
BOUNDS = {
    "销售额（元）": (0, SALES_BOUND),
    "增值税（元）": (0, 2_000_000),
    "企业所得税（元）": (0, 5_000_000),
    "代扣代缴个人所得税（元）": (0, 500_000),
    "应纳税额（元）": (0, 5_000_000),
    "实缴税额（元）": (0, 5_000_000),
    "欠税金额（元）": (0, 5_000_000),
}


def _value_added_tax(
    rng: np.random.Generator, sales: np.ndarray, general: np.ndarray
) -> np.ndarray:
    """VAT per firm-month: 13% of value added for general payers, 1% for small-scale ones."""
    value_added = sales * rng.uniform(0.15, 0.35, size=sales.shape)
    small_scale = np.where(sales > SMALL_SCALE_EXEMPT_SALES, 0.01 * sales, 0.0)
    return money(np.where(general[:, None], 0.13 * value_added, small_scale))


def _income_tax(panel: Panel) -> np.ndarray:
    """Quarterly prepayment in January, April, July and October on the last quarter's profit."""
    sales, health = panel.sales, panel.firms.health_path
    tax = np.zeros_like(sales)
    for month in np.flatnonzero(np.isin(MONTH_OF_YEAR, (1, 4, 7, 10))):
        known = sales[:, max(0, month - 3) : month]
        quarter_sales = known.sum(axis=1) * 3 / max(known.shape[1], 1)
        profit = quarter_sales * np.maximum(0.03 + 0.04 * health[:, month], 0.0)
        rate = np.where(profit * 4 < 3_000_000, 0.05, 0.25)
        tax[:, month] = profit * rate
    tax[panel.firms.individual] = 0
    return money(tax)


def _withholding(rng: np.random.Generator, panel: Panel) -> np.ndarray:
    """Individual income tax withheld on wages: most staff earn below the threshold."""
    per_head = rng.uniform(30, 300, size=len(panel.firms))
    amount = (panel.firms.employees * per_head)[:, None] * np.exp(0.2 * panel.firms.health_path)
    return money(amount)


def build_tax_monthly(rng: np.random.Generator, panel: Panel) -> DemoTable:
    """The monthly tax table, one row per firm and active month."""
    health = panel.firms.health_path
    active_count = np.maximum(panel.active.sum(axis=1), 1)
    general = panel.sales.sum(axis=1) * 12 / active_count > GENERAL_TAXPAYER_SALES
    vat = _value_added_tax(rng, panel.sales, general)
    income_tax, withholding = _income_tax(panel), _withholding(rng, panel)
    due = money(vat * (1 + SURCHARGE_RATE)) + income_tax + withholding
    paid, owed = paid_amounts(rng, due, health, base=2.8, slope=1.6)
    on_time = rng.random(due.shape) < sigmoid(3.0 + 1.5 * health)
    rows, months = cells(panel.active)
    frame = monthly_frame(
        key_columns(panel.firms, rows, months),
        {
            "纳税人类型": labels(("小规模纳税人", "一般纳税人"), general[rows]),
            "申报状态": labels(("逾期申报", "按期申报"), on_time[rows, months]),
            "销售额（元）": money(panel.sales)[rows, months],
            "增值税（元）": vat[rows, months],
            "企业所得税（元）": income_tax[rows, months],
            "代扣代缴个人所得税（元）": withholding[rows, months],
            "应纳税额（元）": due[rows, months],
            "实缴税额（元）": paid[rows, months],
            "欠税金额（元）": owed[rows, months],
        },
    )
    return demo_table(
        frame,
        file_format="parquet",
        encoding=None,
        identifier_columns=("统一社会信用代码",),
        dp=monthly_hints(BOUNDS),
        id="tax-monthly",
        title="企业月度纳税信息",
        title_en="Monthly tax filings per enterprise",
        description="每户企业每月申报的销售额、增值税、企业所得税预缴、代扣代缴个人所得税、"
        "应纳与实缴税额及欠税（元，整数）。仅可在沙箱内做差分隐私聚合查询。",
        department="国家税务总局青岛市税务局",
        topic="财税金融",
        tags=("纳税", "增值税", "企业所得税", "月度", "企业"),
        update_frequency="monthly",
        intended_tier="T3",
    )
