"""The model card of a scorecard version: what a bank's validator reads before relying on it.

Data window, sample sizes, the features kept (bins, WoE, points, coefficients with standard
errors) and those dropped, the validation figures (out of sample, out of time, calibration,
stability) and the known limits. It is stored with the version, shown to stewards and served to
banks at ``report`` level; it holds no enterprise's data, only counts and model parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lab.credit.binning import MISSING

PSI_ALARM = 0.25
"""A PSI above this is a shift that needs action (the monitor raises an alarm)."""
MOSTLY_MISSING = 0.9
STANDING_LIMITS = (
    "Trained only on loans that were granted: how refused applicants would have performed is "
    "unknown (no reject inference).",
    "A default is 90+ days past due within 12 months of disbursement; loans younger than 12 "
    "months are not labelled yet.",
    "The score ranks risk and its calibration is checked per score band; the predicted rates "
    "come from the points scaling (5 % at 600, odds doubling every 50 points).",
)


def _feature(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": spec["name"],
        "coefficient": spec["coefficient"],
        "standard_error": spec["standard_error"],
        "bins": [
            {"label": b["label"], "woe": b["woe"], "points": b["points"]} for b in spec["bins"]
        ],
    }


def _summary(figures: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("loans", "defaults", "auc", "gini", "ks", "calibration")
    return {k: figures[k] for k in keys if k in figures}


def _limits(model: Mapping[str, Any], figures: Mapping[str, Any]) -> list[str]:
    limits = list(STANDING_LIMITS)
    development = figures["development"]["inputs"]
    for spec in model["inputs"]:
        labels = [b["label"] for b in spec["bins"]]
        share = development[spec["name"]][labels.index(MISSING)]
        if share >= MOSTLY_MISSING:
            limits.append(
                f"{spec['name']}: missing for {share:.0%} of the development loans (too little "
                "history before disbursement); its other bins rest on few loans."
            )
    for name, reason in sorted(model.get("dropped", {}).items()):
        limits.append(f"{name}: not in the model ({reason}).")
    current = figures.get("stability_current", {})
    for name, value in sorted(current.get("inputs", {}).items()):
        if value > PSI_ALARM:
            limits.append(
                f"{name}: the current population differs from development (PSI {value:.2f})."
            )
    if current.get("score", 0) > PSI_ALARM:
        limits.append(f"Score distribution shifted since development (PSI {current['score']:.2f}).")
    return limits


def model_card(
    model: Mapping[str, Any], figures: Mapping[str, Any], window: Mapping[str, Any]
) -> dict[str, Any]:
    """The card of one trained version from its model, validation figures and data window."""
    validation = {
        part: _summary(figures[part])
        for part in ("training", "out_of_sample", "out_of_time")
        if part in figures
    }
    for part in ("stability_out_of_time", "stability_current"):
        if part in figures:
            validation[part] = figures[part]
    return {
        "version": model["version"],
        "data_window": dict(window),
        "samples": {
            part: {"loans": figures[part]["loans"], "defaults": figures[part]["defaults"]}
            for part in ("training", "out_of_sample", "out_of_time")
            if part in figures
        },
        "scaling": {
            "base_score": model["base_score"],
            "base_odds": model["base_odds"],
            "pdo": model["pdo"],
        },
        "intercept": model.get("intercept"),
        "features": [_feature(spec) for spec in model["inputs"]],
        "dropped": dict(model.get("dropped", {})),
        "validation": validation,
        "known_limits": _limits(model, figures),
    }
