"""T1 双公示 administrative licences (行政许可) granted to legal persons and individual businesses.

Fields follow the national 双公示 data standard (行政相对人, 许可证书, 许可机关 and their codes).
Restaurants and shops hold food licences, hauliers transport licences, factories discharge
permits, and so on; a firm holds a licence only after it was founded.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from lab.demo.firms import Firms
from lab.demo.identifiers import agency_credit_code, document_serials
from lab.demo.manifest import DemoTable, demo_table
from lab.demo.penalties import agency_name
from lab.demo.timeline import days_until, iso
from lab.reference.regions import DISTRICTS

# (证书名称, 许可类别, 许可内容, agency template, years valid, number prefix, sections)
LICENCES = (
    (
        "食品经营许可证",
        "普通",
        "预包装食品销售、热食类食品制售",
        "{d}行政审批服务局",
        5,
        "JY1",
        "FH",
    ),
    (
        "道路运输经营许可证",
        "普通",
        "道路普通货物运输",
        "青岛市交通运输局",
        6,
        "鲁交运管许可青字",
        "G",
    ),
    ("排污许可证", "普通", "排放大气污染物、水污染物", "青岛市生态环境局", 5, "91370", "CD"),
    (
        "建筑业企业资质证书",
        "认可",
        "建筑工程施工总承包三级",
        "青岛市行政审批服务局",
        5,
        "D337",
        "E",
    ),
    ("公共场所卫生许可证", "普通", "美容美发场所", "{d}行政审批服务局", 4, "青卫公字", "HO"),
    ("药品经营许可证", "普通", "中成药、化学药制剂零售", "{d}行政审批服务局", 5, "鲁CB532", "F"),
    (
        "人力资源服务许可证",
        "普通",
        "职业介绍、人力资源供求信息的收集和发布",
        "青岛市人力资源和社会保障局",
        5,
        "青人服证字",
        "LM",
    ),
)
RATE_BY_SECTION = {"H": 1.0, "F": 0.5, "G": 0.6, "E": 0.6, "C": 0.4, "D": 0.5, "O": 0.4}
DEFAULT_RATE = 0.1
WINDOW_START = date(2023, 11, 1)


def _licence_rows(rng: np.random.Generator, firms: Firms) -> tuple[np.ndarray, np.ndarray]:
    """(firm row, licence kind) per licence: each firm draws only kinds that fit its trade."""
    sections = firms.register["行业门类"].to_numpy()
    rate = np.asarray([RATE_BY_SECTION.get(s, DEFAULT_RATE) for s in sections])
    fits = np.asarray([[s in kind[6] for kind in LICENCES] for s in sections]).reshape(
        -1, len(LICENCES)
    )
    counts = rng.poisson(rate[:, None] * fits / np.maximum(fits.sum(axis=1, keepdims=True), 1))
    rows, kinds = np.nonzero(counts)
    return rows, kinds


def build_licences(rng: np.random.Generator, firms: Firms) -> DemoTable:
    """Licences decided in the last three years, with validity dates and the granting agency."""
    rows, kinds = _licence_rows(rng, firms)
    register = firms.register
    chosen = [LICENCES[k] for k in kinds]
    districts = [DISTRICTS[i] for i in firms.district_index[rows]]
    agencies = [agency_name(c[3], d) for c, d in zip(chosen, districts, strict=True)]
    decided = days_until(rng, np.maximum(firms.established[rows], np.datetime64(WINDOW_START)))
    years = decided.astype("datetime64[Y]").astype(int) + 1970
    serial = document_serials(rng, len(rows))
    frame = pd.DataFrame(
        {
            "行政相对人名称": register["企业名称"].array.take(rows),
            "行政相对人类别": np.where(firms.individual[rows], "个体工商户", "法人及非法人组织"),
            "统一社会信用代码": register["统一社会信用代码"].array.take(rows),
            "法定代表人": register["法定代表人"].array.take(rows),
            "行政许可决定文书名称": "准予行政许可决定书",
            "行政许可决定文书号": [
                f"青审批许字〔{y}〕{n}号" for y, n in zip(years, serial, strict=True)
            ],
            "许可类别": [c[1] for c in chosen],
            "许可证书名称": [c[0] for c in chosen],
            "许可编号": [
                f"{c[5]}{y}{n:06d}" for c, y, n in zip(chosen, years, serial, strict=True)
            ],
            "许可内容": [c[2] for c in chosen],
            "许可决定日期": iso(decided),
            "有效期自": iso(decided),
            "有效期至": iso(decided + np.asarray([c[4] for c in chosen], dtype=int) * 365),
            "许可机关": agencies,
            "许可机关统一社会信用代码": [agency_credit_code(a) for a in agencies],
            "数据来源单位": agencies,
        }
    ).sort_values(["许可决定日期", "行政许可决定文书号"], kind="stable", ignore_index=True)
    return demo_table(
        frame,
        identifier_columns=("统一社会信用代码", "许可机关统一社会信用代码", "许可编号"),
        id="shuanggongshi-licences",
        title="行政许可信息（双公示）",
        title_en="Administrative licences of legal persons (double publicity)",
        description="按双公示数据标准公开的法人及非法人组织、个体工商户行政许可决定。",
        department="青岛市发展和改革委员会",
        topic="信用服务",
        tags=("双公示", "行政许可", "信用"),
        update_frequency="daily",
        intended_tier="T1",
    )
