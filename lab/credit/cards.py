"""Who may read a scorecard's model card: stewards always, a bank at ``report`` level.

A card holds no enterprise's data (counts, bins, coefficients, figures), but it documents the
score a bank relies on in a full report; so a bank reads it while it holds at least one consent
at ``report`` level that is in force now.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.credit.consent import effective_state
from lab.credit.vocabulary import ConsentState, Level
from lab.db.models import CreditConsent, CreditScorecard, Organisation
from lab.errors import NotFound, PermissionDenied


def active_card(session: Session) -> dict[str, Any]:
    """The model card of the active scorecard version."""
    row = session.scalar(select(CreditScorecard).where(CreditScorecard.active))
    if row is None:
        raise NotFound("no scorecard is active")
    if row.model_card is None:
        raise NotFound(f"scorecard {row.version} was trained before model cards: retrain it")
    return row.model_card


def bank_may_read_cards(session: Session, bank: Organisation) -> bool:
    """Whether ``bank`` holds a consent at ``report`` level in force now."""
    consents = session.scalars(
        select(CreditConsent).where(
            CreditConsent.bank_org_id == bank.id, CreditConsent.level == Level.REPORT.value
        )
    )
    return any(effective_state(c) is ConsentState.AUTHORISED for c in consents)


def card_for_bank(session: Session, bank: Organisation) -> dict[str, Any]:
    """The active model card, for a bank holding a ``report``-level consent in force."""
    if not bank_may_read_cards(session, bank):
        raise PermissionDenied(
            "the model card comes with report-level profiles: this bank holds no report-level "
            "consent in force"
        )
    return active_card(session)
