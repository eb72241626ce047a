"""How well a scorecard separates and calibrates, and how far a population has moved.

* ``discrimination`` — AUC (scikit-learn), Gini = 2·AUC − 1 and the Kolmogorov–Smirnov distance
  (scipy) between the score distributions of defaulted and repaid loans.
* ``calibration`` — per score band, the loans, the mean predicted default rate (from the points
  scaling) and the observed one.
* ``psi`` — the population stability index ``Σ (a − e)·ln(a / e)`` between the shares ``e`` of a
  development sample and ``a`` of a current population over the same bins; below 0.1 is stable,
  0.1–0.25 a shift worth watching, above 0.25 a shift that needs action.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lab.credit import scorecard
from lab.errors import InvalidInput

SCORE_BANDS = (680, 630, 580, 530)
"""Score-band floors, highest first: the grade boundaries A–D (E below the last)."""
PSI_FLOOR = 1e-4
"""Share given to an empty bin so that ln(a / e) stays finite."""


def auc(risk: np.ndarray, bad: np.ndarray) -> float:
    """Area under the ROC curve of ``risk`` ranking bads above goods (ties count half)."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(bad.astype(int), risk))


def ks(risk: np.ndarray, bad: np.ndarray) -> float:
    """Kolmogorov–Smirnov distance between the risk distributions of bads and goods."""
    from scipy.stats import ks_2samp

    return float(ks_2samp(risk[bad], risk[~bad]).statistic)


def discrimination(points: np.ndarray, bad: np.ndarray) -> dict[str, Any]:
    """Loans, defaults, AUC, Gini and KS of a scored, labelled sample (risk = minus points)."""
    if bad.sum() == 0 or (~bad).sum() == 0:
        raise InvalidInput("validation needs both defaulted and repaid loans")
    area = auc(-points, bad)
    return {
        "loans": len(bad),
        "defaults": int(bad.sum()),
        "auc": round(area, 4),
        "gini": round(2 * area - 1, 4),
        "ks": round(ks(-points, bad), 4),
    }


def band_of(total: float) -> str:
    """The score band (``≥680``, ``630–679`` … ``<530``) of a points total."""
    floors = (*SCORE_BANDS, None)
    for floor, ceiling in zip(floors, (None, *SCORE_BANDS), strict=False):
        if floor is None:
            return f"<{SCORE_BANDS[-1]}"
        if total >= floor:
            return f"≥{floor}" if ceiling is None else f"{floor}–{ceiling - 1}"
    raise AssertionError("unreachable: the last band has no floor (this is a bug)")


def band_labels() -> list[str]:
    """Every score band, best first."""
    return [band_of(floor) for floor in SCORE_BANDS] + [band_of(SCORE_BANDS[-1] - 1)]


def calibration(points: np.ndarray, bad: np.ndarray) -> list[dict[str, Any]]:
    """Per score band: loans, defaults, mean predicted and observed default rate."""
    bands = np.asarray([band_of(p) for p in points])
    predicted = np.asarray([scorecard.default_probability(p) for p in points])
    rows = []
    for label in band_labels():
        inside = bands == label
        count = int(inside.sum())
        rows.append(
            {
                "band": label,
                "loans": count,
                "defaults": int(bad[inside].sum()),
                "predicted": round(float(predicted[inside].mean()), 4) if count else None,
                "observed": round(float(bad[inside].mean()), 4) if count else None,
            }
        )
    return rows


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index between two share vectors over the same bins."""
    e = np.maximum(np.asarray(expected, dtype=float), PSI_FLOOR)
    a = np.maximum(np.asarray(actual, dtype=float), PSI_FLOOR)
    if e.shape != a.shape:
        raise InvalidInput("PSI needs the same bins on both sides")
    return round(float(np.sum((a - e) * np.log(a / e))), 4)


def shares(labels: Sequence[str], order: Sequence[str]) -> list[float]:
    """The share of ``labels`` in each of ``order`` (0 for a label never seen)."""
    total = max(len(labels), 1)
    counts = {label: 0 for label in order}
    for label in labels:
        counts[label] += 1
    return [counts[label] / total for label in order]


def input_bins(model: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> dict[str, list]:
    """Per model input, the bin label each row falls in."""
    return {
        spec["name"]: [
            spec["bins"][scorecard.bin_of(spec, row.get(spec["name"]))]["label"] for row in rows
        ]
        for spec in model["inputs"]
    }


def distribution(model: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The shares of a population over each input's bins and over the score bands."""
    result = {
        name: shares(labels, [b["label"] for b in spec["bins"]])
        for spec, (name, labels) in zip(
            model["inputs"], input_bins(model, rows).items(), strict=True
        )
    }
    scores = [band_of(scorecard.points(model, row)) for row in rows]
    return {"inputs": result, "score": shares(scores, band_labels()), "size": len(rows)}


def stability(development: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """PSI of the score and of each input between two ``distribution`` results."""
    return {
        "score": psi(development["score"], current["score"]),
        "inputs": {
            name: psi(expected, current["inputs"][name])
            for name, expected in development["inputs"].items()
        },
    }
