"""T4 court records of enterprises: civil cases and the dishonest judgment debtor list (失信).

Bigger firms go to court more often; weak firms more often as defendants, and when they cannot
pay a judgment they end up on the dishonest debtor list. A listing without a removal date is
active, which the demo scorecard treats as a veto.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from lab.demo.credit import UNIT, credit_about, credit_hints
from lab.demo.firms import Firms, sigmoid
from lab.demo.identifiers import document_serials
from lab.demo.manifest import DemoTable, demo_table
from lab.demo.names import pick
from lab.demo.timeline import AS_OF, days_until, iso
from lab.reference.regions import DISTRICTS

CAUSES = (
    "买卖合同纠纷",
    "劳动争议",
    "民间借贷纠纷",
    "金融借款合同纠纷",
    "建设工程施工合同纠纷",
    "租赁合同纠纷",
    "服务合同纠纷",
)
OUTCOMES = ("原告胜诉", "被告胜诉", "调解结案", "撤诉")
DISHONEST_CONDUCT = (
    "有履行能力而拒不履行生效法律文书确定义务",
    "违反财产报告制度",
    "违反限制消费令",
)
INTERMEDIATE_COURT = "山东省青岛市中级人民法院"
WINDOW_START = np.datetime64(date(2023, 11, 1))


def _courts(firms: Firms, rows: np.ndarray, appeal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Court name and case-number court code (鲁0202; 鲁02 for the intermediate court)."""
    districts = [DISTRICTS[i] for i in firms.district_index[rows]]
    names = np.where(appeal, INTERMEDIATE_COURT, [f"{d.qualified_name}人民法院" for d in districts])
    codes = np.where(appeal, "02", [d.code[2:] for d in districts])
    return names, codes


def _case_numbers(
    rng: np.random.Generator, days: np.ndarray, court_codes: np.ndarray, kinds: np.ndarray
) -> list[str]:
    """Case numbers such as （2025）鲁0202民初1234号."""
    years = days.astype("datetime64[Y]").astype(int) + 1970
    serial = document_serials(rng, len(days))
    parts = zip(years, court_codes, kinds, serial, strict=True)
    return [f"（{y}）鲁{c}{k}{n}号" for y, c, k, n in parts]


def build_judicial_cases(rng: np.random.Generator, firms: Firms) -> DemoTable:
    """Civil cases involving firms: cause, court, filing date, role, amount and outcome."""
    rate = 0.05 * firms.employees**0.3 * np.exp(-0.7 * firms.health)
    rows = np.repeat(np.arange(len(firms)), rng.poisson(rate))
    size = len(rows)
    filed = days_until(rng, np.maximum(firms.established[rows] + 60, WINDOW_START))
    appeal = rng.random(size) < 0.15
    courts, court_codes = _courts(firms, rows, appeal)
    closing = filed + rng.integers(60, 400, size)
    closed = closing <= np.datetime64(AS_OF)
    amount = rng.lognormal(np.log(50_000) + 0.4 * np.log(firms.employees[rows]), 1.2)
    frame = pd.DataFrame(
        {
            "案号": _case_numbers(rng, filed, court_codes, np.where(appeal, "民终", "民初")),
            UNIT: firms.register[UNIT].array.take(rows),
            "企业名称": firms.register["企业名称"].array.take(rows),
            "案由": pick(rng, CAUSES, size),
            "审理法院": courts,
            "立案日期": iso(filed),
            "诉讼地位": np.where(
                rng.random(size) < sigmoid(0.3 - 0.8 * firms.health[rows]), "被告", "原告"
            ),
            "涉案金额（元）": (np.round(amount, -2)).astype(np.int64),
            "案件状态": np.where(closed, "已结案", "审理中"),
            "裁判结果": np.where(closed, np.asarray(OUTCOMES)[rng.integers(0, 4, size)], ""),
            "结案日期": np.where(closed, iso(closing), ""),
        }
    )
    about = credit_about(
        "credit-judicial-cases",
        "企业涉诉案件信息",
        "Civil court cases involving enterprises",
        "企业作为原告或被告的民事案件：案由、法院、立案日期、涉案金额与结果。",
        ("司法", "涉诉"),
        department="青岛市中级人民法院",
    )
    hints = credit_hints(20, {"涉案金额（元）": (0, 50_000_000)})
    return demo_table(frame, identifier_columns=("案号", UNIT), dp=hints, **about)


def build_dishonest_debtors(rng: np.random.Generator, firms: Firms) -> DemoTable:
    """Firms on the dishonest judgment debtor list; an empty removal date means still listed."""
    eligible = firms.established + 365 <= np.datetime64(AS_OF)
    rows = np.flatnonzero(eligible & (rng.random(len(firms)) < sigmoid(-4.6 - 1.4 * firms.health)))
    size = len(rows)
    filed = days_until(rng, np.maximum(firms.established[rows] + 365, WINDOW_START))
    published = np.minimum(filed + rng.integers(30, 180, size), np.datetime64(AS_OF))
    removed = (rng.random(size) < 0.3) & (published < np.datetime64(AS_OF))
    courts, court_codes = _courts(firms, rows, np.zeros(size, dtype=bool))
    frame = pd.DataFrame(
        {
            "案号": _case_numbers(rng, filed, court_codes, np.full(size, "执")),
            UNIT: firms.register[UNIT].array.take(rows),
            "企业名称": firms.register["企业名称"].array.take(rows),
            "法定代表人或负责人": firms.register["法定代表人"].array.take(rows),
            "执行法院": courts,
            "立案日期": iso(filed),
            "发布日期": iso(published),
            "失信被执行人行为具体情形": np.asarray(DISHONEST_CONDUCT)[rng.integers(0, 3, size)],
            "履行情况": np.where(rng.random(size) < 0.7, "全部未履行", "部分未履行"),
            "执行标的（元）": np.round(rng.lognormal(np.log(200_000), 1.0, size), -2).astype(
                np.int64
            ),
            "移出日期": np.where(removed, iso(days_until(rng, published + 1)), ""),
        }
    )
    about = credit_about(
        "credit-dishonest-debtors",
        "失信被执行人（企业）名单",
        "Dishonest judgment debtors (enterprises)",
        "被人民法院列入失信被执行人名单的企业；移出日期为空表示仍在名单中。",
        ("司法", "失信被执行人"),
        department="青岛市中级人民法院",
    )
    hints = credit_hints(5, {"执行标的（元）": (0, 50_000_000)})
    return demo_table(frame, identifier_columns=("案号", UNIT), dp=hints, **about)
