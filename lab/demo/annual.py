"""T2 annual-report details: the banded extract an approved applicant may download.

One row per firm and report year for every report actually filed (firms that missed one are on
the abnormal operation list instead). Headcount, assets, revenue and tax are released only as
bands, and the report's contact fields (telephone, e-mail, postal address) are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.demo.firms import Firms, sigmoid
from lab.demo.manifest import DemoTable, demo_table
from lab.demo.monthly import Panel
from lab.demo.timeline import MONTHS, REPORT_YEARS, iso

STAFF_BANDS = (
    (10, "10人以下"),
    (50, "10-49人"),
    (100, "50-99人"),
    (300, "100-299人"),
    (1000, "300-999人"),
    (None, "1000人及以上"),
)
MONEY_BANDS = (
    (500_000, "50万元以下"),
    (1_000_000, "50万-100万元"),
    (5_000_000, "100万-500万元"),
    (10_000_000, "500万-1000万元"),
    (50_000_000, "1000万-5000万元"),
    (100_000_000, "5000万-1亿元"),
    (None, "1亿元及以上"),
)
TAX_BANDS = (
    (1, "0"),
    (100_000, "10万元以下"),
    (500_000, "10万-50万元"),
    (1_000_000, "50万-100万元"),
    (5_000_000, "100万-500万元"),
    (None, "500万元及以上"),
)


def band(values: np.ndarray, bands: tuple[tuple[int | None, str], ...]) -> np.ndarray:
    """The label of the band each value falls in (upper limits exclusive, last band open)."""
    limits = np.asarray([limit for limit, _ in bands[:-1]], dtype=float)
    return np.asarray([label for _, label in bands])[np.searchsorted(limits, values, side="right")]


def _yearly_sales(panel: Panel) -> np.ndarray:
    """Revenue per firm and report year: the year's months, scaled up where some are missing."""
    months = np.asarray([int(m[:4]) for m in MONTHS])
    columns = []
    for year in REPORT_YEARS:
        in_year = months == year
        observed = (panel.active & in_year).sum(axis=1)
        total = panel.sales[:, in_year].sum(axis=1)
        columns.append(np.where(observed > 0, total * 12 / np.maximum(observed, 1), 0))
    return np.column_stack(columns)


ANNUAL_REPORT_DICTIONARY = (
    ("统一社会信用代码", "报送企业的 18 位统一社会信用代码"),
    ("企业名称", "报送企业的登记名称"),
    ("报告年度", "年度报告所属的年度"),
    ("所属区", "企业住所所在的区（市）"),
    ("行业门类", "国民经济行业分类（GB/T 4754-2017）门类字母"),
    ("企业经营状态", "年报填报的经营状态：开业或歇业"),
    ("从业人数区间", "年末从业人数所在区间（人）"),
    ("资产总额区间", "年末资产总额所在区间（元）"),
    ("营业总收入区间", "全年营业总收入所在区间（元）"),
    ("纳税总额区间", "全年纳税总额所在区间（元）"),
    ("是否有网站或网店", "企业是否有网站或网店：是或否"),
    ("是否有对外投资", "企业是否投资设立其他企业或购买股权：是或否"),
    ("报送日期", "年度报告的报送日期"),
)


def build_annual_reports(rng: np.random.Generator, panel: Panel) -> DemoTable:
    """Banded annual-report details for every filed report."""
    firms: Firms = panel.firms
    filed = firms.report_due() & firms.files_reports
    rows, years = np.nonzero(filed)
    revenue = _yearly_sales(panel)[rows, years]
    capital = firms.register["注册资本（元）"].to_numpy()[rows]
    assets = capital * rng.lognormal(0.0, 0.6, len(rows)) + revenue * 0.5
    tax = revenue * rng.uniform(0.0, 0.05, len(rows))
    report_year = np.asarray(REPORT_YEARS)[years]
    filing_opens = np.asarray([f"{y + 1}-01-01" for y in REPORT_YEARS], dtype="datetime64[D]")
    submitted = filing_opens[years] + rng.integers(0, 181, len(rows))
    online = rng.random(len(rows)) < sigmoid(-1.0 + 0.5 * firms.health[rows])
    frame = pd.DataFrame(
        {
            "统一社会信用代码": firms.register["统一社会信用代码"].array.take(rows),
            "企业名称": firms.register["企业名称"].array.take(rows),
            "报告年度": report_year,
            "所属区": firms.register["所属区"].array.take(rows),
            "行业门类": firms.register["行业门类"].array.take(rows),
            "企业经营状态": np.where(firms.health[rows] < -2.2, "歇业", "开业"),
            "从业人数区间": band(firms.employees[rows], STAFF_BANDS),
            "资产总额区间": band(assets, MONEY_BANDS),
            "营业总收入区间": band(revenue, MONEY_BANDS),
            "纳税总额区间": band(tax, TAX_BANDS),
            "是否有网站或网店": np.where(online, "是", "否"),
            "是否有对外投资": np.where(rng.random(len(rows)) < 0.08, "是", "否"),
            "报送日期": iso(submitted),
        }
    ).sort_values(["报告年度", "统一社会信用代码"], kind="stable", ignore_index=True)
    return demo_table(
        frame,
        identifier_columns=("统一社会信用代码",),
        id="annual-report-details",
        title="企业年度报告详细信息（脱敏）",
        title_en="Enterprise annual report details (banded extract)",
        description="企业年报中从业人数、资产总额、营业总收入、纳税总额的区间值及经营状态等，"
        "已去除联系电话、电子邮箱、通信地址等联系信息。",
        department="青岛市市场监督管理局",
        topic="经贸工商",
        tags=("企业年报", "有条件开放", "企业"),
        update_frequency="yearly",
        intended_tier="T2",
        dictionary=ANNUAL_REPORT_DICTIONARY,
    )
