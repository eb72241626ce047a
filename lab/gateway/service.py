"""One DP query, end to end: plan from metadata, price, reserve, compute, noise, record, answer.

Order matters and is the privacy argument of the whole path:

1. the query is planned against metadata only — a rejection costs nothing and says nothing
   about the data (plans are kept per dataset version and query text, ``prepared``);
2. its cost is known from the plan (each aggregate — and partition selection, when a group key
   has no public domain — gets an equal share of ε; selection alone spends δ) and reserved in
   the ledger before any data is read, at all three levels (project × dataset, organisation ×
   dataset, organisation × privacy unit); an identical earlier query from any project of the
   organisation returns its stored answer, free;
3. the restricted table is scanned from an anonymous in-memory file (decrypted once and kept
   in a bounded cache of open tables, ``open_tables``);
4. groups found in the data (keys without a public domain) are kept only if DP partition
   selection releases them (``partitions``); public groups are all present;
5. the small exact aggregate vector is noised with OpenDP, each value with its 95% interval;
6. the answer is stored, then returned. Any failure after step 2 keeps the cost charged and
   surfaces as one generic message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from lab.errors import InternalError
from lab.gateway.accounting import PrivacyCost, split_budget
from lab.gateway.engine import DuckDBEngine, QueryEngine, run_compiled
from lab.gateway.intervals import Estimate
from lab.gateway.ledger import BudgetLedger, query_key, to_micro, to_pico
from lab.gateway.mechanisms import make_mean_release, make_quantile_release, make_variance_release
from lab.gateway.noise import make_count_release, make_sum_release
from lab.gateway.open_tables import OpenTableCache
from lab.gateway.org_budgets import OrganisationCaps
from lab.gateway.partitions import released_groups, selection_for
from lab.gateway.prepared import PreparedQueries, PreparedQuery
from lab.gateway.query import Aggregate, AggregateKind, QueryPlan
from lab.gateway.targets import QueryTargets
from lab.services import LabServices

log = logging.getLogger("lab.gateway")
GENERIC_FAILURE = "the query could not be answered; its cost stays charged"


@dataclass(frozen=True)
class DpAnswer:
    """Released values per group, each with its 95% interval, and what the query cost.

    ``budget_left``/``delta_left`` is what the tightest of the three levels charged (project,
    organisation × dataset, organisation × privacy unit) leaves for the next query.
    """

    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    epsilon: float
    delta: float
    cached: bool
    budget_left: float
    delta_left: float

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "rows": list(self.rows),
            "epsilon": self.epsilon,
            "delta": self.delta,
            "cached": self.cached,
            "budget_left": self.budget_left,
            "delta_left": self.delta_left,
        }


@dataclass(frozen=True)
class PlanCost:
    """A plan's total (ε, δ) and its parts: one per aggregate, and partition selection's."""

    total: PrivacyCost
    aggregates: tuple[PrivacyCost, ...]
    selection: PrivacyCost | None


def plan_cost(plan: QueryPlan, epsilon: float, delta: float = 0.0) -> PlanCost:
    """What ``plan`` costs and how it is shared, known before any data is read.

    δ is spent only when a group key needs partition selection; a pure-ε plan costs δ = 0
    whatever ``delta`` says.
    """
    if not plan.needs_partition_selection:
        total = PrivacyCost(epsilon)
        return PlanCost(total, split_budget(total, len(plan.aggregates)), None)
    total = PrivacyCost(epsilon, delta)
    *shares, selection = split_budget(PrivacyCost(epsilon), len(plan.aggregates) + 1)
    return PlanCost(total, tuple(shares), PrivacyCost(selection.epsilon, delta))


class DpGateway:
    """Answers DP queries for approved sandbox projects."""

    def __init__(
        self,
        lab: LabServices,
        engine: QueryEngine | None = None,
        tables: OpenTableCache | None = None,
    ) -> None:
        self.lab = lab
        self._own_engine = DuckDBEngine() if engine is None else None
        self.engine = engine or self._own_engine
        self.ledger = BudgetLedger(lab.sessions)
        self.targets = QueryTargets(OrganisationCaps.of(lab.settings))
        self.prepared = PreparedQueries()
        self.tables = tables or OpenTableCache(
            lab.sealed.open_plaintext_memfd, lab.settings.gateway_cache_bytes
        )

    def close(self) -> None:
        """Close the decrypted tables and the engine the gateway opened itself."""
        self.tables.close()
        if self._own_engine is not None:
            self._own_engine.close()

    def estimate_cost(
        self, *, slug: str, sql: str, epsilon: float, delta: float = 0.0
    ) -> PrivacyCost:
        """Plan only: the cost the query would be charged (or QueryRejected)."""
        with self.lab.sessions() as session:
            metadata, version_id, _ = self.targets.table(session, slug)
        prepared = self.prepared.prepare(metadata, version_id=version_id, sql=sql, delta=delta)
        return plan_cost(prepared.plan, epsilon, delta).total

    def query(
        self,
        *,
        project_id: int,
        slug: str,
        sql: str,
        epsilon: float,
        actor: str,
        delta: float = 0.0,
    ) -> DpAnswer:
        """Run ``sql`` on ``slug`` for ``project_id``, charging ``epsilon`` (see the module doc)."""
        with self.lab.sessions() as session:
            target = self.targets.target(session, slug=slug, project_id=project_id)
        prepared = self.prepared.prepare(
            target.metadata, version_id=target.version_id, sql=sql, delta=delta
        )
        plan = prepared.plan
        cost = plan_cost(plan, epsilon, delta)
        micro, pico = to_micro(cost.total.epsilon), to_pico(cost.total.delta)
        key = query_key(
            version_id=target.version_id,
            canonical_query=plan.canonical_text,
            epsilon_micro=micro,
            delta_pico=pico,
        )
        reservation = self.ledger.reserve(
            budgets=target.budgets,
            version_id=target.version_id,
            key=key,
            query_text=plan.canonical_text,
            cost_micro=micro,
            cost_delta_pico=pico,
            actor=actor,
        )
        if reservation.cached_answer is None:
            answer = self._compute(prepared, cost, target.object_key, reservation.release_id)
        else:
            answer = reservation.cached_answer
        state = reservation.budgets
        return DpAnswer(
            tuple(answer["columns"]),
            tuple(answer["rows"]),
            cost.total.epsilon,
            cost.total.delta,
            reservation.is_cached,
            state.remaining,
            state.delta_remaining,
        )

    def _compute(
        self, prepared: PreparedQuery, cost: PlanCost, object_key: str, release_id: int
    ) -> dict:
        plan = prepared.plan
        try:
            with self.tables.lease(object_key) as plaintext:
                exact = run_compiled(self.engine, prepared.compiled, plaintext)
            if cost.selection is not None:
                exact = released_groups(plan, exact, selection_for(plan, cost.selection))
            answer = release_answer(plan, exact, cost.aggregates)
        except Exception as exc:  # data-dependent failures: charged, generic, logged by type only
            log.error("gateway query failed: %s", type(exc).__name__)
            self.ledger.record_failure(release_id)
            raise InternalError(GENERIC_FAILURE) from None
        self.ledger.record_answer(release_id, answer)
        return answer


def release_answer(plan: QueryPlan, exact: pa.Table, shares) -> dict[str, Any]:
    """Noise every aggregate of the exact per-group table; rows of keys, values and intervals."""
    keys = [k.column for k in plan.group_keys]
    groups = exact.select(keys).to_pylist() if keys else [{}]
    columns = list(keys)
    for aggregate, share in zip(plan.aggregates, shares, strict=True):
        name = _label(aggregate)
        columns += [name, f"{name}_low", f"{name}_high"]
        if not groups:  # partition selection released no group: nothing to noise
            continue
        for group, estimate in zip(groups, _estimates(plan, aggregate, share, exact), strict=True):
            group.update(
                {name: estimate.value, f"{name}_low": estimate.low, f"{name}_high": estimate.high}
            )
    return {"columns": columns, "rows": groups}


def _label(aggregate: Aggregate) -> str:
    if aggregate.kind is AggregateKind.COUNT_ROWS:
        return "count(*)"
    column = f"({aggregate.column})"
    suffix = f"@{aggregate.quantile}" if aggregate.kind is AggregateKind.QUANTILE else ""
    return f"{aggregate.kind.value.lower()}{column}{suffix}"


def _ints(table: pa.Table, name: str) -> list[int]:
    return [int(v or 0) for v in table.column(name).to_pylist()]


def _estimates(plan: QueryPlan, aggregate: Aggregate, share: PrivacyCost, exact: pa.Table):
    rows, eps, column = plan.table.max_rows_per_unit, share.epsilon, aggregate.column
    kind, bounds = aggregate.kind, plan.table.bounds.get(column) if column else None
    if kind is AggregateKind.COUNT_ROWS:
        return _vector(make_count_release(rows, eps), _ints(exact, "rows"))
    if kind is AggregateKind.COUNT:
        return _vector(make_count_release(rows, eps), _ints(exact, f"count:{column}"))
    if kind is AggregateKind.SUM:
        return _vector(make_sum_release(rows, bounds, eps), _ints(exact, f"sum:{column}"))
    if kind is AggregateKind.AVG:
        release = make_mean_release(rows, bounds, eps)
        return release.release(_ints(exact, f"count:{column}"), _ints(exact, f"sum:{column}"))
    if kind in (AggregateKind.VARIANCE, AggregateKind.STDDEV):
        variances = make_variance_release(rows, bounds, eps).release(
            _ints(exact, f"count:{column}"),
            _ints(exact, f"sum:{column}"),
            _ints(exact, f"sum_squares:{column}"),
        )
        return [v.square_root() for v in variances] if kind is AggregateKind.STDDEV else variances
    histograms = exact.column(f"histogram:{column}").to_pylist()
    release = make_quantile_release(rows, bounds, len(histograms[0]), eps)
    return [release.release(h, [aggregate.quantile])[0] for h in histograms]


def _vector(release, exact: list[int]) -> list[Estimate]:
    noisy = release.release(exact)
    return [Estimate(float(n), *map(float, release.interval95(n))) for n in noisy]
