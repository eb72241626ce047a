"""The demo scorecard: WoE bins, a logistic regression, points scaled to 600 at odds 19:1.

Training bins each input (quantile edges for numbers, one bin per category, one for missing),
replaces values by their weight of evidence ``WoE = ln(share of goods / share of bads)``, fits
``logit P(bad) = b0 + Σ b_j WoE_j`` by Newton's method with a small ridge, and turns each bin
into points: ``score = offset + factor·ln(odds good:bad)`` with ``factor = PDO / ln 2`` and
``offset = 600 − factor·ln 19``, so odds of 19:1 (a bad rate of 5 %) score 600 and each 50
points double the odds. Veto rules override the grade whatever the points.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

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
COUNT_INPUTS = frozenset(
    {
        "tax_arrears_24",
        "late_filings_24",
        "contribution_arrears_24",
        "penalties_24",
        "cases_as_defendant_24",
        "open_cases",
    }
)
COUNT_EDGES = [1.0, 2.0, 4.0]
"""Counts of events are mostly zero, so they get fixed bins: 0, 1, 2–3, 4 or more."""
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
QUANTILES = (0.2, 0.4, 0.6, 0.8)
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


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _bin_of(spec: Mapping[str, Any], value: object) -> int:
    """Index of the bin ``value`` falls in; the last bin holds missing values."""
    if _is_missing(value):
        return len(spec["bins"]) - 1
    if spec["kind"] == "category":
        labels = [b["label"] for b in spec["bins"]]
        return labels.index(str(value)) if str(value) in labels else len(labels) - 1
    return bisect.bisect_right(spec["edges"], float(value))  # numpy's side="right", no array


def _edges(values: np.ndarray) -> list[float]:
    present = values[~np.isnan(values)]
    if present.size == 0:
        return []
    return sorted({float(x) for x in np.quantile(present, QUANTILES)})


def _spec(name: str, column: Sequence[object]) -> dict[str, Any]:
    if name in CATEGORY_INPUTS:
        labels = sorted({str(v) for v in column if not _is_missing(v)})
        return {
            "name": name,
            "kind": "category",
            "bins": [{"label": x} for x in labels] + [{"label": "missing"}],
        }
    values = np.asarray([np.nan if _is_missing(v) else float(v) for v in column])
    edges = COUNT_EDGES if name in COUNT_INPUTS else _edges(values)
    bounds = [-math.inf, *edges, math.inf]
    bins = [{"label": f"[{lo:g}, {hi:g})"} for lo, hi in pairwise(bounds)]
    return {"name": name, "kind": "numeric", "edges": edges, "bins": [*bins, {"label": "missing"}]}


def _woe(bins: np.ndarray, bad: np.ndarray, count: int) -> np.ndarray:
    """Smoothed WoE per bin: ln((goods_i+½)/(G+½k) ÷ (bads_i+½)/(B+½k)); 0 for empty bins."""
    goods = np.bincount(bins[~bad], minlength=count) + 0.5
    bads = np.bincount(bins[bad], minlength=count) + 0.5
    woe = np.log((goods / goods.sum()) / (bads / bads.sum()))
    return np.where(np.bincount(bins, minlength=count) > 0, woe, 0.0)


def _fit(x: np.ndarray, y: np.ndarray, ridge: float = 1e-3) -> np.ndarray:
    """Logistic regression coefficients (intercept first) by Newton's method."""
    design = np.column_stack([np.ones(len(x)), x])
    beta = np.zeros(design.shape[1])
    penalty = ridge * np.eye(design.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-design @ beta))
        gradient = design.T @ (y - p) - penalty @ beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


def train(inputs: Sequence[Mapping[str, Any]], defaulted: Sequence[bool]) -> dict[str, Any]:
    """A scorecard model (JSON-ready) from model inputs and default labels."""
    bad = np.asarray(defaulted, dtype=bool)
    if bad.sum() < 10 or (~bad).sum() < 10:
        raise InvalidInput("training needs at least 10 defaulted and 10 repaid loans")
    names = (*CATEGORY_INPUTS, *NUMERIC_INPUTS)
    specs, columns = [], []
    for name in names:
        spec = _spec(name, [row.get(name) for row in inputs])
        index = np.asarray([_bin_of(spec, row.get(name)) for row in inputs])
        woe = _woe(index, bad, len(spec["bins"]))
        for entry, value in zip(spec["bins"], woe, strict=True):
            entry["woe"] = round(float(value), 6)
        specs.append(spec)
        columns.append(woe[index])
    beta = _fit(np.column_stack(columns), bad.astype(float))
    base_points = OFFSET - FACTOR * beta[0]
    for spec, coefficient in zip(specs, beta[1:], strict=True):
        spec["coefficient"] = round(float(coefficient), 6)
        for entry in spec["bins"]:
            entry["points"] = round(float(-FACTOR * coefficient * entry["woe"]), 2)
    model = {
        "base_points": round(float(base_points), 2),
        "inputs": specs,
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
        total += spec["bins"][_bin_of(spec, inputs.get(spec["name"]))]["points"]
    return total


def score(model: Mapping[str, Any], inputs: Mapping[str, Any]) -> Score:
    """Points, grade, top reasons (largest shortfall from each input's best bin), vetoes."""
    shortfalls = []
    for spec in model["inputs"]:
        got = spec["bins"][_bin_of(spec, inputs.get(spec["name"]))]["points"]
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


def grade_of(total: int) -> str:
    for floor, grade in GRADES:
        if total >= floor:
            return grade
    return LOWEST_GRADE


def auc(scores: np.ndarray, bad: np.ndarray) -> float:
    """Area under the ROC curve of ``scores`` ranking bads above goods (ties count half)."""
    ranks = _average_ranks(scores)
    n_bad, n_good = bad.sum(), (~bad).sum()
    return float((ranks[bad].sum() - n_bad * (n_bad + 1) / 2) / (n_bad * n_good))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    start = 0
    for end in range(1, len(values) + 1):
        if end == len(values) or sorted_values[end] != sorted_values[start]:
            ranks[order[start:end]] = (start + end + 1) / 2
            start = end
    return ranks


def ks(scores: np.ndarray, bad: np.ndarray) -> float:
    """Kolmogorov–Smirnov distance between the score distributions of bads and goods."""
    thresholds = np.unique(scores)
    bad_cdf = np.searchsorted(np.sort(scores[bad]), thresholds, side="right") / bad.sum()
    good_cdf = np.searchsorted(np.sort(scores[~bad]), thresholds, side="right") / (~bad).sum()
    return float(np.max(np.abs(bad_cdf - good_cdf)))


def validate(
    model: Mapping[str, Any], inputs: Sequence[Mapping[str, Any]], defaulted: Sequence[bool]
) -> dict[str, float]:
    """AUC and KS of the model on labelled enterprises (risk = minus points)."""
    bad = np.asarray(defaulted, dtype=bool)
    if bad.sum() == 0 or (~bad).sum() == 0:
        raise InvalidInput("validation needs both defaulted and repaid loans")
    risk = -np.asarray([points(model, row) for row in inputs])
    return {
        "auc": round(auc(risk, bad), 4),
        "ks": round(ks(risk, bad), 4),
        "loans": len(bad),
        "defaults": int(bad.sum()),
    }


def split(codes: Sequence[str], holdout_share: float = 0.3) -> np.ndarray:
    """True for the held-out enterprises: a stable hash of the credit code, not a random draw."""
    cut = int(holdout_share * 2**32)
    return np.asarray(
        [int.from_bytes(hashlib.sha256(c.encode()).digest()[:4], "big") < cut for c in codes]
    )
