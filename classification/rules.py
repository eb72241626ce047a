"""Dataset-level rules of the guide, applied after every column has its own finding.

* negative list: a listed category, or a header containing a listed cue, forces T5 (rejection);
* aggregate tables (count columns, no column identifying a subject): any count cell from 1 to
  ``small_cell_threshold - 1`` keeps the table at the guide's ``aggregate_level`` (T3);
* quasi-identifier combinations: when every group of a rule has a column, those columns and so the
  dataset rise to the rule's level (not for aggregate tables, whose rows are groups, not people).

Each rule returns the findings it changed (levels only ever rise) and reasons for the dataset.
"""

from __future__ import annotations

import pandas as pd

from classification.detectors import matched_cue
from classification.findings import UNMATCHED, ColumnFinding
from classification.guide import Guide
from classification.normalise import normalise_header
from classification.tiers import Tier

Findings = tuple[ColumnFinding, ...]


def _role(finding: ColumnFinding, guide: Guide) -> str | None:
    """The guide role of a finding's category (None when unmatched)."""
    return None if finding.category == UNMATCHED else guide.category(finding.category).role


def apply_negative_list(findings: Findings, guide: Guide) -> tuple[Findings, list[str]]:
    """Raise to T5 every column whose category or header is on the negative list."""
    updated, reasons = [], []
    for finding in findings:
        header = normalise_header(finding.name)
        for entry in guide.negative_list:
            listed = (
                entry.value == finding.category
                if entry.kind == "category"
                else matched_cue(header, (entry.value,)) is not None
            )
            if listed:
                reason = f"{header}: on the negative list ({entry.kind} {entry.value!r}: "
                finding = finding.raised_to(Tier.T5, reason + f"{entry.reason}) → T5")
                reasons.append(f"rejected: {header} is on the negative list ({entry.reason})")
        updated.append(finding)
    return tuple(updated), reasons


def is_aggregate_table(findings: Findings, guide: Guide) -> bool:
    """A table of group keys and counts: some count column and no column identifying a subject."""
    roles = {_role(f, guide) for f in findings}
    return "count" in roles and "identifier" not in roles


def apply_small_cells(
    frame: pd.DataFrame, findings: Findings, guide: Guide
) -> tuple[Findings, list[str]]:
    """Keep an aggregate table restricted when any count cell is below the threshold."""
    threshold = guide.small_cell_threshold
    updated, small_columns = [], []
    for position, finding in enumerate(findings):
        if _role(finding, guide) == "count":
            counts = pd.to_numeric(frame.iloc[:, position], errors="coerce")
            small = int(((counts >= 1) & (counts < threshold)).sum())
            if small:
                small_columns.append(finding.name)
                reason = (
                    f"{normalise_header(finding.name)}: aggregate table with {small:,} of "
                    f"{int(counts.notna().sum()):,} count cells between 1 and {threshold - 1} "
                    f"(small-cell threshold {threshold}) → stays restricted "
                    f"→ {guide.aggregate_level}"
                )
                finding = finding.raised_to(guide.aggregate_level, reason)
        updated.append(finding)
    if small_columns:
        return tuple(updated), [f"aggregate table with small cells in {', '.join(small_columns)}"]
    return tuple(updated), [f"aggregate table: every count cell is 0 or at least {threshold}"]


def apply_combinations(findings: Findings, guide: Guide) -> tuple[Findings, list[str]]:
    """Raise the columns of every quasi-identifier combination the table contains."""
    present = {f.category for f in findings}
    updated, reasons = list(findings), []
    for rule in guide.combinations:
        if not all(present.intersection(group) for group in rule.groups):
            continue
        members = {code for group in rule.groups for code in group}
        involved = [i for i, f in enumerate(updated) if f.category in members]
        names = " + ".join(normalise_header(updated[i].name) for i in involved)
        reason = f"combination '{rule.name}': {names} → {rule.level}"
        for i in involved:
            updated[i] = updated[i].raised_to(rule.level, reason)
        reasons.append(reason)
    return tuple(updated), reasons
