"""Loan outcomes banks report back.

A bank may report the result of a loan only for an enterprise whose consent it holds (in any
state: a loan outlives its consent). Reported loans, with their disbursement dates, join the
loan-outcome source's loans when the scorecard is trained (``vintages.reported_loans``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.clock import now
from lab.credit.terms import check_credit_code
from lab.db.models import CreditConsent, CreditLoanOutcome, Organisation
from lab.errors import InvalidInput, NotFound

_REFERENCE = re.compile(r"^[\w.-]{1,80}$")


@dataclass(frozen=True)
class LoanOutcome:
    """One reported loan result."""

    credit_code: str
    consent_id: str
    loan_reference: str
    disbursed_on: date
    defaulted: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "credit_code", check_credit_code(self.credit_code))
        if not _REFERENCE.match(self.loan_reference):
            raise InvalidInput("loan_reference: 1–80 letters, digits, '.', '_' or '-'")
        if self.disbursed_on > now().date():
            raise InvalidInput("disbursed_on cannot be in the future")


def report_outcome(
    session: Session, audit: AuditLog, *, bank: Organisation, actor: str, outcome: LoanOutcome
) -> CreditLoanOutcome:
    """Store a bank's loan result for an enterprise it holds a consent about (audited)."""
    consent = session.get(CreditConsent, outcome.consent_id)
    if (
        consent is None
        or consent.bank_org_id != bank.id
        or consent.credit_code != outcome.credit_code
    ):
        raise NotFound("no consent of this bank about that credit code")
    row = CreditLoanOutcome(
        bank_org_id=bank.id,
        credit_code=outcome.credit_code,
        consent_id=outcome.consent_id,
        loan_reference=outcome.loan_reference,
        disbursed_on=outcome.disbursed_on.isoformat(),
        defaulted=outcome.defaulted,
        reported_by=actor,
        reported_at=now(),
    )
    session.add(row)
    session.flush()
    audit.append_in(
        session,
        actor=actor,
        action="credit.outcome.report",
        target=f"enterprise:{outcome.credit_code}",
        details={
            "bank_id": bank.id,
            "loan": outcome.loan_reference,
            "defaulted": outcome.defaulted,
        },
    )
    return row
