"""The demo's credit journey: profiles refreshed, a scorecard trained, one consent granted.

After the catalogue is loaded, the demo enterprise (``firms.DEMO_ENTERPRISE``) authorises the
demo bank for a report, so the banker can call the profile API at once and the enterprise
login sees the consent, its receipt and the bank's queries. Run again, it keeps what exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from lab.credit import consent as consents
from lab.credit.refresh import refresh_profiles
from lab.credit.signing import lab_signer
from lab.credit.terms import ConsentTerms
from lab.credit.training import train_scorecard
from lab.credit.vocabulary import ConsentState, Level, Purpose, Scope
from lab.db import transaction
from lab.db.models import CreditConsent, CreditProfileFeatures, CreditScorecard, Organisation
from lab.demo.accounts import DEMO_ACTOR, DEMO_ORGANISATIONS
from lab.demo.firms import DEMO_ENTERPRISE
from lab.errors import LabError
from lab.identity import OrganisationKind
from lab.services import LabServices

DEMO_BANK = next(n for n, kind, _ in DEMO_ORGANISATIONS if kind is OrganisationKind.BANK)
DEMO_ENTERPRISE_ADMIN = "enterprise"


@dataclass(frozen=True)
class DemoCredit:
    """What the demo's credit set-up left ready."""

    enterprises: int
    scorecard: str | None
    consent_id: str | None
    credit_code: str


def prepare_demo_credit(lab: LabServices) -> DemoCredit:
    """Refresh profiles if none are stored, train if no scorecard, grant the demo consent."""
    with lab.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(CreditProfileFeatures))
        active = session.scalar(select(CreditScorecard.version).where(CreditScorecard.active))
    if not stored:
        stored = refresh_profiles(lab, actor=DEMO_ACTOR).enterprises
    if active is None:
        try:
            active = train_scorecard(lab, actor=DEMO_ACTOR).model["version"]
        except LabError:  # too few labelled loans at a tiny demo scale: profiles go unscored
            active = None
    return DemoCredit(stored, active, _demo_consent(lab), DEMO_ENTERPRISE[1])


def _demo_consent(lab: LabServices) -> str | None:
    """The live consent of the demo enterprise for the demo bank, granted once."""
    with transaction(lab.sessions) as session:
        bank = session.scalar(select(Organisation).where(Organisation.name == DEMO_BANK))
        firm = session.scalar(select(Organisation).where(Organisation.name == DEMO_ENTERPRISE[0]))
        if bank is None or firm is None or firm.credit_code is None:
            return None
        live = session.scalar(
            select(CreditConsent.id).where(
                CreditConsent.bank_org_id == bank.id,
                CreditConsent.credit_code == firm.credit_code,
                CreditConsent.state == ConsentState.AUTHORISED.value,
            )
        )
        if live is not None:
            return live
        terms = ConsentTerms(
            firm.credit_code,
            Purpose.LOAN_APPLICATION,
            frozenset(Scope),
            Level.REPORT,
            query_cap=100,
        )
        granted = consents.grant(
            session,
            lab.audit,
            lab_signer(lab.signing),
            enterprise=consents.Party(DEMO_ENTERPRISE_ADMIN, firm),
            bank=bank,
            terms=terms,
        )
        return granted.id
