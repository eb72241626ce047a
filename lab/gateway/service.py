"""One DP query, end to end: plan from metadata, price, reserve, compute, noise, record, answer.

Order matters and is the privacy argument of the whole path:

1. the query is planned against metadata only — a rejection costs nothing and says nothing
   about the data (plans are kept per dataset version and query text, ``prepared``);
2. its cost is known from the plan in exact budget units (each aggregate — and partition
   selection, when a group key has no public domain — gets an equal share of ε; selection alone
   spends δ), every measurement is built and a hopeless one refused, free (``releases``); then the
   cost is reserved in the ledger before any data is read, at all three levels (project ×
   dataset, organisation × dataset, organisation × privacy unit); an identical earlier query
   from any project of the organisation returns its stored answer, free;
3. the restricted table is scanned from an anonymous in-memory file (decrypted once and kept
   in a bounded cache of open tables, ``open_tables``);
4. groups found in the data (keys without a public domain) are kept only if DP partition
   selection releases them (``partitions``); public groups are all present;
5. the small exact aggregate vector is noised with OpenDP, each value with its 95% interval;
6. the answer is stored, then returned. The steps after the reservation are total on any data
   (aggregates saturated into a fixed range, arithmetic that cannot raise — ``releases``); a
   failure there (the engine running out of memory) keeps the cost charged and surfaces as one
   generic message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from lab.errors import InternalError
from lab.gateway.accounting import PrivacyCost
from lab.gateway.engine import DuckDBEngine, QueryEngine, run_compiled
from lab.gateway.ledger import BudgetLedger, query_key
from lab.gateway.open_tables import OpenTableCache
from lab.gateway.org_budgets import OrganisationCaps
from lab.gateway.partitions import released_groups
from lab.gateway.prepared import PreparedQueries, PreparedQuery
from lab.gateway.releases import ReleasePlan, plan_cost, plan_releases, release_answer
from lab.gateway.targets import QueryTargets
from lab.services import LabServices

log = logging.getLogger("lab.gateway")
GENERIC_FAILURE = "the query could not be answered; its cost stays charged"


@dataclass(frozen=True)
class DpAnswer:
    """Released values per group, each with its 95% interval, and what the query cost.

    ``budget_left``/``delta_left`` is what the tightest of the three levels charged (project,
    organisation × dataset, organisation × privacy unit) leaves for the next query. ``notes``
    say, per key with a public domain, that values outside it are in no group.
    """

    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    epsilon: float
    delta: float
    cached: bool
    budget_left: float
    delta_left: float
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "rows": list(self.rows),
            "epsilon": self.epsilon,
            "delta": self.delta,
            "cached": self.cached,
            "budget_left": self.budget_left,
            "delta_left": self.delta_left,
            "notes": list(self.notes),
        }


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
        self.prepared = PreparedQueries(max_groups=lab.settings.gateway_max_domain_groups)
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
        cost = plan_cost(prepared.plan, epsilon, delta)
        plan_releases(prepared.plan, cost)
        return cost.total.shown()

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
        releases = plan_releases(plan, plan_cost(plan, epsilon, delta))
        micro, pico = releases.cost.total.epsilon_micro, releases.cost.total.delta_pico
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
            answer = self._compute(prepared, releases, target.object_key, reservation.release_id)
        else:
            answer = reservation.cached_answer
        state, shown = reservation.budgets, releases.cost.total.shown()
        return DpAnswer(
            tuple(answer["columns"]),
            tuple(answer["rows"]),
            shown.epsilon,
            shown.delta,
            reservation.is_cached,
            state.remaining,
            state.delta_remaining,
            tuple(answer.get("notes", ())),  # answers stored before notes existed have none
        )

    def _compute(
        self, prepared: PreparedQuery, releases: ReleasePlan, object_key: str, release_id: int
    ) -> dict:
        plan = prepared.plan
        try:
            with self.tables.lease(object_key) as plaintext:
                exact = run_compiled(self.engine, prepared.compiled, plaintext)
            if releases.selection is not None:
                exact = released_groups(plan, exact, releases.selection)
            answer = release_answer(plan, exact, releases)
        except Exception as exc:  # data-dependent failures: charged, generic, logged by type only
            log.error("gateway query failed: %s", type(exc).__name__)
            self.ledger.record_failure(release_id)
            raise InternalError(GENERIC_FAILURE) from None
        self.ledger.record_answer(release_id, answer)
        return answer
