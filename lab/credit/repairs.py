"""Credit-repair requests (信用修复): the enterprise's request, the steward's decision, its effect.

An enterprise asks for one of its penalties past its publicity period to be repaired. A
steward approves or rejects it with reasons the enterprise reads. Approval takes the penalty
out of every aggregate banks are served: that enterprise's stored features are recomputed from
the sources at once, and every later full refresh leaves the penalty out as well. Each decision
is in the audit log.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.clock import now
from lab.credit.disputes import reason_text
from lab.credit.refresh import refresh_enterprise
from lab.credit.vocabulary import RepairState
from lab.db import transaction
from lab.db.models import CreditProfileFeatures, CreditRepairRequest
from lab.errors import Conflict, InvalidInput, NotFound
from lab.services import LabServices

MIN_REASONS = 10
log = logging.getLogger("datalab.credit")


def repairable_penalties(session: Session, credit_code: str) -> list[dict[str, str]]:
    """The enterprise's own penalties past their publicity period (from its stored features)."""
    stored = session.get(CreditProfileFeatures, credit_code)
    return list(stored.features["enterprise"]["repairable_penalties"]) if stored else []


def request_repair(
    session: Session,
    audit: AuditLog,
    *,
    credit_code: str,
    penalty_reference: str,
    reason: str,
    actor: str,
) -> CreditRepairRequest:
    """Ask for a penalty past its publicity period to be repaired (信用修复)."""
    references = {p["ref"] for p in repairable_penalties(session, credit_code)}
    if penalty_reference not in references:
        raise InvalidInput("only a penalty of yours past its publicity period can be repaired")
    repair = CreditRepairRequest(
        credit_code=credit_code,
        penalty_reference=penalty_reference,
        reason=reason_text(reason),
        state=RepairState.SUBMITTED.value,
        requested_by=actor,
        requested_at=now(),
    )
    session.add(repair)
    session.flush()
    audit.append_in(
        session,
        actor=actor,
        action="credit.repair.request",
        target=f"enterprise:{credit_code}",
        details={"repair": repair.id, "penalty": penalty_reference},
    )
    return repair


def repairs_of(session: Session, credit_code: str) -> list[CreditRepairRequest]:
    """The repair requests of one enterprise, newest first."""
    query = select(CreditRepairRequest).where(CreditRepairRequest.credit_code == credit_code)
    return list(session.scalars(query.order_by(CreditRepairRequest.requested_at.desc())))


def repairs_awaiting(session: Session) -> list[CreditRepairRequest]:
    """Requests awaiting a decision, oldest first."""
    query = select(CreditRepairRequest).where(
        CreditRepairRequest.state == RepairState.SUBMITTED.value
    )
    return list(session.scalars(query.order_by(CreditRepairRequest.requested_at)))


def decide_repair(
    lab: LabServices, *, repair_id: int, approve: bool, reasons: str, actor: str
) -> CreditRepairRequest:
    """Approve or reject request ``repair_id``; an approval is applied to the profile at once."""
    if len(reasons.strip()) < MIN_REASONS:
        raise InvalidInput(f"give the enterprise reasons of at least {MIN_REASONS} characters")
    state = RepairState.APPROVED if approve else RepairState.REJECTED
    with transaction(lab.sessions) as session:
        repair = session.get(CreditRepairRequest, repair_id, with_for_update=True)
        if repair is None:
            raise NotFound(f"no credit-repair request {repair_id}")
        if repair.state != RepairState.SUBMITTED.value:
            raise Conflict(f"credit-repair request {repair_id} is already {repair.state}")
        repair.state, repair.decision_reasons = state.value, reasons.strip()
        repair.decided_by, repair.decided_at = actor, now()
        lab.audit.append_in(
            session,
            actor=actor,
            action="credit.repair.decide",
            target=f"enterprise:{repair.credit_code}",
            details={
                "repair": repair.id,
                "penalty": repair.penalty_reference,
                "decision": state.value,
            },
        )
        session.flush()
        session.expunge(repair)
    if approve:
        try:
            refresh_enterprise(lab, repair.credit_code, actor=actor)
        except Exception:  # the decision stands; the next full refresh applies it
            log.exception("credit repair %s approved; recomputing the profile failed", repair.id)
    return repair
