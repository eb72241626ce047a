"""A small portal for journeys: open transport and air-quality data, one conditional dataset,
a steward and (in leak tests) restricted datasets full of canary values."""

from __future__ import annotations

from pathlib import Path

from lab.db import transaction
from lab.identity import Role
from lab.identity.accounts import create_user
from lab.services import LabServices
from tests.unit.lab.catalogue.conditional import publish_conditional
from tests.unit.opendata.seed import publish_table, write_csv

STEWARD_PASSWORD = "steward password 1"


def seed_portal(lab: LabServices, work: Path) -> None:
    """Publish the bus routes (交通), hourly air quality (空气质量) and a T2 extract."""
    routes = [
        [f"{n}路", f"起点站{n}", f"终点站{n}", "2" if n % 3 else "=2*1", str(8 + n % 17)]
        for n in range(1, 121)
    ]
    publish_table(
        lab,
        write_csv(
            work / "bus.csv", ["线路名称", "起点站", "终点站", "票价（元）", "里程（公里）"], routes
        ),
        "bus-routes",
        title="公交线路信息",
        title_en="Bus routes",
        department="市交通运输局",
        topic="交通出行",
        tags=("交通", "公交"),
        update_frequency="monthly",
        description="全市公交线路的起讫站点、票价和运营里程。",
    )
    air = [
        [f"2026-{1 + i % 9:02d}-{1 + i % 27:02d} {i % 24:02d}:00", "市南区", str(20 + i % 60)]
        for i in range(400)
    ]
    publish_table(
        lab,
        write_csv(work / "air.csv", ["监测时间", "区", "AQI"], air),
        "air-quality-hourly",
        title="空气质量小时数据",
        title_en="Hourly air quality",
        topic="生态环境",
        tags=("空气质量", "环境"),
        update_frequency="hourly",
        description="各区空气质量指数（AQI）逐小时监测结果。",
    )
    publish_conditional(lab, work, "annual-bands")
    with transaction(lab.sessions) as session:
        create_user(
            session,
            lab.audit,
            actor="test",
            username="steward",
            roles=[Role.STEWARD],
            password=STEWARD_PASSWORD,
        )
