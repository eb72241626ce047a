"""Prepared queries: reused per (version, text), never across versions, never past a rejection."""

from __future__ import annotations

import pytest

from lab.gateway.errors import QueryRejected
from lab.gateway.prepared import PreparedQueries
from tests.unit.lab.gateway.test_planner import AMOUNT, TABLE

BY_INDUSTRY = 'SELECT "行业", COUNT(*) FROM "tax-monthly" GROUP BY "行业"'


def test_same_text_on_same_version_is_prepared_once() -> None:
    """A repeated query reuses its plan; another version or text gets its own."""
    prepared = PreparedQueries()
    sql = f'SELECT SUM("{AMOUNT}") FROM "tax-monthly"'
    first = prepared.prepare(TABLE, version_id=1, sql=sql, delta=0.0)
    assert prepared.prepare(TABLE, version_id=1, sql=sql, delta=0.0) is first
    assert prepared.prepare(TABLE, version_id=2, sql=sql, delta=0.0) is not first
    assert "read_parquet(?)" in first.compiled.sql


def test_a_key_without_domain_still_needs_delta_after_it_was_prepared_with_one() -> None:
    """Preparing with δ > 0 does not let the same text through later with δ = 0."""
    prepared = PreparedQueries()
    assert prepared.prepare(TABLE, version_id=1, sql=BY_INDUSTRY, delta=1e-6).plan.group_keys
    with pytest.raises(QueryRejected, match="delta"):
        prepared.prepare(TABLE, version_id=1, sql=BY_INDUSTRY, delta=0.0)


def test_rejections_are_not_kept_and_old_entries_are_evicted() -> None:
    """A rejected text raises every time; the least recently used entry leaves first."""
    prepared = PreparedQueries(size=1)
    for _ in range(2):
        with pytest.raises(QueryRejected):
            prepared.prepare(TABLE, version_id=1, sql='SELECT * FROM "tax-monthly"', delta=0.0)
    sql = 'SELECT COUNT(*) FROM "tax-monthly"'
    first = prepared.prepare(TABLE, version_id=1, sql=sql, delta=0.0)
    prepared.prepare(TABLE, version_id=2, sql=sql, delta=0.0)
    assert prepared.prepare(TABLE, version_id=1, sql=sql, delta=0.0) is not first
