"""A portal test app: a lab with one open table, one conditional and one restricted dataset."""

from __future__ import annotations

from pathlib import Path

from classification import Tier
from lab.services import LabServices
from tests.unit.opendata.seed import CANARY, add_dataset, publish_table, write_csv

STATIONS = ["市南区站", "市北区站", "李沧区站", "崂山区站", "黄岛区站"]


def air_rows(count: int = 120) -> list[list[object]]:
    grades = ["优", "良", "轻度污染", "=HYPERLINK(1)"]
    return [
        [
            STATIONS[i % 5],
            f"2024-03-{i % 28 + 1:02d}",
            (i * 37) % 300 if i % 13 else "",
            grades[i % 4],
        ]
        for i in range(count)
    ]


def seed_portal(lab: LabServices, folder: Path) -> None:
    """air-quality (T1, real Parquet), annual-reports (T2, metadata), tax-secret (T3, canary)."""
    path = write_csv(folder / "air.csv", ["监测站点", "日期", "AQI", "空气质量等级"], air_rows())
    publish_table(
        lab,
        path,
        "air-quality",
        title="青岛市空气质量日报",
        title_en="Qingdao daily air quality",
        topic="生态环境",
        tags=("空气", "环境"),
        update_frequency="每日",
    )
    add_dataset(lab, "annual-reports", "企业年报信息", tier="T2", department="市市场监管局")
    secret = write_csv(
        folder / "secret.csv", ["企业", "金额"], [[f"{CANARY}{i}", i] for i in range(20)]
    )
    publish_table(
        lab,
        secret,
        "tax-secret",
        title=f"纳税明细{CANARY}",
        tier=Tier.T3,
        dp_unit="企业",
        department=f"税务局{CANARY}",
        tags=(f"机密{CANARY}",),
    )
