"""Scanning a whole staged column for embedded identifiers, one batch at a time.

The classifier detects column categories on a sample but must see *every* row of a free-text
column, or a remarks column with a few ID numbers in millions of rows would slip through. This
streams just that column from the staged Parquet, so memory stays at one batch.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from classification.scanner import ColumnScan, merge_scans, scan_column

BATCH_ROWS = 200_000


def scan_staged_column(table: Path, column: str) -> ColumnScan:
    """The scan of every row of ``column`` in the staged Parquet ``table``."""
    total = ColumnScan(0, 0, ())
    parquet = pq.ParquetFile(table)
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=[column]):
        part = batch.column(0).to_pandas()  # Arrow-backed strings: the scanner's RE2 fast path
        total = merge_scans(total, scan_column(part))
    return total
