"""Classify a dataset: ``classify_frame`` turns a frame of strings into a ``DatasetClassification``.

Steps, each recorded in the reasons:

1. column detection (``detectors``) on a fixed, seeded sample of at most ``sample_rows`` rows;
2. the free-text scanner (``scanner``) over EVERY row of each text-like column, so a remarks
   column with three ID numbers in a million rows is still caught;
3. dataset rules (``rules``): negative list, small cells of aggregate tables, quasi-identifier
   combinations;
4. the tier is the strictest column level (就高从严), and the guide version is recorded.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from classification.detectors import NOUNS, detect_column
from classification.errors import ClassificationError
from classification.findings import ColumnFinding, DatasetClassification
from classification.guide import Guide
from classification.normalise import normalise_header
from classification.rules import (
    apply_combinations,
    apply_negative_list,
    apply_small_cells,
    is_aggregate_table,
)
from classification.scanner import ColumnScan, scan_column
from classification.tiers import Tier, strictest

DEFAULT_SAMPLE_ROWS = 20_000
SAMPLE_SEED = 20_260_101


def classify_frame(
    frame: pd.DataFrame,
    *,
    guide: Guide,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    total_rows: int | None = None,
    full_scan: Callable[[str], ColumnScan] | None = None,
) -> DatasetClassification:
    """Propose a tier for ``frame`` (string cells, None for nulls) under ``guide``.

    ``total_rows`` is the size of the file when ``frame`` is only part of it; it is reported in
    the reasons and changes nothing else. ``full_scan``, when given, scans a named column of the
    *whole* file (the caller streams it); without it the free-text scanner reads ``frame``, so
    only the rows in ``frame`` are scanned.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ClassificationError(f"classify_frame needs a pandas DataFrame, not {type(frame)}")
    if sample_rows < 1:
        raise ClassificationError("sample_rows must be at least 1")
    positions = _sample_positions(len(frame), sample_rows)
    findings, scanned = _column_findings(frame, positions, guide, full_scan)
    findings, rule_reasons = _dataset_rules(frame, findings, guide)
    tier = strictest(f.level for f in findings)
    reasons = (
        _scope(frame, positions, scanned, total_rows),
        _tier_reason(tier, findings),
        *rule_reasons,
    )
    return DatasetClassification(tier, guide.version, findings, reasons)


def _sample_positions(rows: int, sample_rows: int) -> np.ndarray:
    """Row positions used for detection: all rows, or a fixed seeded sample in file order."""
    if rows <= sample_rows:
        return np.arange(rows)
    chosen = np.random.default_rng(SAMPLE_SEED).choice(rows, size=sample_rows, replace=False)
    return np.sort(chosen)


def _column_findings(
    frame: pd.DataFrame,
    positions: np.ndarray,
    guide: Guide,
    full_scan: Callable[[str], ColumnScan] | None,
) -> tuple[tuple[ColumnFinding, ...], int]:
    """Detect every column and scan the text-like ones in full; return findings and scan count."""
    findings, scanned = [], 0
    for index, name in enumerate(frame.columns):
        column = frame.iloc[:, index]
        detection = detect_column(name, column.iloc[positions], guide)
        finding = detection.finding
        if detection.scan_free_text:
            scan = full_scan(str(name)) if full_scan else scan_column(column)
            finding = _with_embedded(finding, scan, guide)
            scanned += 1
        findings.append(finding)
    return tuple(findings), scanned


def _with_embedded(finding: ColumnFinding, scan: ColumnScan, guide: Guide) -> ColumnFinding:
    """Raise a column to the level of the strictest identifier found embedded in its text; name
    every kind found that is stricter than the column was on its own."""
    detected = finding.level
    for kind in scan.found:
        category = next((c for c in guide.categories if c.validator == kind.kind), None)
        if category is None or category.level <= detected:
            continue
        rows = ", ".join(str(r) for r in kind.rows)
        reason = (
            f"{normalise_header(finding.name)}: {kind.count:,} {NOUNS[kind.kind]} embedded in "
            f"free text (first at rows {rows}; all {scan.rows_scanned:,} rows scanned) "
            f"→ {category.code} → {category.level}"
        )
        finding = finding.raised_to(category.level, reason)
    return finding


def _dataset_rules(
    frame: pd.DataFrame, findings: tuple[ColumnFinding, ...], guide: Guide
) -> tuple[tuple[ColumnFinding, ...], list[str]]:
    """Apply the negative list, then small cells (aggregates) or combinations (row-level data)."""
    findings, reasons = apply_negative_list(findings, guide)
    if is_aggregate_table(findings, guide):
        findings, more = apply_small_cells(frame, findings, guide)
    else:
        findings, more = apply_combinations(findings, guide)
    return findings, reasons + more


def _scope(frame: pd.DataFrame, positions: np.ndarray, scanned: int, total_rows: int | None) -> str:
    """What was read: sampled rows for detection, rows scanned for free text, the file's size."""
    partial = total_rows is not None and total_rows != len(frame)
    of_file = f" (a sample of a file of {total_rows:,} rows)" if partial else ""
    return (
        f"scope: {len(frame.columns)} columns, {len(frame):,} rows{of_file}; detection on "
        f"{len(positions):,} sampled rows; free text scanned in every row of {scanned} column(s)"
    )


def _tier_reason(tier: Tier, findings: tuple[ColumnFinding, ...]) -> str:
    """Why the dataset has its tier: the columns at that level (strictest column wins)."""
    leaders = [f for f in findings if f.level is tier]
    if not leaders:
        return f"tier {tier} ({tier.label_zh}): no columns"
    named = ", ".join(f"{normalise_header(f.name)} ({f.category})" for f in leaders[:5])
    more = f" and {len(leaders) - 5} more" if len(leaders) > 5 else ""
    return f"tier {tier} ({tier.label_zh}) = strictest column level (就高从严): {named}{more}"
