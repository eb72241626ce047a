"""Request and response shapes of the credit-profile API (bank and enterprise sides)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from lab.credit.terms import DEFAULT_QUERY_CAP, DEFAULT_VALIDITY_DAYS, DEFAULT_WINDOW_MONTHS


class ProfileIn(BaseModel):
    """A bank's profile request."""

    credit_code: str = Field(max_length=40)
    purpose: str = Field(max_length=40)
    consent_id: str = Field(max_length=40)
    level: str = Field(max_length=20)
    operator: str | None = Field(
        default=None,
        max_length=64,
        description="Optional: the signed-in bank operator's own username. The operator is "
        "always the caller; any other name is refused (403).",
    )


class TermsIn(BaseModel):
    """The terms of a consent, as granted by an enterprise or asked for by a bank."""

    purpose: str
    scopes: list[str] = Field(min_length=1, max_length=20)
    level: str
    window_months: int = DEFAULT_WINDOW_MONTHS
    validity_days: int = DEFAULT_VALIDITY_DAYS
    query_cap: int = DEFAULT_QUERY_CAP


class GrantIn(TermsIn):
    """An enterprise's consent to a named bank."""

    bank: str = Field(max_length=200, description="The bank's registered name.")


class ConsentRequestIn(TermsIn):
    """A bank's request for an enterprise's consent."""

    credit_code: str = Field(max_length=40)


class ConsentOut(BaseModel):
    """A consent an enterprise gave a bank: its terms, its state and the queries used."""

    id: str
    credit_code: str
    bank: str
    purpose: str
    scopes: list[str]
    level: str
    window_months: int
    validity_days: int
    query_cap: int
    queries_used: int
    state: str
    created_at: datetime
    valid_until: datetime | None


class ReceiptOut(BaseModel):
    """A signed consent receipt: the canonical consent, the key that signed it, the signature."""

    algorithm: str
    consent: dict[str, Any]
    key_id: str
    public_key: str
    signature: str


class SigningKeyOut(BaseModel):
    """A public key that signs consent receipts, for verifying them offline."""

    algorithm: str
    key_id: str
    public_key: str


class VerifyIn(BaseModel):
    """A consent receipt to check."""

    receipt: dict[str, Any]


class VerifyOut(BaseModel):
    """Whether a receipt verifies, and if not, what is wrong with it."""

    valid: bool
    problem: str = ""


class QueryOut(BaseModel):
    """One bank query about an enterprise, as the enterprise sees it."""

    at: datetime
    bank: str
    operator: str
    purpose: str
    level: str
    served: bool


class DisputeIn(BaseModel):
    """An enterprise disputing one item of its profile, with its reason."""

    item: str = Field(max_length=80)
    reason: str = Field(max_length=2000)


class DisputeOut(BaseModel):
    """A dispute, its answer deadline and, once answered, the answer."""

    id: int
    item: str
    reason: str
    state: str
    opened_at: datetime
    answer_due: datetime
    days_left: int
    answer: str


class AnswerIn(BaseModel):
    """The steward's answer to a dispute."""

    answer: str = Field(max_length=2000)


class RepairIn(BaseModel):
    """An enterprise asking for the credit repair of a penalty, with its reason."""

    penalty_reference: str = Field(max_length=120)
    reason: str = Field(max_length=2000)


class RepairOut(BaseModel):
    """A credit-repair request and, once decided, the decision."""

    id: int
    penalty_reference: str
    state: str
    requested_at: datetime
    credit_code: str = ""
    reason: str = ""
    decided_at: datetime | None = None
    decision_reasons: str = ""

    @classmethod
    def of(cls, repair) -> RepairOut:
        return cls(
            id=repair.id,
            penalty_reference=repair.penalty_reference,
            state=repair.state,
            requested_at=repair.requested_at,
            credit_code=repair.credit_code,
            reason=repair.reason,
            decided_at=repair.decided_at,
            decision_reasons=repair.decision_reasons or "",
        )


class RepairDecisionIn(BaseModel):
    """The steward approving or rejecting a repair request, with the reasons."""

    approve: bool
    reasons: str = Field(max_length=2000)


class OutcomeIn(BaseModel):
    """A bank reporting how a loan granted under a consent turned out."""

    credit_code: str = Field(max_length=40)
    consent_id: str = Field(max_length=40)
    loan_reference: str = Field(max_length=80)
    disbursed_on: date
    defaulted: bool


class AlarmOut(BaseModel):
    """An alarm raised on a suspicious pattern in a bank's or an operator's queries."""

    at: datetime
    kind: str
    bank_id: int
    operator: str
    details: dict[str, Any]
