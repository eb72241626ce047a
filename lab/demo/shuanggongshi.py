"""双公示 administrative penalties: the T1 publication and its natural-person classification trap.

The publication lists decisions on legal persons and individual businesses still within their
publicity period, in GBK with CRLF line ends like many government exports. The trap looks like
the same publication but mixes in decisions on natural persons with their ID numbers (some
masked); a classifier that trusts the title instead of the columns would wrongly open it.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from lab.demo.firms import Firms
from lab.demo.identifiers import (
    agency_credit_code,
    masked_resident_ids,
    resident_ids,
    serial_pool,
)
from lab.demo.manifest import DemoTable, demo_table
from lab.demo.names import person_names
from lab.demo.penalties import FirmPenalties, draw_decisions
from lab.demo.timeline import random_days
from lab.reference.regions import DISTRICTS

PERSON_SHARE = 0.5
"""Natural-person decisions in the trap, relative to the published legal-person ones."""
MASKED_SHARE = 0.25
"""Share of natural persons whose ID number the trap shows masked (370202********1234)."""
PUBLIC_IDS = ("统一社会信用代码", "处罚机关统一社会信用代码")


def _content(decisions: pd.DataFrame) -> list[str]:
    """处罚内容 text: the fine and, where any, the confiscated gains."""
    fines = decisions["罚款金额（元）"].tolist()
    gains = decisions["没收违法所得（元）"].tolist()
    return [
        f"罚款人民币{f}元" + (f"，没收违法所得人民币{g}元" if g else "")
        for f, g in zip(fines, gains, strict=True)
    ]


def _publication(decisions: pd.DataFrame, counterparty: dict[str, object]) -> pd.DataFrame:
    """Counterparty columns, then the decision in the 双公示 field order."""
    agencies = decisions["处罚机关"].tolist()
    return pd.DataFrame(
        {
            **counterparty,
            "行政处罚决定书文号": decisions["行政处罚决定书文号"].to_numpy(),
            "违法行为类型": decisions["违法行为类型"].to_numpy(),
            "处罚依据": decisions["处罚依据"].to_numpy(),
            "处罚类别": decisions["处罚类别"].to_numpy(),
            "处罚内容": _content(decisions),
            "罚款金额（元）": decisions["罚款金额（元）"].to_numpy(),
            "没收违法所得（元）": decisions["没收违法所得（元）"].to_numpy(),
            "处罚决定日期": decisions["处罚决定日期"].to_numpy(),
            "公示截止期": decisions["公示截止期"].to_numpy(),
            "处罚机关": agencies,
            "处罚机关统一社会信用代码": [agency_credit_code(a) for a in agencies],
            "数据来源单位": agencies,
        }
    )


def _legal_persons(firms: Firms, penalties: FirmPenalties) -> pd.DataFrame:
    """Published decisions on firms whose publicity period has not ended and whose credit
    record was not repaired (a repair ends the publicity)."""
    current = penalties.under_publicity & ~penalties.repaired
    rows, decisions = penalties.rows[current], penalties.decisions[current]
    register = firms.register
    counterparty = {
        "行政相对人名称": register["企业名称"].array.take(rows),
        "行政相对人类别": np.where(firms.individual[rows], "个体工商户", "法人及非法人组织"),
        "统一社会信用代码": register["统一社会信用代码"].array.take(rows),
        "法定代表人": register["法定代表人"].array.take(rows),
    }
    return _publication(decisions, counterparty)


def build_public_penalties(firms: Firms, penalties: FirmPenalties) -> DemoTable:
    """The T1 publication of penalties on legal persons (GBK CSV)."""
    frame = _legal_persons(firms, penalties)
    return demo_table(
        frame,
        encoding="gbk",
        identifier_columns=PUBLIC_IDS,
        id="shuanggongshi-penalties",
        title="行政处罚信息（双公示）",
        title_en="Administrative penalties on legal persons (double publicity)",
        description="公示期内对法人及非法人组织、个体工商户作出的行政处罚决定，按双公示数据标准公开。",
        department="青岛市发展和改革委员会",
        topic="信用服务",
        tags=("双公示", "行政处罚", "信用"),
        update_frequency="daily",
        intended_tier="T1",
    )


def _natural_persons(rng: np.random.Generator, size: int, first_serial: int) -> pd.DataFrame:
    """Decisions on natural persons, with full or masked resident ID numbers."""
    district_index = rng.integers(0, len(DISTRICTS), size=size)
    births = random_days(rng, date(1955, 1, 1), date(2004, 12, 31), size)
    codes = np.asarray([d.code for d in DISTRICTS])[district_index]
    ids = resident_ids(rng, codes, births, rng.random(size) < 0.5)
    shown = np.where(rng.random(size) < MASKED_SHARE, masked_resident_ids(ids), ids)
    earliest = np.full(size, np.datetime64("2023-11-01"))
    decisions = draw_decisions(
        rng,
        np.full(size, ""),
        district_index,
        earliest,
        for_persons=True,
        first_serial=first_serial,
    )
    counterparty = {
        "行政相对人名称": person_names(rng, size),
        "行政相对人类别": "自然人",
        "证件类型": "身份证",
        "证件号码": shown,
    }
    return _publication(decisions, counterparty)


def build_penalties_with_persons(
    rng: np.random.Generator, firms: Firms, penalties: FirmPenalties
) -> DemoTable:
    """The trap: the publication plus natural persons' decisions with their ID numbers (T4)."""
    legal = _legal_persons(firms, penalties)
    after_firms = serial_pool(len(penalties.decisions)) + 1
    persons = _natural_persons(rng, max(20, int(len(legal) * PERSON_SHARE)), after_firms)
    frame = pd.concat([legal, persons], ignore_index=True).fillna("")
    frame = frame.sort_values(
        ["处罚决定日期", "行政处罚决定书文号"], kind="stable", ignore_index=True
    )
    columns = [
        "行政相对人名称",
        "行政相对人类别",
        "统一社会信用代码",
        "法定代表人",
        "证件类型",
        "证件号码",
    ]
    frame = frame[columns + [c for c in frame.columns if c not in columns]]
    return demo_table(
        frame,
        identifier_columns=(*PUBLIC_IDS, "证件号码"),
        id="shuanggongshi-penalties-with-persons",
        title="行政处罚信息（双公示，含自然人）",
        title_en="Administrative penalties including natural persons (classification trap)",
        description="与双公示行政处罚同格式，但含自然人行政相对人及其身份证号（部分已掩码），"
        "用于检验分级：应判为高敏·授权使用，而非公开。",
        department="青岛市发展和改革委员会",
        topic="信用服务",
        tags=("双公示", "行政处罚", "自然人", "分级测试"),
        update_frequency="daily",
        intended_tier="T4",
    )
