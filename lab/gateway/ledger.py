"""The privacy-budget ledger: a query's cost is reserved atomically before any data is touched.

Costs are integers in micro-ε and pico-δ, so budget arithmetic is exact. Every query is charged
at three levels (``ChargedBudgets``): the project's budget on the dataset, the organisation's
budget on the dataset, and the organisation's budget on the dataset's kind of privacy unit
(``org_budgets``). ``reserve`` runs one transaction:

1. an identical query (same dataset version, canonical text, ε and δ — the ``query_key``)
   already answered for *any project of the organisation* returns its stored answer, free, so
   noise cannot be averaged away by asking again or by asking from a second project;
2. otherwise one conditional ``UPDATE … SET spent = spent + cost WHERE spent + cost <= limit``
   (ε and δ together) per level charges it — the two organisation rows in ascending id order,
   then the project's row, the same order everywhere, so PostgreSQL's row locks cannot
   deadlock. A level that would be overspent matches no row; the whole transaction then rolls
   back, so the charge is all-or-nothing and concurrent queries can never overspend any level,
   on SQLite (one writer at a time) as on PostgreSQL (the update re-checks the locked row);
3. a release row is inserted in state ``reserved``; the unique (organisation budget,
   query_key) constraint makes a concurrent identical query fail its insert, which rolls its
   charges back.

Under ρ-zCDP accounting (``zcdp``) the project's row is charged first, in micro-ρ, by the same
kind of conditional update on ``rho_spent_micro``; its result fixes the (ε, δ) increment that the
project's and the organisation's dataset levels are then charged as above (the unit level: below):
ε(ρ_after) − ε(ρ_before) in micro-ε (OpenDP's conversion
at the project's δ, rounded up — the increments telescope to ε(ρ_total)) and the project's δ on
its first charge only. Locking that project row before the organisation rows cannot deadlock:
pure-ε queries never lock a zCDP project's row, and zCDP queries of one project queue on it
before they take any organisation row (still in ascending id order).

The organisation's unit level is charged from the project's ρ *on the unit*
(``ProjectUnitRho``): every release of the project on a dataset about that unit adds its ρ
there once — a join too — since adding or removing one unit changes all of them, and they
compose in ρ. The unit row is charged ε(ρ_after) − ε(ρ_before) of that tally (at the δ it was
made with, δ on its first charge only), so it holds exactly ε(ρ on the unit) for the project:
never the sum of the datasets' ε's, which counts a join twice and ignores that ρ's add before
the conversion. The tally row is locked after the project rows and before any organisation row.

A join (``joins``) reads two datasets: it is charged to the project's and the organisation's
budget on *each* of them, and once to the organisation's budget on their shared privacy unit —
one release, ε-DP with respect to adding or removing that unit in every table. All organisation
rows are still locked in ascending id order, then the project rows in ascending id order, so the
lock order stays one total order. Under zCDP each project row is charged the ρ and each
dataset's rows the (ε, δ) increment of its own project row.

The same transaction reads the budgets as this charge left them (the updates return them), so
a query needs only two short transactions: this one, and ``record_answer`` once the answer
exists.

Refund rule: none. Once reserved, a cost stays charged whatever happens next — an engine error,
a timeout or a killed gateway may depend on the data, and refunding it would let the failure
itself leak. Rejections happen before ``reserve`` (they depend on the query text and metadata
only) and cost nothing. ``record_answer`` stores the answer before the caller returns it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Row, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError as DbIntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker
from sqlalchemy.sql.dml import ReturningUpdate

from lab.clock import now
from lab.db import rows_matched
from lab.db.models import OrganisationBudget, PrivacyBudget, ProjectUnitRho, QueryRelease
from lab.errors import Conflict, InternalError, PermissionDenied
from lab.gateway.accounting import MICRO as MICRO  # re-exported: callers read units here
from lab.gateway.accounting import PICO as PICO
from lab.gateway.zcdp import implied_epsilon_micro


class ReleaseState(StrEnum):
    """Where a release stands: cost reserved, released, or failed (refunded)."""

    RESERVED = "reserved"
    RELEASED = "released"
    FAILED = "failed"


class BudgetExhausted(PermissionDenied):
    """The query costs more than the budget has left; nothing was charged."""

    code = "budget_exhausted"


def query_key(
    *,
    version_id: int,
    canonical_query: str,
    epsilon_micro: int,
    delta_pico: int = 0,
    rho_micro: int = 0,
) -> str:
    """The cache identity of a query: dataset version, canonical text, ε and δ (or ρ)."""
    spend = f"{epsilon_micro}/{delta_pico}" if delta_pico else str(epsilon_micro)
    if rho_micro:
        spend = f"rho:{rho_micro}"
    material = f"{version_id}\x1f{spend}\x1f{canonical_query}".encode()
    return hashlib.sha256(material).hexdigest()


@dataclass(frozen=True)
class BudgetState:
    """A budget's limits and what has been spent, in ε and δ."""

    limit: float
    spent: float
    delta_limit: float = 0.0
    delta_spent: float = 0.0

    @property
    def remaining(self) -> float:
        return max(0.0, self.limit - self.spent)

    @property
    def delta_remaining(self) -> float:
        return max(0.0, self.delta_limit - self.delta_spent)

    @classmethod
    def of(cls, budget: PrivacyBudget | OrganisationBudget | Row[*tuple[Any, ...]]) -> BudgetState:
        """The state of a budget row (or of a row of its four amounts), from integer units."""
        return cls(
            budget.limit_micro / MICRO,
            budget.spent_micro / MICRO,
            budget.delta_limit_pico / PICO,
            budget.delta_spent_pico / PICO,
        )


@dataclass(frozen=True)
class ChargedBudgets:
    """The three budget rows one query on a dataset is charged to.

    ``project`` is the project's ``privacy_budgets`` row; ``dataset`` and ``unit`` are the
    organisation's ``organisation_budgets`` rows on the dataset and on its privacy-unit kind.
    ``dataset`` also scopes the release cache: one cache per organisation and dataset.
    ``joined`` holds, for a join, the (project row, organisation dataset row) of each further
    dataset the query reads.
    """

    project: int
    dataset: int
    unit: int
    joined: tuple[tuple[int, int], ...] = ()

    @property
    def pairs(self) -> tuple[tuple[int, int], ...]:
        """(project row, organisation dataset row) of every dataset read, the first one first."""
        return ((self.project, self.dataset), *self.joined)


@dataclass(frozen=True)
class BudgetLevels:
    """What is left at each level a query is charged to; the tightest one bounds the next query."""

    project: BudgetState
    dataset: BudgetState
    unit: BudgetState
    joined: tuple[BudgetState, ...] = ()
    """A join's further levels: the project's and the organisation's on each other dataset."""

    @property
    def _all(self) -> tuple[BudgetState, ...]:
        return (self.project, self.dataset, self.unit, *self.joined)

    @property
    def remaining(self) -> float:
        return min(state.remaining for state in self._all)

    @property
    def delta_remaining(self) -> float:
        return min(state.delta_remaining for state in self._all)


@dataclass(frozen=True)
class Reservation:
    """A charged (or cached) query: run it and record its answer, or return the cached one.

    ``budgets`` are the three levels as the reservation left them (after its charge, if any).
    """

    release_id: int
    cost_micro: int
    cost_delta_pico: int
    cached_answer: dict[str, Any] | None
    budgets: BudgetLevels
    cost_rho_micro: int = 0

    @property
    def is_cached(self) -> bool:
        return self.cached_answer is not None


class BudgetLedger:
    """Reserves, records and reports privacy costs in the ``privacy_budgets`` table."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def reserve(
        self,
        *,
        budgets: ChargedBudgets,
        version_id: int,
        key: str,
        query_text: str,
        cost_micro: int,
        actor: str,
        cost_delta_pico: int = 0,
        cost_rho_micro: int = 0,
    ) -> Reservation:
        """Charge ``cost_micro`` (and ``cost_delta_pico``) at every level and open a release,
        or return the organisation's cached answer for free.

        A zCDP query gives ``cost_rho_micro`` instead (``cost_micro`` is then ignored): the
        project's ρ is charged first and the (ε, δ) it newly implies at every level.
        """
        if (cost_rho_micro if cost_rho_micro else cost_micro) <= 0:
            raise InternalError("a query must cost something")
        try:
            with self._sessions() as session, session.begin():
                cached = _earlier_release(session, budgets, key)
                if cached is not None:
                    return cached
                costs = {p: (cost_micro, cost_delta_pico) for p, _ in budgets.pairs}
                unit_cost = (cost_micro, cost_delta_pico)
                if cost_rho_micro:
                    costs, project_id, delta_pico = _charge_rho(session, budgets, cost_rho_micro)
                    unit_cost = _charge_unit_rho(
                        session, project_id, budgets.unit, cost_rho_micro, delta_pico
                    )
                    cost_micro, cost_delta_pico = costs[budgets.project]
                levels = _charge(session, budgets, costs, unit_cost)
                release_id = session.scalar(
                    _OPEN_RELEASE,
                    {
                        "budget_id": budgets.project,
                        "organisation_budget_id": budgets.dataset,
                        "version_id": version_id,
                        "query_key": key,
                        "query_text": query_text,
                        "cost_micro": cost_micro,
                        "cost_delta_pico": cost_delta_pico,
                        "cost_rho_micro": cost_rho_micro,
                        "state": ReleaseState.RESERVED.value,
                        "requested_by": actor,
                        "reserved_at": now(),
                    },
                )
                if release_id is None:
                    raise InternalError("opening a release returned no id; this is a bug")
                return Reservation(
                    release_id, cost_micro, cost_delta_pico, None, levels, cost_rho_micro
                )
        except DbIntegrityError:
            raise Conflict(
                "the same query is already running; ask again when it finishes"
            ) from None

    def record_answer(self, release_id: int, answer: dict[str, Any]) -> None:
        """Store the answer (before it is returned to anyone)."""
        self._finish(release_id, ReleaseState.RELEASED, answer)

    def record_failure(self, release_id: int) -> None:
        """Mark a reserved query failed; its cost stays charged (see the refund rule)."""
        self._finish(release_id, ReleaseState.FAILED, None)

    def _finish(self, release_id: int, state: ReleaseState, answer: dict[str, Any] | None) -> None:
        """One conditional update: only a release still awaiting its answer gets one."""
        with self._sessions() as session, session.begin():
            result = session.execute(
                _FINISH,
                {
                    "release": release_id,
                    "new_state": state.value,
                    "new_answer": answer,
                    "at": now(),
                },
            )
            if rows_matched(result) != 1:
                raise InternalError(f"release {release_id} is not awaiting an answer")

    def state(self, budget_id: int) -> BudgetState:
        """A project budget's state."""
        with self._sessions() as session:
            budget = session.get(PrivacyBudget, budget_id)
            if budget is None:
                raise InternalError(f"no budget {budget_id}")
            return BudgetState.of(budget)

    def levels(self, budgets: ChargedBudgets) -> BudgetLevels:
        """The three levels' states, read together."""
        with self._sessions() as session:
            return _levels(session, budgets)


# Statements built once (with bound parameters) rather than per query: building them costs
# about as much as running them on SQLite.
_EARLIER = select(QueryRelease.id, QueryRelease.state, QueryRelease.answer).where(
    QueryRelease.organisation_budget_id == bindparam("scope"),
    QueryRelease.query_key == bindparam("key"),
)


_BudgetTable = type[PrivacyBudget] | type[OrganisationBudget]


def _state_columns(table: _BudgetTable) -> tuple[InstrumentedAttribute[int], ...]:
    return (table.limit_micro, table.spent_micro, table.delta_limit_pico, table.delta_spent_pico)


def _charge_statement(table: _BudgetTable) -> ReturningUpdate[*tuple[Any, ...]]:
    """``UPDATE table SET spent += cost WHERE id = :row AND spent + cost <= limit`` (ε and δ)."""
    cost = bindparam("cost", type_=BigInteger)
    cost_delta = bindparam("cost_delta", type_=BigInteger)
    return (
        update(table)
        .where(
            table.id == bindparam("row"),
            table.spent_micro + cost <= table.limit_micro,
            table.delta_spent_pico + cost_delta <= table.delta_limit_pico,
        )
        .values(
            spent_micro=table.spent_micro + cost,
            delta_spent_pico=table.delta_spent_pico + cost_delta,
            updated_at=bindparam("at", type_=table.updated_at.type),
        )
        .returning(*_state_columns(table))
        .execution_options(synchronize_session=False)
    )


_CHARGE_PROJECT_RHO = (
    update(PrivacyBudget)
    .where(
        PrivacyBudget.id == bindparam("row"),
        PrivacyBudget.rho_spent_micro + bindparam("rho", type_=BigInteger)
        <= PrivacyBudget.rho_limit_micro,
    )
    .values(rho_spent_micro=PrivacyBudget.rho_spent_micro + bindparam("rho", type_=BigInteger))
    .returning(
        PrivacyBudget.rho_spent_micro, PrivacyBudget.delta_limit_pico, PrivacyBudget.project_id
    )
    .execution_options(synchronize_session=False)
)
_CHARGE_UNIT_RHO = (
    update(ProjectUnitRho)
    .where(
        ProjectUnitRho.project_id == bindparam("project"),
        ProjectUnitRho.organisation_budget_id == bindparam("unit"),
    )
    .values(rho_spent_micro=ProjectUnitRho.rho_spent_micro + bindparam("rho", type_=BigInteger))
    .returning(ProjectUnitRho.rho_spent_micro, ProjectUnitRho.delta_pico)
    .execution_options(synchronize_session=False)
)
_PROJECT_STATE = select(*_state_columns(PrivacyBudget)).where(PrivacyBudget.id == bindparam("row"))
_ORG_STATES = select(OrganisationBudget.id, *_state_columns(OrganisationBudget)).where(
    OrganisationBudget.id.in_(bindparam("rows", expanding=True))
)
_CHARGE_PROJECT = _charge_statement(PrivacyBudget)
_CHARGE_ORGANISATION = _charge_statement(OrganisationBudget)
_OPEN_RELEASE = insert(QueryRelease).returning(QueryRelease.id)
_FINISH = (
    update(QueryRelease)
    .where(
        QueryRelease.id == bindparam("release"),
        QueryRelease.state == ReleaseState.RESERVED.value,
    )
    .values(
        state=bindparam("new_state", type_=QueryRelease.state.type),
        answer=bindparam("new_answer", type_=QueryRelease.answer.type),
        finished_at=bindparam("at", type_=QueryRelease.finished_at.type),
    )
    .execution_options(synchronize_session=False)
)


def _earlier_release(session: Session, budgets: ChargedBudgets, key: str) -> Reservation | None:
    earlier = session.execute(_EARLIER, {"scope": budgets.dataset, "key": key}).one_or_none()
    if earlier is None:
        return None
    if earlier.state == ReleaseState.RELEASED:
        return Reservation(earlier.id, 0, 0, earlier.answer, _levels(session, budgets))
    if earlier.state == ReleaseState.FAILED:
        raise Conflict(
            "this exact query failed before; its cost stayed charged and it is not rerun"
        )
    raise Conflict(
        "the same query is already running (or its run was interrupted); its cost stays charged"
    )


def _levels(session: Session, budgets: ChargedBudgets) -> BudgetLevels:
    projects = {}
    for project_row, _ in budgets.pairs:
        projects[project_row] = session.execute(_PROJECT_STATE, {"row": project_row}).one_or_none()
        if projects[project_row] is None:
            raise InternalError(f"no budget {project_row}")
    organisation_rows = [budgets.unit, *(dataset for _, dataset in budgets.pairs)]
    rows = {row.id: row for row in session.execute(_ORG_STATES, {"rows": organisation_rows})}
    return _levels_of(budgets, projects, rows)


def _levels_of(
    budgets: ChargedBudgets, projects: Mapping[int, Any], organisation: Mapping[int, Any]
) -> BudgetLevels:
    """The levels of ``budgets`` from their rows' amounts, by row id."""
    joined = [
        BudgetState.of(rows[row])
        for pair in budgets.joined
        for rows, row in zip((projects, organisation), pair, strict=True)
    ]
    return BudgetLevels(
        BudgetState.of(projects[budgets.project]),
        BudgetState.of(organisation[budgets.dataset]),
        BudgetState.of(organisation[budgets.unit]),
        tuple(joined),
    )


def _charge(
    session: Session,
    budgets: ChargedBudgets,
    costs: dict[int, tuple[int, int]],
    unit_cost: tuple[int, int],
) -> BudgetLevels:
    """Charge every level, organisation rows by ascending id, then the project rows by
    ascending id: each project row and its dataset's organisation row ``costs[project row]``
    (micro-ε, pico-δ), the unit row ``unit_cost``.

    Each is one conditional update; a refused one raises, rolling back the others.
    """
    at = now()
    organisation_costs = {dataset: costs[project] for project, dataset in budgets.pairs}
    organisation_costs[budgets.unit] = unit_cost
    charged = {}
    for row in sorted(organisation_costs):
        micro, pico = organisation_costs[row]
        values = {"cost": micro, "cost_delta": pico, "at": at, "row": row}
        charged[row] = session.execute(_CHARGE_ORGANISATION, values).one_or_none()
        if charged[row] is None:
            _refuse(
                session, session.get(OrganisationBudget, row), _organisation_level(row, budgets)
            )
    projects = {}
    for row in sorted(costs):
        values = {"cost": costs[row][0], "cost_delta": costs[row][1], "at": at, "row": row}
        projects[row] = session.execute(_CHARGE_PROJECT, values).one_or_none()
        if projects[row] is None:
            _refuse(session, session.get(PrivacyBudget, row), "the project's budget")
    return _levels_of(budgets, projects, charged)


def _charge_rho(
    session: Session, budgets: ChargedBudgets, rho_micro: int
) -> tuple[dict[int, tuple[int, int]], int, int]:
    """Charge ρ to each project row (ascending id); return per row the (micro-ε, pico-δ) it
    newly implies at that row's δ, with the project's id and the δ of its first row."""
    costs, first = {}, None
    for row in sorted({project for project, _ in budgets.pairs}):
        costs[row], charged = _charge_rho_row(session, row, rho_micro)
        first = first or charged
    if first is None:
        raise InternalError("a ρ charge reached no project row; this is a bug")
    return costs, first.project_id, first.delta_limit_pico


def _charge_rho_row(
    session: Session, project: int, rho_micro: int
) -> tuple[tuple[int, int], Row[*tuple[Any, ...]]]:
    """Charge one project row's ρ; return the (micro-ε, pico-δ) it newly implies at its δ, and
    the row as charged.

    ε(ρ) is non-decreasing, so the increment is ≥ 0, and the increments of a project's queries
    add up to exactly ε(ρ spent) in micro-ε. δ is spent once, with the first ρ.
    """
    charged = session.execute(_CHARGE_PROJECT_RHO, {"row": project, "rho": rho_micro})
    row = charged.one_or_none()
    if row is None:
        budget = session.get(PrivacyBudget, project)
        if budget is None:
            raise PermissionDenied("no privacy budget for this project and dataset")
        left = max(0, budget.rho_limit_micro - budget.rho_spent_micro) / MICRO
        raise BudgetExhausted(
            f"the query costs more than is left of the project's budget: ρ = {left:g}; "
            "nothing was charged"
        )
    return _increment(row.rho_spent_micro, rho_micro, row.delta_limit_pico), row


def _charge_unit_rho(
    session: Session, project_id: int, unit_row: int, rho_micro: int, delta_pico: int
) -> tuple[int, int]:
    """Add ρ to the project's tally on the unit (made at ``delta_pico`` if new); return the
    (micro-ε, pico-δ) the unit level is newly charged: the project's releases on the unit
    compose in ρ there (a join once), so its charges telescope to ε(ρ on the unit), δ once.

    Locked after the project's rows and before any organisation row: zCDP queries of one
    project queue on their project rows first, so the lock order stays one total order.
    """
    keys = {"project_id": project_id, "organisation_budget_id": unit_row}
    dialect = session.get_bind().dialect.name
    new_tally = (sqlite_insert if dialect == "sqlite" else postgresql_insert)(ProjectUnitRho)
    session.execute(
        new_tally.values(**keys, rho_spent_micro=0, delta_pico=delta_pico).on_conflict_do_nothing()
    )
    charge = {"project": project_id, "unit": unit_row, "rho": rho_micro}
    after, tally_delta = session.execute(_CHARGE_UNIT_RHO, charge).one()
    return _increment(after, rho_micro, tally_delta)


def _increment(rho_after: int, rho_micro: int, delta_pico: int) -> tuple[int, int]:
    """The (micro-ε, pico-δ) that ``rho_micro`` more ρ, reaching ``rho_after``, implies at δ:
    ε(after) − ε(before) (≥ 0: ε(ρ) is non-decreasing), and δ with the first ρ only."""
    before = rho_after - rho_micro
    increment = implied_epsilon_micro(rho_after, delta_pico) - implied_epsilon_micro(
        before, delta_pico
    )
    return max(0, increment), delta_pico if before == 0 else 0


def _organisation_level(row: int, budgets: ChargedBudgets) -> str:
    if row != budgets.unit:
        return "the organisation's budget on this dataset"
    return "the organisation's budget on this privacy unit (across its datasets)"


def _refuse(
    session: Session,
    row: PrivacyBudget | OrganisationBudget | Row[*tuple[Any, ...]] | None,
    level: str,
) -> None:
    if row is None:
        raise PermissionDenied("no privacy budget for this project and dataset")
    state = BudgetState.of(row)
    raise BudgetExhausted(
        f"the query costs more than is left of {level}: {state.remaining:g} ε "
        f"(δ = {state.delta_remaining:g}); nothing was charged"
    )
