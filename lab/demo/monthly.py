"""The firm × month panel shared by the T3 tables: active months, monthly sales, key columns.

A firm has rows only from the month it was founded. Monthly sales follow headcount, the trade's
productivity, the season and the firm's health that month; tax, customs and annual-report bands
are derived from these sales so that they agree with one another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from lab.demo.firms import Firms, sigmoid
from lab.demo.manifest import CategoricalDomain, DPHints, NumericBound
from lab.demo.timeline import FIRST_MONTH, MONTH_COUNT, MONTH_OF_YEAR, MONTHS

SALES_PER_EMPLOYEE = {"A": 15_000, "C": 40_000, "E": 35_000, "F": 60_000, "G": 30_000}
"""Monthly sales per employee in 元 by section; other sections use ``DEFAULT_SALES``."""
DEFAULT_SALES = 25_000
SHOP_SALES = 30_000
SEASON = np.asarray([0.85, 0.8, 0.95, 1.0, 1.0, 1.05, 1.1, 1.1, 1.0, 1.05, 1.0, 1.2])
"""Month-of-year factor on sales (Spring Festival dip, summer tourism, year-end peak)."""

MONTHLY_DOMAINS = (
    CategoricalDomain("所属期", f"months:{MONTHS[0]}:{MONTHS[-1]}"),
    CategoricalDomain("所属区", "qingdao_district_name"),
    CategoricalDomain("行业门类", "gb4754_demo_section"),
)
"""Public domains of every monthly table: its month range (the tables cover exactly the demo's
24 months, which the catalogue shows anyway), the districts, and the GB/T 4754 sections the
city's public enterprise register has firms in (11 of the 20). With all 20 sections, the 9 that
no firm belongs to were answered as noise around 0 with intervals wider than the value, so every
query grouped by industry said little about them (``WideIntervalWarning``)."""


@dataclass(frozen=True)
class Panel:
    """Firm-month cells where the firm existed, with their health and sales in 元."""

    firms: Firms
    active: np.ndarray
    sales: np.ndarray


def active_months(firms: Firms) -> np.ndarray:
    """True where the month is on or after the firm's founding month, shape (firms, months)."""
    first = (firms.established.astype("datetime64[M]") - FIRST_MONTH).astype(int)
    return np.arange(MONTH_COUNT)[None, :] >= first[:, None]


def build_panel(rng: np.random.Generator, firms: Firms) -> Panel:
    """Monthly sales for every firm, zero before it was founded."""
    sections = firms.register["行业门类"].to_numpy()
    per_head = np.asarray([SALES_PER_EMPLOYEE.get(s, DEFAULT_SALES) for s in sections], float)
    base = np.where(firms.individual, SHOP_SALES * firms.employees**0.5, per_head * firms.employees)
    season = SEASON[MONTH_OF_YEAR - 1]
    noise = rng.lognormal(0.0, 0.25, size=(len(firms), MONTH_COUNT))
    sales = base[:, None] * np.exp(0.5 * firms.health_path) * season[None, :] * noise
    active = active_months(firms)
    return Panel(firms=firms, active=active, sales=np.where(active, np.round(sales), 0))


def cells(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and month indices of the true cells of a (firms, months) mask, firm-major."""
    rows, months = np.nonzero(mask)
    return rows, months


def key_columns(firms: Firms, firm_rows: np.ndarray, months: np.ndarray) -> dict[str, object]:
    """The key columns every monthly table starts with, for the given cells."""
    register = firms.register
    return {
        "统一社会信用代码": register["统一社会信用代码"].array.take(firm_rows),
        "所属期": labels(MONTHS, months),
        "所属区": register["所属区"].array.take(firm_rows),
        "行业门类": register["行业门类"].array.take(firm_rows),
    }


def labels(choices: tuple[str, ...], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A text column ``choices[code]`` built in Arrow, without one Python string per row."""
    taken = pa.array(choices).take(pa.array(np.asarray(codes, dtype=np.int64)))
    return pd.array(taken, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def money(values: np.ndarray) -> np.ndarray:
    """Non-negative amounts rounded to whole 元 as int64 (exact sums downstream)."""
    return np.maximum(np.round(values), 0).astype(np.int64)


def paid_amounts(
    rng: np.random.Generator, due: np.ndarray, health: np.ndarray, *, base: float, slope: float
) -> tuple[np.ndarray, np.ndarray]:
    """Amounts paid and still owed: healthy firms pay in full, others often only in part."""
    full = rng.random(due.shape) < sigmoid(base + slope * health)
    share = np.where(full, 1.0, rng.uniform(0.0, 0.9, size=due.shape))
    paid = money(due * share)
    return paid, due - paid


def monthly_frame(keys: dict[str, object], values: dict[str, np.ndarray]) -> pd.DataFrame:
    """A monthly table: the key columns first, then the measures."""
    return pd.DataFrame({**keys, **values})


def monthly_hints(bounds: dict[str, tuple[int, int]]) -> DPHints:
    """DP hints for a per-firm monthly table: one row per firm and month, at most 24 (the month
    is unique per firm, so joins of monthly tables on the firm and the month have ≤ 24 rows)."""
    return DPHints(
        privacy_unit="统一社会信用代码",
        max_rows_per_unit=MONTH_COUNT,
        numeric_bounds=tuple(NumericBound(c, lo, hi) for c, (lo, hi) in bounds.items()),
        categorical_domains=MONTHLY_DOMAINS,
        unique_per_unit=("所属期",),
    )
