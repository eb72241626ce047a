"""Mock rows from metadata alone: right columns, types, domains and bounds — no real values.

Analysts write and test their code on these before spending budget. Nothing here reads the
restricted table: categorical columns draw from their public code list, bounded numbers from
their bounds, the privacy unit gets made-up identifiers and other text columns placeholders.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from lab.gateway.domains import NumericBins
from lab.gateway.metadata import ColumnKind, TableMetadata

MAX_MOCK_ROWS = 10_000


def mock_rows(metadata: TableMetadata, n: int) -> list[dict[str, Any]]:
    """``n`` (at most MAX_MOCK_ROWS) fake rows, the same for the same table and ``n``."""
    n = max(0, min(n, MAX_MOCK_ROWS))
    seed = int(hashlib.sha256(metadata.name.encode()).hexdigest()[:8], 16)
    rng = np.random.default_rng(seed)
    columns = {
        name: _column(metadata, name, kind, n, rng) for name, kind in metadata.columns.items()
    }
    return [{name: values[i] for name, values in columns.items()} for i in range(n)]


def _column(
    metadata: TableMetadata, name: str, kind: ColumnKind, n: int, rng: np.random.Generator
) -> list[Any]:
    if name == metadata.privacy_unit:
        return [f"MOCK-{int(i):06d}" for i in rng.integers(0, max(1, n // 3) + 1, n)]
    if name in metadata.public_domains and not isinstance(
        metadata.generated_domains.get(name), NumericBins
    ):  # bins group a number column: its mock values are numbers within its bounds
        domain = list(metadata.public_domains[name])
        return [domain[int(i)] for i in rng.integers(0, len(domain), n)]
    if name in metadata.bounds:
        bounds = metadata.bounds[name]
        stored = rng.integers(bounds.lo, bounds.hi + 1, n)
        return [int(v) if bounds.scale == 1 else int(v) / bounds.scale for v in stored]
    if kind is ColumnKind.TEXT:
        return [f"示例{name}{int(i)}" for i in rng.integers(0, 50, n)]
    return [float(v) for v in rng.normal(0, 1, n)]
