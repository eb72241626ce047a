"""Visitors' suggestions (意见建议) and data corrections (数据纠错), answered within 5 working days.

Anyone may write, without an account; a correction names the dataset it is about. The steward
answers each one; the answer clock (``working_days``) is shown on both sides. The writer gets the
note's number and a lookup code to read the answer with (``feedback_lookup``).

The rules of the form's fields live in ``FEEDBACK_RULES``: the form states them beside the
fields and ``FeedbackNote`` checks the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.catalogue.portal_workflow.feedback_lookup import LookupCode, record_lookup_code
from lab.catalogue.portal_workflow.working_days import (
    ANSWER_WORKING_DAYS,
    AnswerClock,
    add_working_days,
)
from lab.clock import now
from lab.db.models import PortalFeedback
from lab.errors import Conflict, InvalidInput, NotFound
from lab.form_rules import (
    EMAIL_PATTERN,
    PHONE,
    PHONE_PATTERN,
    FormInvalid,
    RuleBreach,
    TextRule,
    breaches_of,
    normalised_phone,
)

MIN_MESSAGE = 10
MAX_MESSAGE = 4000

FEEDBACK_RULES: dict[str, TextRule] = {
    "message": TextRule(
        f"{MIN_MESSAGE}–{MAX_MESSAGE} 个字，写明问题所在（如哪一行、哪一项）",
        f"{MIN_MESSAGE} to {MAX_MESSAGE} characters; say where the problem is (row, column)",
        min_chars=MIN_MESSAGE,
        max_chars=MAX_MESSAGE,
    ),
    "contact": TextRule(
        "电子邮箱，或手机号 / 带区号的固定电话（如 0532-88886666），用于答复",
        "E-mail, or a mobile / landline with area code (e.g. 0532-88886666), for the answer",
        max_chars=200,
        pattern=f"(?:{PHONE_PATTERN})|(?:{EMAIL_PATTERN})",
    ),
    "name": TextRule("可不填", "Optional", max_chars=100, required=False),
}
ANSWER_RULE = TextRule(
    f"至少 {MIN_MESSAGE} 个字；写信人凭编号和查询码可看到答复",
    f"At least {MIN_MESSAGE} characters; the writer reads it with the note's number and code",
    min_chars=MIN_MESSAGE,
    max_chars=MAX_MESSAGE,
)
DATASET_NEEDED = RuleBreach("数据纠错需要指明所涉及的数据集", "A correction names its dataset")


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
        values = {"message": self.message, "contact": self.contact, "name": self.name}
        breaches = breaches_of(FEEDBACK_RULES, values)
        if self.kind is FeedbackKind.CORRECTION and not self.dataset_slug:
            breaches["dataset"] = DATASET_NEEDED
        if breaches:
            raise FormInvalid(breaches)
        if PHONE.breach(self.contact) is None:
            object.__setattr__(self, "contact", normalised_phone(self.contact))


@dataclass(frozen=True)
class SubmittedFeedback:
    """A stored note and the lookup code its writer reads the answer with (shown once)."""

    row: PortalFeedback
    code: LookupCode


def submit_feedback(session: Session, audit: AuditLog, note: FeedbackNote) -> SubmittedFeedback:
    """Record the note with its lookup code; the 5-working-day clock starts now."""
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
    return SubmittedFeedback(row, record_lookup_code(session, audit, row))


def answer_feedback(
    session: Session, audit: AuditLog, *, feedback_id: int, answer: str, actor: str
) -> PortalFeedback:
    """The steward's answer; closes the note (audited)."""
    row = session.get(PortalFeedback, feedback_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no feedback {feedback_id}")
    if row.state != "open":
        raise Conflict(f"feedback {feedback_id} is already answered")
    if (breach := ANSWER_RULE.breach(answer)) is not None:
        raise InvalidInput(f"答复：{breach.zh}")
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
