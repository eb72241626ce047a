"""T1 enterprise register: the public fields of every firm, as the market regulator publishes them.

The legal representative's name is public here (DESIGN §6); the same name beside an ID number or
phone would be T4. Written as UTF-8 with a byte-order mark, the way Excel-friendly exports come.
"""

from __future__ import annotations

from lab.demo.firms import Firms
from lab.demo.manifest import DemoTable, demo_table


def build_register(firms: Firms) -> DemoTable:
    """The register table: credit code, name, type, representative, dates, capital, trade, place."""
    return demo_table(
        firms.register,
        encoding="utf-8-sig",
        identifier_columns=("统一社会信用代码", "行政区划代码", "行业代码"),
        id="enterprise-register",
        title="企业登记注册基本信息",
        title_en="Enterprise register (public fields)",
        description="市场主体的统一社会信用代码、名称、类型、法定代表人（经营者）、成立日期、"
        "注册资本（元）、行业、所属区、住所、登记机关与登记状态。",
        department="青岛市市场监督管理局",
        topic="经贸工商",
        tags=("企业", "登记注册", "市场主体", "统一社会信用代码"),
        update_frequency="daily",
        intended_tier="T1",
    )
