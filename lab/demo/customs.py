"""T3 monthly customs declarations (exports and imports) of the firms that trade abroad.

Exporters are manufacturers, wholesalers and forwarders; a fixed share of their sales goes
abroad, some months ship nothing, and part of them also import inputs.
"""

from __future__ import annotations

import numpy as np

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

TRADE_MODES = ("一般贸易", "进料加工贸易", "来料加工装配贸易")
BOUNDS = {"出口额（元）": (0, 100_000_000), "进口额（元）": (0, 100_000_000)}


def build_customs_monthly(rng: np.random.Generator, panel: Panel) -> DemoTable:
    """Export and import values per exporting firm and active month."""
    size, shape = len(panel.firms), panel.sales.shape
    export_share = rng.uniform(0.2, 0.9, size=size)
    import_share = np.where(rng.random(size) < 0.6, rng.uniform(0.05, 0.4, size=size), 0.0)
    shipped = rng.random(shape) > 0.2
    exports = money(panel.sales * export_share[:, None] * shipped)
    imports = money(panel.sales * import_share[:, None] * rng.lognormal(0.0, 0.3, size=shape))
    mode = rng.choice(len(TRADE_MODES), size=size, p=[0.7, 0.2, 0.1])
    rows, months = cells(panel.active & panel.firms.exporter[:, None])
    frame = monthly_frame(
        key_columns(panel.firms, rows, months),
        {
            "主要贸易方式": labels(TRADE_MODES, mode[rows]),
            "出口额（元）": exports[rows, months],
            "进口额（元）": imports[rows, months],
        },
    )
    return demo_table(
        frame,
        identifier_columns=("统一社会信用代码",),
        dp=monthly_hints(BOUNDS),
        id="customs-monthly",
        title="企业月度进出口申报信息",
        title_en="Monthly customs declarations per trading enterprise",
        description="有进出口经营记录的企业每月出口额、进口额（元，整数）及主要贸易方式。",
        department="中华人民共和国青岛海关",
        topic="经贸工商",
        tags=("海关", "进出口", "月度", "企业"),
        update_frequency="monthly",
        intended_tier="T3",
    )
