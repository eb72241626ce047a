"""T3 monthly electricity and water use and bill payment per enterprise.

Use scales with headcount and the trade's intensity (factories draw far more power than offices),
peaks in summer and winter, and dips when the firm's health does; weak firms pay late more often.
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
)
from lab.demo.timeline import MONTH_OF_YEAR

KWH_PER_EMPLOYEE = {"A": 400, "C": 1_500, "D": 3_000, "H": 600, "G": 350}
DEFAULT_KWH = 250
TONNES_PER_EMPLOYEE = {"A": 12, "C": 8, "H": 10}
DEFAULT_TONNES = 3
ELECTRICITY_PRICE = 0.72
WATER_PRICE = 4.4
"""Approximate non-residential tariffs in 元 per kWh and per tonne."""
SEASON = np.asarray([1.15, 1.1, 1.0, 0.95, 0.95, 1.05, 1.25, 1.25, 1.05, 0.95, 1.0, 1.1])
"""Month-of-year factor on electricity (heating in winter, cooling in summer)."""
BOUNDS = {
    "用电量（千瓦时）": (0, 5_000_000),
    "电费（元）": (0, 4_000_000),
    "用水量（吨）": (0, 200_000),
    "水费（元）": (0, 1_000_000),
    "欠费金额（元）": (0, 5_000_000),
}


def _intensity(panel: Panel, table: dict[str, int], default: int) -> np.ndarray:
    """Per-employee monthly use of each firm's trade."""
    sections = panel.firms.register["行业门类"].to_numpy()
    return np.asarray([table.get(s, default) for s in sections], dtype=float)


def _usage(
    rng: np.random.Generator, panel: Panel, per_head: np.ndarray, season: np.ndarray
) -> np.ndarray:
    """Monthly use: intensity × headcount^0.9 × health × season × noise, whole units."""
    firms = panel.firms
    level = per_head * firms.employees**0.9
    noise = rng.lognormal(0.0, 0.15, size=panel.sales.shape)
    return money(level[:, None] * np.exp(0.25 * firms.health_path) * season[None, :] * noise)


def build_utilities_monthly(rng: np.random.Generator, panel: Panel) -> DemoTable:
    """Electricity and water use, bills, on-time payment and arrears per firm and month."""
    health = panel.firms.health_path
    power_use = _intensity(panel, KWH_PER_EMPLOYEE, DEFAULT_KWH)
    water_use = _intensity(panel, TONNES_PER_EMPLOYEE, DEFAULT_TONNES)
    kwh = _usage(rng, panel, power_use, SEASON[MONTH_OF_YEAR - 1])
    water = _usage(rng, panel, water_use, np.ones(len(MONTH_OF_YEAR)))
    electricity_bill, water_bill = money(kwh * ELECTRICITY_PRICE), money(water * WATER_PRICE)
    on_time = rng.random(health.shape) < sigmoid(2.5 + 1.8 * health)
    unpaid_share = np.where(on_time, 0.0, rng.uniform(0.2, 1.0, size=health.shape))
    arrears = money(unpaid_share * (electricity_bill + water_bill))
    rows, months = cells(panel.active)
    frame = monthly_frame(
        key_columns(panel.firms, rows, months),
        {
            "用电量（千瓦时）": kwh[rows, months],
            "电费（元）": electricity_bill[rows, months],
            "用水量（吨）": water[rows, months],
            "水费（元）": water_bill[rows, months],
            "是否按时缴费": labels(("否", "是"), on_time[rows, months]),
            "欠费金额（元）": arrears[rows, months],
        },
    )
    return demo_table(
        frame,
        file_format="parquet",
        encoding=None,
        identifier_columns=("统一社会信用代码",),
        dp=monthly_hints(BOUNDS),
        id="utilities-monthly",
        title="企业月度水电使用及缴费信息",
        title_en="Monthly electricity and water use and payment per enterprise",
        description="每户企业每月用电量（千瓦时）、电费、用水量（吨）、水费、"
        "是否按时缴费及欠费金额（元，整数）。",
        department="国网青岛供电公司、青岛水务集团",
        topic="能源环境",
        tags=("用电", "用水", "缴费", "月度", "企业"),
        update_frequency="monthly",
        intended_tier="T3",
    )
