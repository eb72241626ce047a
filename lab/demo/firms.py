"""The enterprise population: register fields plus a latent health that drives every signal.

Each firm gets a health score (standard normal, a little higher for older firms) and a monthly
path that drifts and wobbles around it. Size, taxes, social insurance, utilities, penalties,
court cases and loan defaults are all drawn from that health, so signals and outcomes move
together the way a credit model expects. The health itself is never written to any file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypedDict

import numpy as np
import pandas as pd

from lab.demo.identifiers import credit_codes
from lab.demo.names import enterprise_names, person_names, street_addresses
from lab.demo.timeline import AS_OF, MONTH_COUNT, REPORT_YEARS, iso
from lab.reference.industries import DEMO_DIVISIONS, section_of_division
from lab.reference.regions import DISTRICTS

# (企业类型, credit-code kind, name suffix, share); suffix "" marks an individual business.
ENTERPRISE_TYPES = (
    ("有限责任公司（自然人投资或控股）", "91", "有限公司", 0.40),
    ("有限责任公司（自然人独资）", "91", "有限公司", 0.14),
    ("股份有限公司（非上市、自然人投资或控股）", "91", "股份有限公司", 0.02),
    ("有限责任公司（外商投资、非独资）", "91", "有限公司", 0.02),
    ("个人独资企业", "91", "中心", 0.04),
    ("普通合伙企业", "91", "事务所（普通合伙）", 0.02),
    ("个体工商户", "92", "", 0.34),
    ("农民专业合作社", "93", "专业合作社", 0.02),
)
TYPE_NAMES = np.asarray([t[0] for t in ENTERPRISE_TYPES])
TYPE_KINDS = np.asarray([t[1] for t in ENTERPRISE_TYPES])
TYPE_SUFFIXES = np.asarray([t[2] for t in ENTERPRISE_TYPES])
TYPE_SHARES = np.asarray([t[3] for t in ENTERPRISE_TYPES])
DISTRICT_SHARES = (0.10, 0.12, 0.20, 0.09, 0.08, 0.13, 0.11, 0.08, 0.05, 0.04)
"""Share of firms per district, in the order of ``regions.DISTRICTS``."""

COMPANY_DIVISION_SHARES = {
    "51": 14,
    "52": 8,
    "72": 9,
    "75": 8,
    "65": 6,
    "48": 5,
    "50": 5,
    "54": 4,
    "58": 4,
    "59": 2,
    "62": 4,
    "61": 1,
    "70": 3,
    "80": 3,
    "13": 2,
    "15": 1,
    "18": 2,
    "26": 2,
    "29": 2,
    "34": 4,
    "36": 2,
    "37": 1,
    "38": 3,
    "39": 3,
    "01": 1,
    "04": 1,
}
SHOP_DIVISION_SHARES = {"52": 40, "62": 25, "80": 15, "54": 8, "50": 6, "13": 3, "04": 2, "01": 1}
COOPERATIVE_DIVISION_SHARES = {"01": 3, "04": 1}
REFORM_DAY = date(2015, 10, 1)
"""From this day new entities got 'MA…' organisation codes under the credit-code reform (and so
did every individual business, which had no organisation code before)."""
DEMO_ENTERPRISE = ("青岛海湾数据科技有限公司", "91370202MA3C4F6Y23")
"""The firm the demo's enterprise login administers: always the first firm of the register, so
its credit profile, consents and disputes can be tried end to end."""


class _Traits(TypedDict):
    """What the demo enterprise (row 0) is made to be."""

    type: int
    district: str
    established: str
    division: str


DEMO_ENTERPRISE_TRAITS: _Traits = {
    "type": 0,
    "district": "370202",
    "established": "2019-03-15",
    "division": "65",
}
EXPORTING_DIVISIONS = ("13", "15", "18", "26", "29", "34", "36", "37", "38", "39", "51", "58")


@dataclass(frozen=True)
class Firms:
    """The register (public columns only) and, row-aligned, the latent traits behind the data."""

    register: pd.DataFrame
    health: np.ndarray
    health_path: np.ndarray
    employees: np.ndarray
    district_index: np.ndarray
    individual: np.ndarray
    exporter: np.ndarray
    established: np.ndarray
    files_reports: np.ndarray

    def __len__(self) -> int:
        """Number of firms."""
        return len(self.register)

    def report_due(self) -> np.ndarray:
        """True where a firm, founded by then, owed a report for a year of ``REPORT_YEARS``."""
        year_ends = np.asarray([f"{year}-12-31" for year in REPORT_YEARS], dtype="datetime64[D]")
        return self.established[:, None] <= year_ends[None, :]

    def missed_reports(self) -> np.ndarray:
        """True where an annual report was due but never filed, shape (firms, report years)."""
        return self.report_due() & ~self.files_reports


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, for probabilities that move with health."""
    return 1.0 / (1.0 + np.exp(-x))


def _weighted(rng: np.random.Generator, shares: dict[str, int], size: int) -> np.ndarray:
    """``size`` keys drawn in proportion to ``shares``."""
    weights = np.asarray(list(shares.values()), dtype=float)
    return np.asarray(list(shares))[rng.choice(len(shares), size=size, p=weights / weights.sum())]


def _divisions(rng: np.random.Generator, type_index: np.ndarray) -> np.ndarray:
    """A division per firm: shops and cooperatives keep to their own trades."""
    divisions = _weighted(rng, COMPANY_DIVISION_SHARES, len(type_index))
    kinds = TYPE_KINDS[type_index]
    for kind, shares in (("92", SHOP_DIVISION_SHARES), ("93", COOPERATIVE_DIVISION_SHARES)):
        rows = np.flatnonzero(kinds == kind)
        divisions[rows] = _weighted(rng, shares, rows.size)
    return divisions


def _established(rng: np.random.Generator, individual: np.ndarray) -> np.ndarray:
    """Founding days: exponential ages (younger for shops), none before 1990 or after AS_OF."""
    mean_years = np.where(individual, 5.0, 8.0)
    age_days = np.minimum(rng.exponential(mean_years * 365.25), 36 * 365.25).astype(int)
    return np.datetime64(AS_OF, "D") - age_days


def _health_path(rng: np.random.Generator, health: np.ndarray) -> np.ndarray:
    """Monthly health: the firm's level, a linear drift and AR(1) noise, shape (firms, months)."""
    size = len(health)
    drift = rng.normal(0.0, 0.35, size=size)
    noise = np.empty((size, MONTH_COUNT))
    noise[:, 0] = rng.normal(0.0, 0.25, size=size)
    for month in range(1, MONTH_COUNT):
        noise[:, month] = 0.6 * noise[:, month - 1] + rng.normal(0.0, 0.2, size=size)
    trend = np.linspace(-0.5, 0.5, MONTH_COUNT)
    return health[:, None] + drift[:, None] * trend[None, :] + noise


def _employees(rng: np.random.Generator, health: np.ndarray, type_index: np.ndarray) -> np.ndarray:
    """Headcount: lognormal for companies (bigger when healthy), 1–6 for shops."""
    kinds = TYPE_KINDS[type_index]
    company = np.exp(rng.normal(np.log(8.0) + 0.4 * health, 1.1))
    company *= np.where(np.char.startswith(TYPE_NAMES[type_index], "股份"), 3, 1)
    shop = 1 + rng.poisson(1.2, size=len(health))
    employees = np.where(kinds == "91", np.round(company), np.minimum(shop, 6))
    return np.clip(employees, 1, 20_000).astype(np.int64)


def _registered_capital(
    rng: np.random.Generator, employees: np.ndarray, individual: np.ndarray
) -> np.ndarray:
    """注册资本 in whole 元, rounded to 万元 (shops: 资金数额 rounded to 1000 元)."""
    median = np.where(individual, 50_000.0, 1_000_000.0) * employees**0.3
    capital = np.exp(rng.normal(np.log(median), 0.8))
    unit = np.where(individual, 1_000, 10_000)
    return (np.maximum(np.round(capital / unit), 1) * unit).astype(np.int64)


def _registration_authority(district_index: np.ndarray) -> np.ndarray:
    """The market-regulation bureau of each firm's district."""
    bureaus = np.asarray([f"{d.qualified_name}市场监督管理局" for d in DISTRICTS])
    return bureaus[district_index]


def build_firms(rng: np.random.Generator, scale: int) -> Firms:
    """``scale`` firms with register fields and latent traits, reproducible from ``rng``."""
    type_index = rng.choice(len(ENTERPRISE_TYPES), size=scale, p=TYPE_SHARES / TYPE_SHARES.sum())
    type_index[0] = DEMO_ENTERPRISE_TRAITS["type"]
    individual = TYPE_KINDS[type_index] == "92"
    district_index = rng.choice(len(DISTRICTS), size=scale, p=np.asarray(DISTRICT_SHARES))
    district_index[0] = [d.code for d in DISTRICTS].index(DEMO_ENTERPRISE_TRAITS["district"])
    established = _established(rng, individual)
    established[0] = np.datetime64(DEMO_ENTERPRISE_TRAITS["established"])
    age_years = (np.datetime64(AS_OF, "D") - established).astype(int) / 365.25
    health = rng.normal(0.0, 1.0, size=scale) + 0.15 * (np.log1p(age_years) - 1.8)
    employees = _employees(rng, health, type_index)
    divisions = _divisions(rng, type_index)
    divisions[0] = DEMO_ENTERPRISE_TRAITS["division"]
    new_style = (established >= np.datetime64(REFORM_DAY)) | individual
    district_names = np.asarray([d.name for d in DISTRICTS])[district_index]
    district_codes = np.asarray([d.code for d in DISTRICTS])[district_index]
    division_names = {d.code: d.name for d in DEMO_DIVISIONS}
    register = pd.DataFrame(
        {
            "统一社会信用代码": credit_codes(
                rng, TYPE_KINDS[type_index], district_codes, new_style
            ),
            "企业名称": enterprise_names(rng, district_names, divisions, TYPE_SUFFIXES[type_index]),
            "企业类型": TYPE_NAMES[type_index],
            "法定代表人": person_names(rng, scale),
            "成立日期": iso(established),
            "注册资本（元）": _registered_capital(rng, employees, individual),
            "行业门类": [section_of_division(d).code for d in divisions],
            "行业代码": divisions,
            "行业名称": [division_names[d] for d in divisions],
            "所属区": district_names,
            "行政区划代码": district_codes,
            "住所": street_addresses(rng, district_index),
            "登记机关": _registration_authority(district_index),
            "登记状态": "存续（在营、开业、在册）",
        }
    )
    register.loc[0, ["企业名称", "统一社会信用代码"]] = DEMO_ENTERPRISE
    exporter = np.isin(divisions, EXPORTING_DIVISIONS) & (rng.random(scale) < 0.25) & ~individual
    return Firms(
        register=register,
        health=health,
        health_path=_health_path(rng, health),
        employees=employees,
        district_index=district_index,
        individual=individual,
        exporter=exporter,
        established=established,
        files_reports=rng.random((scale, len(REPORT_YEARS))) < sigmoid(2.8 + 1.3 * health)[:, None],
    )
