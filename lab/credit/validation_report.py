"""The validation section of docs/credit.md, as ``datalab credit validate-demo`` writes it.

Discrimination per part (training, out of sample, out of time), the change from the withdrawn
look-ahead figures, calibration per score band, population stability and the model card's known
limits, as Markdown tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
