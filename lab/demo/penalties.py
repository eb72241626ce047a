"""Administrative penalty decisions (行政处罚), drawn from realistic templates.

One set of decisions feeds two datasets: the T4 credit file (every decision on a firm, with its
credit-repair state) and the T1 双公示 publication (decisions on legal persons still within their
publicity period). Weak firms are penalised more often. Natural persons get decisions too, from
the templates that apply to individuals; they appear only in the 双公示 classification trap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from lab.demo.firms import Firms, sigmoid
from lab.demo.identifiers import document_serials
from lab.demo.timeline import AS_OF, days_until, iso
from lab.reference.regions import DISTRICTS, District


@dataclass(frozen=True)
class PenaltyTemplate:
    """One kind of violation: who decides, on which legal basis, and the usual fine range."""

    agency: str
    prefix: str
    violation: str
    basis: str
    kind: str
    fine_range: tuple[int, int]
    sections: str
    for_persons: bool = False


TEMPLATES = (
    PenaltyTemplate(
        "{d}市场监督管理局",
        "青市监处罚",
        "销售不符合食品安全标准的食品",
        "《中华人民共和国食品安全法》第一百二十四条",
        "罚款；没收违法所得",
        (5_000, 100_000),
        "CFH",
    ),
    PenaltyTemplate(
        "{d}市场监督管理局",
        "青市监处罚",
        "发布虚假广告",
        "《中华人民共和国广告法》第五十五条",
        "罚款",
        (10_000, 200_000),
        "CFILMO",
    ),
    PenaltyTemplate(
        "{d}市场监督管理局",
        "青市监处罚",
        "经营者不明码标价",
        "《中华人民共和国价格法》第四十二条",
        "警告；罚款",
        (1_000, 5_000),
        "FHO",
        True,
    ),
    PenaltyTemplate(
        "{d}市场监督管理局",
        "青市监处罚",
        "未取得营业执照从事经营活动",
        "《无证无照经营查处办法》第十三条",
        "罚款；没收违法所得",
        (1_000, 10_000),
        "",
        True,
    ),
    PenaltyTemplate(
        "国家税务总局{d}税务局",
        "青税罚",
        "未按照规定期限办理纳税申报和报送纳税资料",
        "《中华人民共和国税收征收管理法》第六十二条",
        "罚款",
        (200, 2_000),
        "ACEFGHIKLMO",
    ),
    PenaltyTemplate(
        "青岛市生态环境局",
        "青环罚",
        "超过大气污染物排放标准排放大气污染物",
        "《中华人民共和国大气污染防治法》第九十九条",
        "罚款",
        (100_000, 1_000_000),
        "CDE",
    ),
    PenaltyTemplate(
        "{d}应急管理局",
        "青应急罚",
        "未按照规定对从业人员进行安全生产教育和培训",
        "《中华人民共和国安全生产法》第九十七条",
        "罚款",
        (10_000, 100_000),
        "CEG",
    ),
    PenaltyTemplate(
        "青岛市交通运输局",
        "青交执罚",
        "未取得道路运输经营许可擅自从事道路运输经营",
        "《中华人民共和国道路运输条例》第六十三条",
        "罚款；没收违法所得",
        (10_000, 100_000),
        "G",
        True,
    ),
    PenaltyTemplate(
        "{d}城市管理局",
        "青城管罚",
        "擅自占用城市道路从事经营活动",
        "《青岛市城市市容和环境卫生管理条例》",
        "罚款",
        (200, 2_000),
        "FHO",
        True,
    ),
    PenaltyTemplate(
        "{d}消防救援大队",
        "青消行罚决字",
        "消防设施、器材未保持完好有效",
        "《中华人民共和国消防法》第六十条",
        "罚款",
        (5_000, 50_000),
        "CFHKL",
    ),
)
WINDOW_START = date(2023, 11, 1)
"""Decisions are drawn from the three years before ``AS_OF``."""


def agency_name(template: str, district: District) -> str:
    """The deciding agency for a district ("{d}" becomes 青岛市市南区 or 胶州市)."""
    return template.format(d=district.qualified_name)


def _choose_templates(
    rng: np.random.Generator, sections: np.ndarray, for_persons: bool
) -> np.ndarray:
    """A template index per decision among those that fit the trade (or natural persons)."""
    fits = np.asarray(
        [[(t.for_persons if for_persons else s in t.sections) for t in TEMPLATES] for s in sections]
    ).reshape(len(sections), len(TEMPLATES))
    fits[~fits.any(axis=1), 0] = True
    cumulative = np.cumsum(fits, axis=1) / fits.sum(axis=1, keepdims=True)
    return (rng.random(len(sections))[:, None] > cumulative).sum(axis=1)


def draw_decisions(
    rng: np.random.Generator,
    sections: np.ndarray,
    district_index: np.ndarray,
    earliest: np.ndarray,
    *,
    for_persons: bool = False,
    first_serial: int = 1,
) -> pd.DataFrame:
    """One decision per row: number, violation, basis, kind, fine, date and agency.

    Decision numbers are distinct within the batch; ``first_serial`` keeps batches apart.
    """
    size = len(sections)
    chosen = [TEMPLATES[i] for i in _choose_templates(rng, sections, for_persons)]
    low, high = (np.asarray([t.fine_range[k] for t in chosen], float) for k in (0, 1))
    fine = np.round(np.exp(rng.uniform(np.log(low), np.log(high))) / 100) * 100
    confiscated = np.where(
        ["没收" in t.kind for t in chosen], np.round(fine * rng.uniform(0.1, 0.8, size)), 0
    )
    decided = days_until(rng, np.maximum(earliest, np.datetime64(WINDOW_START)))
    districts = [DISTRICTS[i] for i in district_index]
    years = decided.astype("datetime64[Y]").astype(int) + 1970
    serial = document_serials(rng, size, first_serial)
    publicity_years = np.where(fine >= 100_000, 3, 1)
    return pd.DataFrame(
        {
            "行政处罚决定书文号": [
                f"{t.prefix}〔{y}〕{n}号" for t, y, n in zip(chosen, years, serial, strict=True)
            ],
            "违法行为类型": [t.violation for t in chosen],
            "处罚依据": [t.basis for t in chosen],
            "处罚类别": [t.kind for t in chosen],
            "罚款金额（元）": fine.astype(np.int64),
            "没收违法所得（元）": confiscated.astype(np.int64),
            "处罚决定日期": iso(decided),
            "公示截止期": iso(decided + publicity_years * 365),
            "处罚机关": [agency_name(t.agency, d) for t, d in zip(chosen, districts, strict=True)],
        }
    )


@dataclass(frozen=True)
class FirmPenalties:
    """Decisions on firms, drawn once and shared by the T4 credit file and the T1 publication,
    with which of them were still under publicity on ``AS_OF`` and which of those were repaired
    (信用修复 ends a decision's publicity, so the publication no longer lists it)."""

    rows: np.ndarray
    decisions: pd.DataFrame
    under_publicity: np.ndarray
    repaired: np.ndarray


def firm_penalties(
    rng: np.random.Generator, firms: Firms, repairs: np.random.Generator
) -> FirmPenalties:
    """Decisions on firms in the last three years; weak firms and shops draw more of them.
    ``repairs`` draws the credit repairs: healthier firms repair a decision more often."""
    rate = 0.06 * np.exp(-0.9 * firms.health) * np.where(firms.individual, 1.5, 1.0)
    rows = np.repeat(np.arange(len(firms)), rng.poisson(rate))
    rows = rows[firms.established[rows] + 30 <= np.datetime64(AS_OF)]
    sections = firms.register["行业门类"].to_numpy()[rows]
    earliest = firms.established[rows] + 30
    decisions = draw_decisions(rng, sections, firms.district_index[rows], earliest)
    under_publicity = decisions["公示截止期"].to_numpy() > str(AS_OF)
    repaired = under_publicity & (repairs.random(len(rows)) < sigmoid(firms.health[rows] - 1.0))
    return FirmPenalties(rows, decisions, under_publicity, repaired)
