"""The demo scorecard: WoE bins, a logistic regression, points scaled to 600 at odds 19:1.

Training bins each input with optbinning (``binning``: monotonic optimal bins, one for missing),
replaces values by their weight of evidence ``WoE = ln(share of goods / share of bads)``, fits
``logit P(bad) = b0 + Σ b_j WoE_j`` by maximum likelihood with statsmodels (coefficients and
standard errors are stored), and turns each bin into points: ``score = offset + factor·ln(odds
good:bad)`` with ``factor = PDO / ln 2`` and ``offset = 600 − factor·ln 19``, so odds of 19:1 (a
bad rate of 5 %) score 600 and each 50 points double the odds. Veto rules override the grade
whatever the points.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lab.credit.binning import bin_category, bin_numeric, bin_of
from lab.errors import InvalidInput

BASE_SCORE, BASE_ODDS, PDO = 600, 19.0, 50
FACTOR = PDO / math.log(2)
OFFSET = BASE_SCORE - FACTOR * math.log(BASE_ODDS)
NUMERIC_INPUTS = (
    "tax_paid_yoy",
    "tax_arrears_24",
    "late_filings_24",
    "headcount_trend",
    "contribution_arrears_24",
    "utilities_on_time_24",
    "penalties_24",
    "cases_as_defendant_24",
    "open_cases",
    "age_years",
)
CATEGORY_INPUTS = ("tax_grade",)
REASONS = {
    "tax_grade": ("R01", "纳税信用等级偏低"),
    "tax_paid_yoy": ("R02", "纳税额同比下降"),
    "tax_arrears_24": ("R03", "存在欠税月份"),
    "late_filings_24": ("R04", "存在逾期申报"),
    "headcount_trend": ("R05", "参保人数下降"),
    "contribution_arrears_24": ("R06", "社保存在欠缴"),
    "utilities_on_time_24": ("R07", "水电按时缴费率偏低"),
    "penalties_24": ("R08", "近期受到行政处罚"),
    "cases_as_defendant_24": ("R09", "近期作为被告涉诉"),
    "open_cases": ("R10", "存在未结诉讼"),
    "age_years": ("R11", "经营年限较短"),
}
VETOES = (
    ("dishonest_active", "V01", "被列入失信被执行人名单（未移出）"),
    ("abnormal_active", "V02", "被列入经营异常名录（未移出）"),
)
GRADES = ((680, "A"), (630, "B"), (580, "C"), (530, "D"))
LOWEST_GRADE, VETO_GRADE = "E", "X"
TOP_REASONS = 3


@dataclass(frozen=True)
class Score:
    """A scored enterprise: points, grade, the top reason codes and any vetoes."""

    points: int
    grade: str
    reasons: tuple[dict[str, str], ...]
    vetoes: tuple[dict[str, str], ...]
    version: str

    def to_json(self) -> dict[str, Any]:
        return {
            "points": self.points,
            "grade": self.grade,
            "reasons": list(self.reasons),
            "vetoes": list(self.vetoes),
            "scorecard_version": self.version,
        }


def _columns(
    inputs: Sequence[Mapping[str, Any]], bad: np.ndarray
) -> tuple[list[dict[str, Any]], list[np.ndarray]]:
    """Each input's bin spec and its WoE column over the training rows."""
    specs, columns = [], []
    for name in (*CATEGORY_INPUTS, *NUMERIC_INPUTS):
        values = [row.get(name) for row in inputs]
        binner = bin_category if name in CATEGORY_INPUTS else bin_numeric
        spec = binner(name, values, bad)
        woe = np.asarray([b["woe"] for b in spec["bins"]])
        specs.append(spec)
        columns.append(woe[[bin_of(spec, v) for v in values]])
    return specs, columns


def _fit(specs: list[dict[str, Any]], columns: list[np.ndarray], bad: np.ndarray):
    """Logistic regression of default on the kept inputs' WoE (statsmodels, maximum likelihood).

    An input is dropped when its WoE does not vary (one bin) or when its coefficient comes out
    positive (more WoE, i.e. a better bin, would raise the default risk: collinearity, not
    evidence); the fit is repeated until every kept coefficient is negative.
    """
    import statsmodels.api as sm

    kept = [i for i, column in enumerate(columns) if np.ptp(column) > 0]
    dropped = {specs[i]["name"]: "one bin" for i in range(len(specs)) if i not in kept}
    while True:
        if not kept:
            raise InvalidInput("no input separates defaulted from repaid loans: nothing to fit")
        design = sm.add_constant(np.column_stack([columns[i] for i in kept]), has_constant="add")
        result = sm.Logit(bad.astype(float), design).fit(disp=0, method="newton", maxiter=100)
        wrong = [i for i, b in zip(kept, result.params[1:], strict=True) if b >= 0]
        if not wrong:
            return kept, dropped, result
        worst = max(wrong, key=lambda i: result.params[1 + kept.index(i)])
        dropped[specs[worst]["name"]] = "positive coefficient"
        kept.remove(worst)


def train(inputs: Sequence[Mapping[str, Any]], defaulted: Sequence[bool]) -> dict[str, Any]:
    """A scorecard model (JSON-ready) from model inputs and default labels."""
    bad = np.asarray(defaulted, dtype=bool)
    if bad.sum() < 10 or (~bad).sum() < 10:
        raise InvalidInput("training needs at least 10 defaulted and 10 repaid loans")
    specs, columns = _columns(inputs, bad)
    kept, dropped, fit = _fit(specs, columns, bad)
    errors = fit.bse
    model_inputs = []
    for position, i in enumerate(kept, start=1):
        spec, coefficient = specs[i], float(fit.params[position])
        spec["coefficient"] = round(coefficient, 6)
        spec["standard_error"] = round(float(errors[position]), 6)
        for entry in spec["bins"]:
            entry["points"] = round(-FACTOR * coefficient * entry["woe"], 2)
        model_inputs.append(spec)
    model = {
        "base_points": round(float(OFFSET - FACTOR * fit.params[0]), 2),
        "intercept": {
            "coefficient": round(float(fit.params[0]), 6),
            "standard_error": round(float(errors[0]), 6),
        },
        "inputs": model_inputs,
        "dropped": dropped,
        "pdo": PDO,
        "base_score": BASE_SCORE,
        "base_odds": BASE_ODDS,
    }
    digest = hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()[:10]
    return {**model, "version": f"sc-{digest}"}


def points(model: Mapping[str, Any], inputs: Mapping[str, Any]) -> float:
    """Unrounded points of one enterprise."""
    total = model["base_points"]
    for spec in model["inputs"]:
        total += spec["bins"][bin_of(spec, inputs.get(spec["name"]))]["points"]
    return total


def score(model: Mapping[str, Any], inputs: Mapping[str, Any]) -> Score:
    """Points, grade, top reasons (largest shortfall from each input's best bin), vetoes."""
    shortfalls = []
    for spec in model["inputs"]:
        got = spec["bins"][bin_of(spec, inputs.get(spec["name"]))]["points"]
        best = max(b["points"] for b in spec["bins"])
        if best - got > 0.5:
            shortfalls.append((best - got, spec["name"]))
    shortfalls.sort(reverse=True)
    reasons = tuple(
        {"code": REASONS[name][0], "text": REASONS[name][1]} for _, name in shortfalls[:TOP_REASONS]
    )
    vetoes = tuple(
        {"code": code, "text": text} for key, code, text in VETOES if (inputs.get(key) or 0) > 0
    )
    total = round(points(model, inputs))
    return Score(
        total, VETO_GRADE if vetoes else grade_of(total), reasons, vetoes, model["version"]
    )


def default_probability(total: float) -> float:
    """The default probability the scaling assigns to ``total`` points (5 % at 600)."""
    return 1.0 / (1.0 + math.exp((total - OFFSET) / FACTOR))


def grade_of(total: int) -> str:
    """The letter grade of a points total (vetoes aside)."""
    for floor, grade in GRADES:
        if total >= floor:
            return grade
    return LOWEST_GRADE


def split(codes: Sequence[str], holdout_share: float = 0.3) -> np.ndarray:
    """True for the held-out enterprises: a stable hash of the credit code, not a random draw."""
    cut = int(holdout_share * 2**32)
    return np.asarray(
        [int.from_bytes(hashlib.sha256(c.encode()).digest()[:4], "big") < cut for c in codes]
    )
