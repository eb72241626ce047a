"""The steward's decision on credit-repair requests (信用修复), and its effect on profiles.

An enterprise asks for a penalty past its publicity period to be repaired (``disputes``). A
steward approves or rejects it with reasons the enterprise reads. Approval takes the penalty
out of every aggregate banks are served: that enterprise's stored features are recomputed from
the sources at once, and every later full refresh leaves the penalty out as well. Each decision
is in the audit log.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.credit.refresh import refresh_enterprise
from lab.credit.vocabulary import RepairState
from lab.db import transaction
from lab.db.models import CreditRepairRequest
from lab.errors import Conflict, InvalidInput, NotFound
from lab.identity.accounts import now
from lab.services import LabServices

MIN_REASONS = 10
log = logging.getLogger("datalab.credit")


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
