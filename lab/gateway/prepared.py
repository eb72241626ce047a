"""Prepared queries: a query text's plan and compiled statement, kept per dataset version.

Planning (parsing and the allow-list checks) and compiling read the query text and the version's
metadata only — never data — and a published version's metadata never changes, so both are done
once per (version, text) and reused: an analyst who repeats a query with a fresh ε, or a
notebook re-run, skips them. The one planning input besides these is whether δ > 0 (it decides
whether keys without a public domain are accepted), so it is part of the key; a join is kept per
the versions of both its datasets. A rejected query is not kept: it raises every time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from lab.gateway.domains import DEFAULT_MAX_GROUPS
from lab.gateway.metadata import TableMetadata
from lab.gateway.planner import CompiledQuery, compile_plan
from lab.gateway.query import QueryPlan, plan_query

_KEPT = 1024


@dataclass(frozen=True)
class PreparedQuery:
    """A validated plan and the engine statement compiled from it."""

    plan: QueryPlan
    compiled: CompiledQuery


class PreparedQueries:
    """The most recently used prepared queries, at most ``size`` of them; a query over public
    domains answering more than ``max_groups`` groups is rejected (``plan_query``)."""

    def __init__(self, size: int = _KEPT, max_groups: int = DEFAULT_MAX_GROUPS) -> None:
        self._size = size
        self._max_groups = max_groups
        self._kept: OrderedDict[tuple[Any, ...], PreparedQuery] = OrderedDict()
        self._lock = threading.Lock()

    def prepare(
        self,
        metadata: TableMetadata,
        *,
        version_id: int,
        sql: str,
        delta: float,
        joined: tuple[tuple[TableMetadata, int], ...] = (),
    ) -> PreparedQuery:
        """The plan and statement of ``sql`` on this version (QueryRejected if not allowed);
        ``joined`` holds the (metadata, version) of a further dataset a join reads."""
        key = (version_id, sql, delta > 0, *(version for _, version in joined))
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return kept
        tables = [metadata, *(table for table, _ in joined)]
        plan = plan_query(sql, tables, delta=delta, max_groups=self._max_groups)
        prepared = PreparedQuery(plan, compile_plan(plan))
        with self._lock:
            self._kept[key] = prepared
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return prepared
