"""The privacy-budget ledger: a query's cost is reserved atomically before any data is touched.

Costs are integers in micro-ε and pico-δ, so budget arithmetic is exact. ``reserve`` runs one
transaction:

1. an identical query (same budget, same dataset version, same canonical text and ε — the
   ``query_key``) that was already answered returns its stored answer, free, so noise cannot be
   averaged away by asking again;
2. otherwise a conditional ``UPDATE … SET spent = spent + cost WHERE spent + cost <= limit``
   (for ε and δ together) charges the budget — it either applies whole or not at all, so
   concurrent queries can never overspend, on SQLite (one writer at a time) as on PostgreSQL
   (row lock on the update);
3. a release row is inserted in state ``reserved``; the unique (budget, query_key) constraint
   makes a concurrent identical query fail its insert, which rolls its charge back.

The same transaction reads the budget as this charge left it (the update returns it), so a query
needs only two short transactions: this one, and ``record_answer`` once the answer exists.

Refund rule: none. Once reserved, a cost stays charged whatever happens next — an engine error,
a timeout or a killed gateway may depend on the data, and refunding it would let the failure
itself leak. Rejections happen before ``reserve`` (they depend on the query text and metadata
only) and cost nothing. ``record_answer`` stores the answer before the caller returns it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Row, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError as DbIntegrityError
from sqlalchemy.orm import Session, sessionmaker

from lab.db.models import PrivacyBudget, QueryRelease
from lab.errors import Conflict, InternalError, PermissionDenied
from lab.gateway.accounting import MICRO, PICO, delta_units, epsilon_units
from lab.identity.accounts import now


class ReleaseState(StrEnum):
    RESERVED = "reserved"
    RELEASED = "released"
    FAILED = "failed"


class BudgetExhausted(PermissionDenied):
    """The query costs more than the budget has left; nothing was charged."""

    code = "budget_exhausted"


def to_micro(epsilon: float) -> int:
    """ε in whole micro-ε (``accounting.epsilon_units``: refused below one unit, never 0)."""
    return epsilon_units(epsilon)


def to_pico(delta: float) -> int:
    """δ in whole pico-δ, 0 for pure ε-DP (``accounting.delta_units``: refused below one unit)."""
    return delta_units(delta)


def query_key(
    *, version_id: int, canonical_query: str, epsilon_micro: int, delta_pico: int = 0
) -> str:
    """The cache identity of a query: dataset version, canonical text, ε and δ."""
    spend = f"{epsilon_micro}/{delta_pico}" if delta_pico else str(epsilon_micro)
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
    def of(cls, budget: PrivacyBudget | Row) -> BudgetState:
        """The state of a budget row (or of a row of its four amounts), from integer units."""
        return cls(
            budget.limit_micro / MICRO,
            budget.spent_micro / MICRO,
            budget.delta_limit_pico / PICO,
            budget.delta_spent_pico / PICO,
        )


_STATE_COLUMNS = (
    PrivacyBudget.limit_micro,
    PrivacyBudget.spent_micro,
    PrivacyBudget.delta_limit_pico,
    PrivacyBudget.delta_spent_pico,
)


@dataclass(frozen=True)
class Reservation:
    """A charged (or cached) query: run it and record its answer, or return the cached one.

    ``budget`` is the budget as the reservation left it (after its charge, if any).
    """

    release_id: int
    cost_micro: int
    cost_delta_pico: int
    cached_answer: dict[str, Any] | None
    budget: BudgetState

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
        budget_id: int,
        version_id: int,
        key: str,
        query_text: str,
        cost_micro: int,
        actor: str,
        cost_delta_pico: int = 0,
    ) -> Reservation:
        """Charge ``cost_micro`` (and ``cost_delta_pico``) and open a release, or return the
        cached answer for free."""
        if cost_micro <= 0:
            raise InternalError("a query must cost something")
        try:
            with self._sessions() as session, session.begin():
                cached = _earlier_release(session, budget_id, key)
                if cached is not None:
                    return cached
                budget = _charge(session, budget_id, cost_micro, cost_delta_pico)
                release_id = session.scalar(
                    _OPEN_RELEASE,
                    {
                        "budget_id": budget_id,
                        "version_id": version_id,
                        "query_key": key,
                        "query_text": query_text,
                        "cost_micro": cost_micro,
                        "cost_delta_pico": cost_delta_pico,
                        "state": ReleaseState.RESERVED.value,
                        "requested_by": actor,
                        "reserved_at": now(),
                    },
                )
                return Reservation(release_id, cost_micro, cost_delta_pico, None, budget)
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

    def _finish(self, release_id: int, state: ReleaseState, answer: dict | None) -> None:
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
            if result.rowcount != 1:
                raise InternalError(f"release {release_id} is not awaiting an answer")

    def state(self, budget_id: int) -> BudgetState:
        with self._sessions() as session:
            budget = session.get(PrivacyBudget, budget_id)
            if budget is None:
                raise InternalError(f"no budget {budget_id}")
            return BudgetState.of(budget)


# Statements built once (with bound parameters) rather than per query: building them costs
# about as much as running them on SQLite.
_EARLIER = select(QueryRelease.id, QueryRelease.state, QueryRelease.answer).where(
    QueryRelease.budget_id == bindparam("budget"), QueryRelease.query_key == bindparam("key")
)
_BUDGET = select(*_STATE_COLUMNS).where(PrivacyBudget.id == bindparam("budget"))
_CHARGE = (
    update(PrivacyBudget)
    .where(
        PrivacyBudget.id == bindparam("budget"),
        PrivacyBudget.spent_micro + bindparam("cost", type_=BigInteger)
        <= PrivacyBudget.limit_micro,
        PrivacyBudget.delta_spent_pico + bindparam("cost_delta", type_=BigInteger)
        <= PrivacyBudget.delta_limit_pico,
    )
    .values(
        spent_micro=PrivacyBudget.spent_micro + bindparam("cost", type_=BigInteger),
        delta_spent_pico=PrivacyBudget.delta_spent_pico + bindparam("cost_delta", type_=BigInteger),
        updated_at=bindparam("at", type_=PrivacyBudget.updated_at.type),
    )
    .returning(*_STATE_COLUMNS)
    .execution_options(synchronize_session=False)
)
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


def _earlier_release(session: Session, budget_id: int, key: str) -> Reservation | None:
    earlier = session.execute(_EARLIER, {"budget": budget_id, "key": key}).one_or_none()
    if earlier is None:
        return None
    if earlier.state == ReleaseState.RELEASED:
        budget = session.execute(_BUDGET, {"budget": budget_id}).one()
        return Reservation(earlier.id, 0, 0, earlier.answer, BudgetState.of(budget))
    if earlier.state == ReleaseState.FAILED:
        raise Conflict(
            "this exact query failed before; its cost stayed charged and it is not rerun"
        )
    raise Conflict(
        "the same query is already running (or its run was interrupted); its cost stays charged"
    )


def _charge(session: Session, budget_id: int, cost_micro: int, cost_delta_pico: int) -> BudgetState:
    """Charge the budget by one conditional update; the budget as it left it, or refused."""
    charged = session.execute(
        _CHARGE,
        {"budget": budget_id, "cost": cost_micro, "cost_delta": cost_delta_pico, "at": now()},
    ).one_or_none()
    if charged is not None:
        return BudgetState.of(charged)
    if session.get(PrivacyBudget, budget_id) is None:
        raise PermissionDenied("no privacy budget for this project and dataset")
    raise BudgetExhausted("the query costs more privacy budget than is left; nothing was charged")
