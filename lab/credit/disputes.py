"""An enterprise's disputes of profile items and its credit-repair requests.

A dispute names an item (a scope such as ``tax``, one indicator such as
``tax.months_in_arrears``, or ``score``). From the moment it is filed it is listed among the
disputed items of every profile a bank is served, until it is answered; the answer is due in 20
days, and the enterprise's page shows that clock. Credit-repair requests are in ``repairs``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.clock import as_utc, now
from lab.credit.features import BUILDERS
from lab.credit.profiles import DECOY_FEATURES, SCORE_ITEM
from lab.db.models import CreditDispute
from lab.errors import Conflict, InvalidInput, NotFound
from lab.form_rules import TextRule

ANSWER_DAYS = 20
OPEN, ANSWERED = "open", "answered"
MIN_REASON = 10
MAX_REASON = 2000
# The rule of a dispute's or repair request's reason: stated on the enterprise's form, checked here.
REASON_RULE = TextRule(
    f"至少 {MIN_REASON} 个字，说明理由和依据",
    f"At least {MIN_REASON} characters: why, and on what grounds",
    min_chars=MIN_REASON,
    max_chars=MAX_REASON,
)


def disputable_items() -> list[str]:
    """Every item an enterprise may dispute: each scope, each indicator, the score."""
    items = [SCORE_ITEM]
    for scope in sorted(s.value for s in BUILDERS):
        block = DECOY_FEATURES["scopes"][scope]
        items.append(scope)
        items += [f"{scope}.{name}" for name in (*block["verify"], *block["indicators"]["24"])]
    return items


def reason_text(text: str) -> str:
    """``text`` stripped, or InvalidInput when it is too short to say why."""
    if (breach := REASON_RULE.breach(text)) is not None:
        raise InvalidInput(f"理由：{breach.zh}")
    return text.strip()


def open_dispute(
    session: Session, audit: AuditLog, *, credit_code: str, item: str, reason: str, actor: str
) -> CreditDispute:
    """File a dispute; it is flagged in profiles as soon as this transaction commits."""
    if item not in disputable_items():
        raise InvalidInput(f"unknown profile item {item!r}")
    opened = now()
    dispute = CreditDispute(
        credit_code=credit_code,
        item=item,
        reason=reason_text(reason),
        state=OPEN,
        opened_by=actor,
        opened_at=opened,
        answer_due=opened + timedelta(days=ANSWER_DAYS),
    )
    session.add(dispute)
    session.flush()
    audit.append_in(
        session,
        actor=actor,
        action="credit.dispute.open",
        target=f"enterprise:{credit_code}",
        details={"dispute": dispute.id, "item": item},
    )
    return dispute


def answer_dispute(
    session: Session, audit: AuditLog, *, dispute_id: int, answer: str, actor: str
) -> CreditDispute:
    """A steward answers a dispute; the item is no longer flagged."""
    dispute = session.get(CreditDispute, dispute_id, with_for_update=True)
    if dispute is None:
        raise NotFound(f"no dispute {dispute_id}")
    if dispute.state != OPEN:
        raise Conflict(f"dispute {dispute_id} is already {dispute.state}")
    dispute.state, dispute.answer = ANSWERED, reason_text(answer)
    dispute.answered_by, dispute.answered_at = actor, now()
    audit.append_in(
        session,
        actor=actor,
        action="credit.dispute.answer",
        target=f"enterprise:{dispute.credit_code}",
        details={"dispute": dispute.id, "item": dispute.item},
    )
    return dispute


def days_left(dispute: CreditDispute, at: datetime | None = None) -> int:
    """Whole days until the answer is due (negative once overdue)."""
    return (as_utc(dispute.answer_due) - (at or now())).days


def open_disputes(session: Session) -> list[CreditDispute]:
    """Disputes awaiting an answer, the one due soonest first."""
    query = select(CreditDispute).where(CreditDispute.state == OPEN)
    return list(session.scalars(query.order_by(CreditDispute.answer_due)))


def disputes_of(session: Session, credit_code: str) -> list[CreditDispute]:
    """The disputes about one enterprise, newest first."""
    query = select(CreditDispute).where(CreditDispute.credit_code == credit_code)
    return list(session.scalars(query.order_by(CreditDispute.opened_at.desc())))
