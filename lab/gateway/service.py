"""One DP query, end to end: plan from metadata, price, reserve, compute, noise, record, answer.

Order matters and is the privacy argument of the whole path:

1. the query is planned against metadata only — a rejection costs nothing and says nothing
   about the data (plans are kept per dataset version and query text, ``prepared``);
2. its cost is known from the plan in exact budget units (each aggregate — and partition
   selection, when a group key has no public domain — gets an equal share of ε, or of ρ for a
   project under zCDP accounting; selection alone spends δ), every measurement is built and a
   hopeless one refused, free (``releases``); then the cost is reserved in the ledger before
   any data is read, at all three levels (project × dataset, organisation × dataset,
   organisation × privacy unit); an identical earlier query from any project of the
   organisation returns its stored answer, free;
3. the restricted table is scanned from an anonymous in-memory file (decrypted once and kept
   in a bounded cache of open tables, ``open_tables``) — or, for a Spark cluster, read by Spark
   from encrypted Parquet with keys unwrapped by the lab (``encrypted_tables``);
4. groups found in the data (keys without a public domain) are kept only if DP partition
   selection releases them (``partitions``); public groups are all present;
5. the small exact aggregate vector is noised with OpenDP, each value with its 95% interval;
6. the answer is stored, then returned. The steps after the reservation are total on any data
   (aggregates saturated into a fixed range, arithmetic that cannot raise — ``releases``); a
   failure there (the engine running out of memory) keeps the cost charged and surfaces as one
   generic message — or, when the version read stopped being served meanwhile (withdrawn or
   superseded mid-query), as one message saying so (409), the cost charged all the same.

A join of two datasets on their privacy unit (``joins``) follows the same path: both datasets'
served versions are resolved (the project must hold a budget on each), the plan is made against
both metadata, the cost is reserved at every level of both datasets and once on the shared unit
(``ledger``), and the engine scans both decrypted tables.
"""

from __future__ import annotations

import functools
import logging
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any

from lab.errors import Conflict, InternalError, InvalidInput
from lab.gateway.accounting import MICRO, PICO, PrivacyCost, Spend
from lab.gateway.accuracy import (
    AccuracyTarget,
    AggregateAccuracy,
    budget_for_accuracy,
    expected_accuracy,
)
from lab.gateway.encrypted_tables import EncryptedTables
from lab.gateway.engine import QueryEngine, run_compiled
from lab.gateway.engine_choice import engine_for, tables_for
from lab.gateway.errors import QueryRejected
from lab.gateway.ledger import BudgetLedger, ChargedBudgets, Reservation, query_key
from lab.gateway.open_tables import OpenTableCache
from lab.gateway.org_budgets import OrganisationCaps
from lab.gateway.partitions import released_groups
from lab.gateway.prepared import PreparedQueries, PreparedQuery
from lab.gateway.query import dataset_names
from lab.gateway.releases import (
    PlanCost,
    ReleasePlan,
    plan_cost,
    plan_releases,
    plan_zcdp_cost,
    release_answer,
)
from lab.gateway.table_exports import served_table_objects
from lab.gateway.targets import QueryTarget, QueryTargets
from lab.gateway.zcdp import Accounting, RhoSpend, implied_epsilon
from lab.services import LabServices

log = logging.getLogger("lab.gateway")
GENERIC_FAILURE = "the query could not be answered; its cost stays charged"
# A failed query whose version stopped being served meanwhile (withdrawn or superseded: with Spark
# on encrypted Parquet that deletes the export under it) says so: which version is served is
# public in the catalogue, so this tells nothing the generic failure does not, and it is no bug.
VERSION_CHANGED = (
    "the dataset's version was withdrawn or replaced while the query ran; its cost stays charged"
)
MOST_EPSILON = 10.0  # the largest ε (or ρ) one query may ask for, as the API allows


@dataclass(frozen=True)
class CostEstimate:
    """What a query would cost and how accurate each aggregate would be, before it runs.

    ``epsilon``/``delta`` is the charge under pure ε; under zCDP ``rho`` is the charge and
    ``epsilon`` the ε that ρ alone implies at the project's δ (shown, not what one query adds to
    a project that has spent before: ε(ρ) is concave, so later queries add less).
    ``target_half_width`` is the absolute half-width a target asked for (a relative one resolved).
    """

    accounting: Accounting
    epsilon: float
    delta: float
    rho: float | None
    accuracy: tuple[AggregateAccuracy, ...]
    target_half_width: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "accounting": self.accounting.value,
            "epsilon": self.epsilon,
            "delta": self.delta,
            "rho": self.rho,
            "target_half_width": self.target_half_width,
            "accuracy": [
                {"aggregate": a.aggregate, "half_width": a.half_width, "parts": a.parts}
                for a in self.accuracy
            ],
        }


@dataclass(frozen=True)
class DpAnswer:
    """Released values per group, each with its 95% interval, and what the query cost.

    ``budget_left``/``delta_left`` is what the tightest of the three levels charged (project,
    organisation × dataset, organisation × privacy unit) leaves for the next query. ``notes``
    say, per key with a public domain, that values outside it are in no group. Under zCDP
    ``rho`` is the ρ charged and ``epsilon``/``delta`` the (ε, δ) increment it implied.
    """

    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    epsilon: float
    delta: float
    cached: bool
    budget_left: float
    delta_left: float
    notes: tuple[str, ...] = ()
    rho: float | None = None

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
            "rho": self.rho,
        }


class DpGateway:
    """Answers DP queries for approved sandbox projects."""

    def __init__(
        self,
        lab: LabServices,
        engine: QueryEngine | None = None,
        tables: OpenTableCache | EncryptedTables | None = None,
    ) -> None:
        self.lab = lab
        self.engine: QueryEngine = engine if engine is not None else engine_for(lab.settings)
        self._own_engine = self.engine if engine is None else None
        self.ledger = BudgetLedger(lab.sessions)
        self.targets = QueryTargets(OrganisationCaps.of(lab.settings))
        self.prepared = PreparedQueries(max_groups=lab.settings.gateway_max_domain_groups)
        self.tables = tables or tables_for(lab)

    def close(self) -> None:
        """Close the decrypted tables and the engine the gateway opened itself."""
        self.tables.close()
        if self._own_engine is not None:
            self._own_engine.close()

    def estimate_cost(
        self,
        *,
        slug: str,
        sql: str,
        epsilon: float | None = None,
        delta: float = 0.0,
        rho: float | None = None,
        accounting: Accounting = Accounting.PURE,
        project_delta: float = 0.0,
        target: AccuracyTarget | None = None,
    ) -> CostEstimate:
        """Plan only: the cost the query would be charged and each aggregate's 95% half-width
        (or QueryRejected). With a ``target`` the ε (or ρ) is the least that reaches it
        (``accuracy.budget_for_accuracy``) instead of the one given. Charges nothing."""
        with self.lab.sessions() as session:
            tables = [self.targets.table(session, s)[:2] for s in self.read_slugs(slug, sql)]
        prepared = self.prepared.prepare(
            tables[0][0], version_id=tables[0][1], sql=sql, delta=delta, joined=tuple(tables[1:])
        )
        plan = prepared.plan

        def costed(units: int) -> PlanCost:
            if accounting is Accounting.ZCDP:
                return plan_zcdp_cost(plan, units / MICRO)
            return plan_cost(plan, units / MICRO, delta)

        if target is not None:
            most = round(MOST_EPSILON * MICRO)
            units = budget_for_accuracy(
                plan, target.absolute, costed, aggregate=target.aggregate, most=most
            )
        else:
            units = _requested_units(accounting, epsilon, rho)
        cost = costed(units)
        accuracy = tuple(expected_accuracy(plan, plan_releases(plan, cost)))
        estimate = _estimate(cost, accuracy, project_delta)
        return replace(estimate, target_half_width=target.absolute if target else None)

    def query(
        self,
        *,
        project_id: int,
        slug: str,
        sql: str,
        actor: str,
        epsilon: float | None = None,
        delta: float = 0.0,
        rho: float | None = None,
    ) -> DpAnswer:
        """Run ``sql`` on ``slug`` for ``project_id``, charging ``epsilon`` (see the module doc);
        a project under zCDP accounting asks with ``rho`` instead."""
        with self.lab.sessions() as session:
            targets = [
                self.targets.target(session, slug=s, project_id=project_id)
                for s in self.read_slugs(slug, sql)
            ]
        target = targets[0]
        prepared = self.prepared.prepare(
            target.metadata,
            version_id=target.version_id,
            sql=sql,
            delta=delta,
            joined=tuple((t.metadata, t.version_id) for t in targets[1:]),
        )
        plan, budgets = prepared.plan, _charged(targets)
        if target.accounting is Accounting.ZCDP:
            _requested_units(Accounting.ZCDP, epsilon, rho)
            assert rho is not None  # _requested_units refuses a zCDP request without it
            releases = plan_releases(plan, plan_zcdp_cost(plan, rho))
            micro, pico, rho_micro = 0, 0, _rho_total(releases.cost).rho_micro
        else:
            _requested_units(Accounting.PURE, epsilon, rho)
            assert epsilon is not None  # _requested_units refuses a pure request without it
            releases = plan_releases(plan, plan_cost(plan, epsilon, delta))
            spent = _pure_total(releases.cost)
            micro, pico = spent.epsilon_micro, spent.delta_pico
            rho_micro = 0
        key = query_key(
            version_id=target.version_id,
            canonical_query=_versioned(plan.canonical_text, targets[1:]),
            epsilon_micro=micro,
            delta_pico=pico,
            rho_micro=rho_micro,
        )
        reservation = self.ledger.reserve(
            budgets=budgets,
            version_id=target.version_id,
            key=key,
            query_text=plan.canonical_text,
            cost_micro=micro,
            cost_delta_pico=pico,
            cost_rho_micro=rho_micro,
            actor=actor,
        )
        if reservation.cached_answer is None:
            objects = tuple(t.object_key for t in targets)
            answer = self._compute(prepared, releases, objects, reservation.release_id)
        else:
            answer = reservation.cached_answer
        state, shown = reservation.budgets, _shown(releases.cost, reservation)
        return DpAnswer(
            tuple(answer["columns"]),
            tuple(answer["rows"]),
            shown.epsilon,
            shown.delta,
            reservation.is_cached,
            state.remaining,
            state.delta_remaining,
            tuple(answer.get("notes", ())),  # answers stored before notes existed have none
            rho_micro / MICRO if rho_micro else None,
        )

    def read_slugs(self, slug: str, sql: str) -> tuple[str, ...]:
        """The datasets ``sql`` reads: ``slug`` alone, or — for a join — the two it names, in
        its order (``slug`` must be one of them). Reads the query text only."""
        names = _dataset_names(sql)
        if len(names) < 2:
            return (slug,)
        slugs = tuple(name.replace("_", "-") for name in names)
        if slug not in slugs:
            raise QueryRejected(f'the query does not read "{slug}": it reads {", ".join(slugs)}')
        return slugs

    def _compute(
        self,
        prepared: PreparedQuery,
        releases: ReleasePlan,
        object_keys: tuple[str, ...],
        release_id: int,
    ) -> dict[str, Any]:
        plan = prepared.plan
        try:
            with ExitStack() as leases:
                # open plaintext files, or (Spark reading them itself) EncryptedParquet folders
                plaintexts: list[Any] = [
                    leases.enter_context(self.tables.lease(k)) for k in object_keys
                ]
                exact = run_compiled(self.engine, prepared.compiled, *plaintexts)
            if releases.selection is not None:
                exact = released_groups(plan, exact, releases.selection)
            answer = release_answer(plan, exact, releases)
        except Exception as exc:  # data-dependent failures: charged, generic, logged by type only
            log.error("gateway query failed: %s", type(exc).__name__)
            self.ledger.record_failure(release_id)
            if not set(object_keys) <= served_table_objects(self.lab):
                raise Conflict(VERSION_CHANGED) from None
            raise InternalError(GENERIC_FAILURE) from None
        self.ledger.record_answer(release_id, answer)
        return answer


@functools.lru_cache(maxsize=1024)
def _dataset_names(sql: str) -> tuple[str, ...]:
    """``query.dataset_names``, kept per text (a repeated query parses it once)."""
    return dataset_names(sql)


def _charged(targets: list[QueryTarget]) -> ChargedBudgets:
    """The budgets a query on ``targets`` charges: the first's, plus each further dataset's
    project and organisation rows (their unit row is the same one: one organisation, one kind
    of unit, which planning checks)."""
    first = targets[0].budgets
    if any(t.budgets.unit != first.unit for t in targets[1:]):
        raise QueryRejected("the joined datasets are about different privacy units")
    return replace(first, joined=tuple((t.budgets.project, t.budgets.dataset) for t in targets[1:]))


def _versioned(canonical: str, joined: list[QueryTarget]) -> str:
    """The cache text of a query: its canonical text, and the versions of a join's other side."""
    versions = "".join(f"\x1fjoined:{t.version_id}" for t in joined)
    return f"{canonical}{versions}"


def _shown(cost: PlanCost, reservation: Reservation) -> PrivacyCost:
    """The (ε, δ) an answer shows: the plan's under pure ε; under zCDP what the reservation
    charged the (ε, δ) levels (the increment its ρ implies; nothing when cached)."""
    if isinstance(cost.total, Spend):
        return cost.total.shown()
    return PrivacyCost(reservation.cost_micro / MICRO, reservation.cost_delta_pico / PICO)


def _rho_total(cost: PlanCost) -> RhoSpend:
    """The total of a plan priced in ρ (zCDP)."""
    if not isinstance(cost.total, RhoSpend):
        raise InternalError("a zCDP plan was priced in ε; this is a bug")
    return cost.total


def _pure_total(cost: PlanCost) -> Spend:
    """The total of a plan priced in ε and δ (pure accounting)."""
    if not isinstance(cost.total, Spend):
        raise InternalError("a pure-ε plan was priced in ρ; this is a bug")
    return cost.total


def _requested_units(accounting: Accounting, epsilon: float | None, rho: float | None) -> int:
    """The ε (pure) or ρ (zCDP) asked for, in units; the other one must not be given."""
    if accounting is Accounting.ZCDP:
        if rho is None or epsilon is not None:
            raise InvalidInput("this project is accounted in ρ-zCDP: ask with rho, not epsilon")
        return RhoSpend.requested(rho).rho_micro
    if epsilon is None or rho is not None:
        raise InvalidInput("this project is accounted in pure ε: ask with epsilon, not rho")
    return Spend.requested(epsilon).epsilon_micro


def _estimate(
    cost: PlanCost, accuracy: tuple[AggregateAccuracy, ...], project_delta: float
) -> CostEstimate:
    """A ``CostEstimate`` of ``cost``: as charged (pure) or as ρ and the (ε, δ) it implies."""
    if isinstance(cost.total, RhoSpend):
        delta_pico = round(project_delta * PICO)
        epsilon = implied_epsilon(cost.total.rho_micro, delta_pico) if delta_pico else 0.0
        return CostEstimate(
            Accounting.ZCDP, epsilon, delta_pico / PICO, cost.total.rho_micro / MICRO, accuracy
        )
    shown = cost.total.shown()
    return CostEstimate(Accounting.PURE, shown.epsilon, shown.delta, None, accuracy)
