"""T3 monthly social insurance and housing fund contributions per enterprise.

Only firms that registered with the social insurance or housing fund centre have rows; healthy
firms register more often, insure more of their staff, pay in full and rarely defer. Contribution
bases per head follow the trade's wage level, clamped to an approximate city floor and ceiling.
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

MONTHLY_WAGE = {"A": 4_500, "C": 7_000, "E": 7_500, "H": 5_000, "I": 12_000, "K": 9_000, "M": 9_000}
DEFAULT_WAGE = 6_500
BASE_FLOOR, BASE_CEILING = 4_400, 22_000
"""Approximate per-head contribution base limits, in 元 a month."""
SOCIAL_INSURANCE_RATE = 0.363
"""Employer plus employee share of pension, medical, unemployment and injury insurance."""
HOUSING_FUND_RATES = np.asarray([5, 7, 10, 12])
"""Contribution rates in percent allowed to employers; the employee pays the same again."""


def _headcount(panel: Panel, coverage: np.ndarray) -> np.ndarray:
    """Insured staff per firm-month: staff move with health, a share of them is insured."""
    firms = panel.firms
    staff = firms.employees[:, None] * np.exp(0.15 * (firms.health_path - firms.health[:, None]))
    return np.maximum(np.round(staff * coverage[:, None]), 1).astype(np.int64)


def _base_per_head(rng: np.random.Generator, panel: Panel) -> np.ndarray:
    """Contribution base per insured head, by trade and health, within the city limits."""
    sections = panel.firms.register["行业门类"].to_numpy()
    wage = np.asarray([MONTHLY_WAGE.get(s, DEFAULT_WAGE) for s in sections], float)
    wage = wage * rng.lognormal(0.0, 0.2, size=len(wage))
    return np.clip(wage[:, None] * np.exp(0.1 * panel.firms.health_path), BASE_FLOOR, BASE_CEILING)


def _enrolled(rng: np.random.Generator, panel: Panel, company: float, shop: float) -> np.ndarray:
    """Which firms contribute at all: companies by health, individual businesses rarely."""
    firms = panel.firms
    chance = np.where(firms.individual, shop, sigmoid(company + 0.9 * firms.health))
    return rng.random(len(firms)) < chance


def build_social_insurance_monthly(rng: np.random.Generator, panel: Panel) -> DemoTable:
    """Insured headcount, contribution base and payments per registered firm and month."""
    coverage = rng.uniform(0.6, 1.0, size=len(panel.firms))
    heads = _headcount(panel, coverage)
    base_total = money(heads * _base_per_head(rng, panel))
    due = money(base_total * SOCIAL_INSURANCE_RATE)
    paid, owed = paid_amounts(rng, due, panel.firms.health_path, base=2.5, slope=1.5)
    rows, months = cells(panel.active & _enrolled(rng, panel, 1.5, 0.15)[:, None])
    frame = monthly_frame(
        key_columns(panel.firms, rows, months),
        {
            "参保人数": heads[rows, months],
            "缴费基数合计（元）": base_total[rows, months],
            "应缴金额（元）": due[rows, months],
            "实缴金额（元）": paid[rows, months],
            "欠缴金额（元）": owed[rows, months],
        },
    )
    bounds = {"参保人数": (0, 5_000), "缴费基数合计（元）": (0, 50_000_000)}
    bounds |= {c: (0, 20_000_000) for c in ("应缴金额（元）", "实缴金额（元）", "欠缴金额（元）")}
    return demo_table(
        frame,
        file_format="parquet",
        encoding=None,
        identifier_columns=("统一社会信用代码",),
        dp=monthly_hints(bounds),
        id="social-insurance-monthly",
        title="企业月度社会保险缴费信息",
        title_en="Monthly social insurance contributions per enterprise",
        description="已登记参保企业每月的参保人数、缴费基数合计、应缴、实缴与欠缴金额（元，整数）。",
        department="青岛市人力资源和社会保障局",
        topic="社保就业",
        tags=("社会保险", "参保人数", "月度", "企业"),
        update_frequency="monthly",
        intended_tier="T3",
    )


def build_housing_fund_monthly(rng: np.random.Generator, panel: Panel) -> DemoTable:
    """Housing fund depositors and deposits per registered firm and month, with deferrals."""
    health = panel.firms.health_path
    heads = _headcount(panel, rng.uniform(0.5, 1.0, size=len(panel.firms)))
    rate = HOUSING_FUND_RATES[rng.integers(0, len(HOUSING_FUND_RATES), size=len(panel.firms))]
    deferred = (health < -1.6) & (rng.random(health.shape) < 0.5)
    deposit = money(heads * _base_per_head(rng, panel) * (2 * rate[:, None] / 100))
    deposit[deferred] = 0
    rows, months = cells(panel.active & _enrolled(rng, panel, 0.2, 0.03)[:, None])
    frame = monthly_frame(
        key_columns(panel.firms, rows, months),
        {
            "缴存人数": heads[rows, months],
            "缴存比例（%）": rate[rows],
            "月缴存额（元）": deposit[rows, months],
            "是否缓缴": labels(("否", "是"), deferred[rows, months]),
        },
    )
    bounds = {"缴存人数": (0, 5_000), "缴存比例（%）": (5, 12), "月缴存额（元）": (0, 10_000_000)}
    return demo_table(
        frame,
        identifier_columns=("统一社会信用代码",),
        dp=monthly_hints(bounds),
        id="housing-fund-monthly",
        title="企业月度住房公积金缴存信息",
        title_en="Monthly housing fund deposits per enterprise",
        description="已开户单位每月的缴存人数、单位缴存比例、月缴存额（元，整数）与缓缴标记。",
        department="青岛市住房公积金管理中心",
        topic="城建住房",
        tags=("住房公积金", "缴存", "月度", "企业"),
        update_frequency="monthly",
        intended_tier="T3",
    )
