"""Monotonic optimal binning of the scorecard's inputs with optbinning, stored as plain JSON.

Each numeric input is cut by ``optbinning.OptimalBinning`` into at most ``MAX_BINS`` bins whose
default rate rises or falls monotonically (the direction chosen from the data), each holding at
least ``MIN_BIN_SHARE`` of the sample; categories are grouped the same way. A bin's weight of
evidence is optbinning's ``ln(share of goods / share of bads)``; values missing in training fall
in a last bin with their empirical WoE (0 when no training value was missing). The stored spec is
what ``scorecard`` reads: ``edges`` for numbers (a value ``v`` is in bin ``bisect_right(edges,
v)``), one labelled bin per category (a category never seen falls in the missing bin).
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

MAX_BINS = 6
MIN_BIN_SHARE = 0.05
MISSING = "missing"


def is_missing(value: object) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def bin_of(spec: Mapping[str, Any], value: Any) -> int:
    """Index of the bin ``value`` falls in; the last bin holds missing values."""
    if is_missing(value):
        return len(spec["bins"]) - 1
    if spec["kind"] == "category":
        labels = [b["label"] for b in spec["bins"]]
        return labels.index(str(value)) if str(value) in labels else len(labels) - 1
    return bisect.bisect_right(spec["edges"], float(value))


def _optimal_binning(name: str, kind: str):
    from optbinning import OptimalBinning  # slow import (OR-Tools): only when training

    options: dict[str, Any] = {"min_bin_size": MIN_BIN_SHARE, "max_n_bins": MAX_BINS}
    if kind == "numerical":
        options["monotonic_trend"] = "auto_asc_desc"
    return OptimalBinning(name=name, dtype=kind, **options)


def _finite(value: float) -> float:
    return round(float(value), 6) if math.isfinite(value) else 0.0


def bin_numeric(name: str, values: Sequence[Any], bad: np.ndarray) -> dict[str, Any]:
    """The spec of one numeric input: optimal monotonic edges and each bin's WoE."""
    x = np.asarray([np.nan if is_missing(v) else float(v) for v in values])
    if np.isnan(x).all():
        return _unbinned(name)
    binning = _optimal_binning(name, "numerical")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optbinning warns on constant inputs: one bin is right
        binning.fit(x, bad.astype(int))
    edges = [float(e) for e in binning.splits]
    bounds = [-math.inf, *edges, math.inf]
    probes = np.asarray([edges[0] - 1.0, *edges] if edges else [0.0])
    woe = binning.transform(probes, metric="woe")
    missing_woe = binning.transform(np.asarray([np.nan]), metric="woe", metric_missing="empirical")
    bins = [
        {"label": f"[{lo:g}, {hi:g})", "woe": _finite(w)}
        for (lo, hi), w in zip(pairwise(bounds), woe, strict=True)
    ]
    return {
        "name": name,
        "kind": "numeric",
        "edges": edges,
        "bins": [*bins, {"label": MISSING, "woe": _finite(missing_woe[0])}],
    }


def _unbinned(name: str) -> dict[str, Any]:
    """The spec of an input no training row has: one empty bin and the missing bin, WoE 0."""
    bins = [{"label": "[-inf, inf)", "woe": 0.0}, {"label": MISSING, "woe": 0.0}]
    return {"name": name, "kind": "numeric", "edges": [], "bins": bins}


def bin_category(name: str, values: Sequence[object], bad: np.ndarray) -> dict[str, Any]:
    """The spec of one categorical input: one bin per category, carrying its group's WoE."""
    x = np.asarray(["" if is_missing(v) else str(v) for v in values], dtype=object)
    present = x != ""
    binning = _optimal_binning(name, "categorical")
    binning.fit(x[present], bad[present].astype(int))
    labels = sorted(set(x[present]))
    woe = binning.transform(np.asarray(labels, dtype=object), metric="woe")
    groups = {str(c): i for i, group in enumerate(binning.splits) for c in group}
    bins = [
        {"label": label, "group": groups.get(label, -1), "woe": _finite(w)}
        for label, w in zip(labels, woe, strict=True)
    ]
    missing_woe = _missing_woe(bad, present)
    return {
        "name": name,
        "kind": "category",
        "bins": [*bins, {"label": MISSING, "woe": missing_woe}],
    }


def _missing_woe(bad: np.ndarray, present: np.ndarray) -> float:
    """Empirical WoE of the rows without a value (0 when there are none, or no goods or bads)."""
    absent = ~present
    goods, bads = int((absent & ~bad).sum()), int((absent & bad).sum())
    if goods == 0 or bads == 0:
        return 0.0
    return _finite(math.log((goods / (~bad).sum()) / (bads / bad.sum())))
