"""T4 enterprise credit sources: penalty records, tax credit grades, the abnormal operation list.

With court records (``judicial``) and loan outcomes (``loans``) these make up a firm's credit
file, which banks may only see through the credit-profile service with the firm's consent. Every
source is drawn from the same latent health, so a weak firm tends to carry penalties, a low grade
and a listing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lab.demo.firms import Firms, sigmoid
from lab.demo.manifest import (
    CatalogueFields,
    CategoricalDomain,
    DemoTable,
    DPHints,
    NumericBound,
    demo_table,
)
from lab.demo.penalties import FirmPenalties
from lab.demo.timeline import AS_OF, REPORT_YEARS, days_until, iso

UNIT = "统一社会信用代码"


def credit_hints(
    max_rows: int, bounds: dict[str, tuple[int, int]], domains: dict[str, str] | None = None
) -> DPHints:
    """DP hints for a per-enterprise credit table (privacy unit: the credit code)."""
    return DPHints(
        privacy_unit=UNIT,
        max_rows_per_unit=max_rows,
        numeric_bounds=tuple(NumericBound(c, lo, hi) for c, (lo, hi) in bounds.items()),
        categorical_domains=tuple(CategoricalDomain(c, n) for c, n in (domains or {}).items()),
    )


def credit_about(
    table_id: str,
    title: str,
    title_en: str,
    description: str,
    tags: tuple[str, ...],
    *,
    department: str = "青岛市发展和改革委员会（社会信用体系建设）",
    update_frequency: str = "monthly",
) -> CatalogueFields:
    """Catalogue fields of a T4 credit source, for ``demo_table``."""
    return {
        "id": table_id,
        "title": title,
        "title_en": title_en,
        "description": description,
        "department": department,
        "topic": "信用服务",
        "tags": ("企业信用", *tags),
        "update_frequency": update_frequency,
        "intended_tier": "T4",
    }


def _firm_columns(firms: Firms, rows: np.ndarray) -> dict[str, object]:
    """Credit code and name of the firm behind each row."""
    register = firms.register
    return {
        UNIT: register[UNIT].array.take(rows),
        "企业名称": register["企业名称"].array.take(rows),
    }


def build_penalty_records(firms: Firms, penalties: FirmPenalties) -> DemoTable:
    """Every administrative penalty on a firm, with whether its credit record was repaired."""
    rows, decisions = penalties.rows, penalties.decisions
    state = np.select(
        [~penalties.under_publicity, penalties.repaired], ["公示期满", "已信用修复"], "公示中"
    )
    frame = pd.DataFrame({**_firm_columns(firms, rows), **decisions, "信用修复状态": state})
    bounds = {"罚款金额（元）": (0, 1_000_000), "没收违法所得（元）": (0, 1_000_000)}
    about = credit_about(
        "credit-admin-penalties",
        "企业行政处罚信用记录",
        "Administrative penalties in enterprise credit files",
        "近三年对企业作出的全部行政处罚决定及其信用修复状态。",
        ("行政处罚",),
    )
    return demo_table(frame, identifier_columns=(UNIT,), dp=credit_hints(10, bounds), **about)


def _grade(score: np.ndarray) -> np.ndarray:
    """纳税信用等级 from a score: A above 1.0, B above -0.8, C above -1.7, else D."""
    return np.select([score >= 1.0, score >= -0.8, score >= -1.7], ["A", "B", "C"], "D")


def build_tax_credit_grades(rng: np.random.Generator, firms: Firms) -> DemoTable:
    """One grade per enterprise and evaluation year; firms founded that year are graded M."""
    year_ends = np.asarray([f"{y}-12-31" for y in REPORT_YEARS], dtype="datetime64[D]")
    year_starts = year_ends - 364
    evaluated = (firms.established[:, None] <= year_ends) & ~firms.individual[:, None]
    score = firms.health[:, None] + rng.normal(0.0, 0.5, size=evaluated.shape)
    grades = np.where(firms.established[:, None] >= year_starts, "M", _grade(score))
    rows, years = np.nonzero(evaluated)
    frame = pd.DataFrame(
        {
            **_firm_columns(firms, rows),
            "评价年度": np.asarray(REPORT_YEARS)[years],
            "纳税信用等级": grades[rows, years],
            "所属区": firms.register["所属区"].array.take(rows),
        }
    )
    domains = {"纳税信用等级": "tax_credit_grade", "所属区": "qingdao_district_name"}
    about = credit_about(
        "credit-tax-grades",
        "企业纳税信用等级",
        "Enterprise tax credit grades",
        "按年度评价的企业纳税信用等级（A、B、M、C、D）。",
        ("纳税信用",),
        department="国家税务总局青岛市税务局",
        update_frequency="yearly",
    )
    hints = credit_hints(len(REPORT_YEARS), {}, domains)
    return demo_table(frame, identifier_columns=(UNIT,), dp=hints, **about)


def build_abnormal_operations(rng: np.random.Generator, firms: Firms) -> DemoTable:
    """Listings for unfiled annual reports and for premises that cannot be reached."""
    missed_rows, missed_years = np.nonzero(firms.missed_reports())
    unreachable = np.flatnonzero(rng.random(len(firms)) < sigmoid(-3.6 - 1.2 * firms.health))
    rows = np.concatenate([missed_rows, unreachable])
    report_listing = np.asarray([f"{y + 1}-07-01" for y in REPORT_YEARS], dtype="datetime64[D]")
    listed = np.concatenate(
        [
            report_listing[missed_years] + rng.integers(0, 20, len(missed_rows)),
            days_until(
                rng, np.maximum(firms.established[unreachable] + 180, np.datetime64("2023-11-01"))
            ),
        ]
    )
    reason = ["未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告"] * len(missed_rows)
    reason += ["通过登记的住所或者经营场所无法联系"] * len(unreachable)
    removed = (rng.random(len(rows)) < sigmoid(firms.health[rows])) & (
        listed < np.datetime64(AS_OF)
    )
    removal_day = days_until(rng, listed + 1)
    frame = pd.DataFrame(
        {
            **_firm_columns(firms, rows),
            "列入日期": iso(listed),
            "列入经营异常名录原因": reason,
            "作出决定机关": firms.register["登记机关"].array.take(rows),
            "移出日期": np.where(removed, iso(removal_day), ""),
            "移出经营异常名录原因": np.where(removed, "已补报或已依法办理住所变更登记", ""),
        }
    ).sort_values(["列入日期", UNIT], kind="stable", ignore_index=True)
    about = credit_about(
        "credit-abnormal-operations",
        "企业经营异常名录",
        "Abnormal operation list",
        "列入及移出经营异常名录的企业、日期、原因与决定机关；移出日期为空即仍在名录中。",
        ("经营异常名录",),
        department="青岛市市场监督管理局",
    )
    return demo_table(frame, identifier_columns=(UNIT,), dp=credit_hints(4, {}), **about)
