"""Visitors' suggestions (意见建议) and data corrections (数据纠错), answered within 5 working days.

Anyone may write, without an account; a correction names the dataset it is about. The steward
answers each one; the answer clock (``working_days``) is shown on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.catalogue.portal_workflow.working_days import (
    ANSWER_WORKING_DAYS,
    AnswerClock,
    add_working_days,
)
from lab.clock import now
from lab.db.models import PortalFeedback
from lab.errors import Conflict, InvalidInput, NotFound

MIN_MESSAGE = 10
MAX_MESSAGE = 4000


class FeedbackKind(StrEnum):
    """What a visitor's feedback is: a suggestion or a correction of the data."""

    SUGGESTION = "suggestion"
    CORRECTION = "correction"


KIND_LABELS = {FeedbackKind.SUGGESTION: "意见建议", FeedbackKind.CORRECTION: "数据纠错"}


@dataclass(frozen=True)
class FeedbackNote:
    """What a visitor sends; validates itself."""

    kind: FeedbackKind
    name: str
    contact: str
    message: str
    dataset_slug: str | None = None

    def __post_init__(self) -> None:
        if not MIN_MESSAGE <= len(self.message.strip()) <= MAX_MESSAGE:
            raise InvalidInput(f"内容需 {MIN_MESSAGE}–{MAX_MESSAGE} 个字")
        if not self.contact.strip():
            raise InvalidInput("请留下联系方式（电话或电子邮箱），以便答复")
        if self.kind is FeedbackKind.CORRECTION and not self.dataset_slug:
            raise InvalidInput("数据纠错需要指明所涉及的数据集")


def submit_feedback(session: Session, note: FeedbackNote) -> PortalFeedback:
    """Record the note; the 5-working-day clock starts now."""
    moment = now()
    row = PortalFeedback(
        kind=note.kind.value,
        dataset_slug=note.dataset_slug,
        name=note.name.strip()[:100] or "匿名",
        contact=note.contact.strip()[:200],
        message=note.message.strip(),
        state="open",
        submitted_at=moment,
        due_at=add_working_days(moment, ANSWER_WORKING_DAYS),
        answer="",
    )
    session.add(row)
    session.flush()
    return row


def answer_feedback(
    session: Session, audit: AuditLog, *, feedback_id: int, answer: str, actor: str
) -> PortalFeedback:
    """The steward's answer; closes the note (audited)."""
    row = session.get(PortalFeedback, feedback_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no feedback {feedback_id}")
    if row.state != "open":
        raise Conflict(f"feedback {feedback_id} is already answered")
    if len(answer.strip()) < MIN_MESSAGE:
        raise InvalidInput(f"an answer needs at least {MIN_MESSAGE} characters")
    row.answer, row.answered_by, row.answered_at = answer.strip(), actor, now()
    row.state = "answered"
    audit.append_in(
        session, actor=actor, action="feedback.answer", target=f"feedback:{row.id}", details={}
    )
    return row


def feedback_clock(row: PortalFeedback) -> AnswerClock:
    """The working-day clock of a feedback's answer (stopped once answered)."""
    return AnswerClock.of(row.due_at, now(), stopped=row.state != "open")


def open_feedback(session: Session) -> list[PortalFeedback]:
    """All feedback, open first, the soonest due first."""
    query = select(PortalFeedback).order_by(PortalFeedback.state.desc(), PortalFeedback.due_at)
    return list(session.scalars(query))
