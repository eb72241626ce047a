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


LOOK_AHEAD = {"version": "sc-8f44aea049", "auc": 0.778, "ks": 0.468, "loans": 753}
"""The held-out figures published before features were point-in-time (features as of the end
of the data, after the loans were made): kept only to state the change from them."""


def _row(label: str, figures: Mapping[str, Any], months: object) -> str:
    span = "–".join(months) if isinstance(months, list) else "same as training"
    return (
        f"| {label} | {span} | {figures['loans']} | {figures['defaults']} | "
        f"{figures['auc']:.3f} | {figures['gini']:.3f} | {figures['ks']:.3f} |"
    )


def _calibration_lines(figures: Mapping[str, Any]) -> list[str]:
    parts = [p for p in ("out_of_sample", "out_of_time") if p in figures]
    head = " | ".join(f"{p.replace('_', ' ')}: loans / predicted / observed" for p in parts)
    lines = [f"| score band | {head} |", "|---|" + "---:|" * len(parts)]
    for i, band in enumerate(figures["out_of_sample"]["calibration"]):
        cells = []
        for part in parts:
            row = figures[part]["calibration"][i]
            rates = f"{row['predicted']:.1%} / {row['observed']:.1%}" if row["loans"] else "– / –"
            cells.append(f"{row['loans']} / {rates}")
        lines.append(f"| {band['band']} | {' | '.join(cells)} |")
    return lines


def _stability_lines(figures: Mapping[str, Any]) -> list[str]:
    parts = [p for p in ("stability_out_of_time", "stability_current") if p in figures]
    names = {
        "stability_out_of_time": "out-of-time loans",
        "stability_current": "current population",
    }
    lines = [
        "| PSI against development | " + " | ".join(names[p] for p in parts) + " |",
        "|---|" + "---:|" * len(parts),
        "| score band | " + " | ".join(f"{figures[p]['score']:.3f}" for p in parts) + " |",
    ]
    for name in figures[parts[0]]["inputs"]:
        cells = " | ".join(f"{figures[p]['inputs'][name]:.3f}" for p in parts)
        lines.append(f"| {name} | {cells} |")
    return lines


def validation_markdown(result: Any, *, scale: int, seed: int) -> str:
    """The validation section docs/credit.md shows, for the demo at ``scale`` and ``seed``."""
    figures, card = result.validation, result.card
    window = card["data_window"]
    later = figures.get("out_of_time")
    lines = [
        f"Scorecard `{result.model['version']}`, trained on the demo city at scale {scale:,} "
        f"(seed {seed}). Features {window.get('features', 'as of one day')}; the out-of-time "
        "test is the latest disbursement months, never trained on; the out-of-sample test is "
        "30 % of the earlier loans' enterprises, by a hash of the credit code.",
        "",
        "| part | vintages | loans | defaults | AUC | Gini | KS |",
        "|---|---|---:|---:|---:|---:|---:|",
        _row("training", figures["training"], window.get("development_vintages")),
        _row("out of sample", figures["out_of_sample"], window.get("development_vintages")),
    ]
    if later:
        lines.append(_row("out of time", later, window.get("out_of_time_vintages")))
    held = figures["out_of_sample"]
    lines += [
        "",
        f"Change from the look-ahead figures (scorecard `{LOOK_AHEAD['version']}`, features as "
        f"of the end of the data): held-out AUC {LOOK_AHEAD['auc']:.3f} → {held['auc']:.3f} out "
        f"of sample ({held['auc'] - LOOK_AHEAD['auc']:+.3f})"
        + (
            f", {later['auc']:.3f} out of time ({later['auc'] - LOOK_AHEAD['auc']:+.3f})"
            if later
            else ""
        )
        + f"; KS {LOOK_AHEAD['ks']:.3f} → {held['ks']:.3f}"
        + (f" / {later['ks']:.3f}" if later else "")
        + ".",
        "",
        "Calibration (predicted default rate from the points scaling, observed rate of the loans):",
        "",
        *_calibration_lines(figures),
    ]
    if any(p in figures for p in ("stability_out_of_time", "stability_current")):
        lines += ["", "Population stability (below 0.1 stable, above 0.25 needs action):", ""]
        lines += _stability_lines(figures)
    lines += ["", "Known limits (from the model card):", ""]
    lines += [f"* {limit}" for limit in card["known_limits"]]
    return "\n".join(lines)
