"""``/api/credit/…``: credit profiles for banks, consents and disputes for enterprises.

Bank side: ask for a consent, request a profile (served, or the one denial answer), report loan
outcomes. Enterprise side: grant, approve, reject, revoke, fetch receipts, see who queried, file
disputes and credit-repair requests. Routes parse, authorise, call ``lab.credit``, shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from lab.api.schemas.credit import (
    AlarmOut,
    AnswerIn,
    ConsentOut,
    ConsentRequestIn,
    DisputeIn,
    DisputeOut,
    GrantIn,
    OutcomeIn,
    ProfileIn,
    QueryOut,
    ReceiptOut,
    RepairDecisionIn,
    RepairIn,
    RepairOut,
    SigningKeyOut,
    VerifyIn,
    VerifyOut,
)
from lab.credit import consent as consents
from lab.credit import disputes, repairs
from lab.credit.access import (
    ProfileRequest,
    ProfileUnavailable,
    answer_profile_request,
    refuse_foreign_operator,
)
from lab.credit.cards import active_card, card_for_bank
from lab.credit.history import queries_about
from lab.credit.limits import recent_alarms
from lab.credit.outcomes import LoanOutcome, report_outcome
from lab.credit.parties import acting_bank, acting_enterprise, bank_named, credit_code_of
from lab.credit.signing import ALGORITHM, lab_signer, parse_receipt, verify_receipt
from lab.credit.terms import ConsentTerms
from lab.db import row_of
from lab.db.models import CreditConsent, CreditDispute, Organisation
from lab.errors import IntegrityError, InvalidInput, NotAuthenticated
from lab.http.deps import DbDep, PrincipalDep, ServicesDep, presented_credential
from lab.http.params import IdPath
from lab.identity import Principal, Role, authenticate_token
from lab.logs import request_id_var
from lab.services import LabServices

router = APIRouter(prefix="/api/credit", tags=["credit"])


def signer(services: LabServices):
    """The signer of consent receipts, over the lab's current signing key."""
    return lab_signer(services.signing)


def consent_out(session: Session, consent: CreditConsent) -> ConsentOut:
    """The API shape of a consent, with its bank's name."""
    bank = row_of(session, Organisation, consent.bank_org_id)
    return ConsentOut(
        id=consent.id,
        credit_code=consent.credit_code,
        bank=bank.name,
        purpose=consent.purpose,
        scopes=list(consent.scopes),
        level=consent.level,
        window_months=consent.window_months,
        validity_days=consent.validity_days,
        query_cap=consent.query_cap,
        queries_used=consent.queries_used,
        state=consents.effective_state(consent).value,
        created_at=consent.created_at,
        valid_until=consent.valid_until,
    )


def _party(db: Session, principal: Principal, *, bank: bool) -> consents.Party:
    org = acting_bank(db, principal) if bank else acting_enterprise(db, principal)
    return consents.Party(principal.username, org)


# --- public: the lab's signing key and receipt verification ----------------------------------


@router.get("/signing-key", response_model=SigningKeyOut)
def signing_key(services: ServicesDep) -> SigningKeyOut:
    """The public key consent receipts are signed with (pin it to verify receipts offline)."""
    key = signer(services)
    return SigningKeyOut(algorithm=ALGORITHM, key_id=key.key_id, public_key=key.public_key)


@router.post("/receipts/verify", response_model=VerifyOut)
def verify(body: VerifyIn, services: ServicesDep) -> VerifyOut:
    """Whether a receipt's signature holds for its fields under the lab's key."""
    try:
        verify_receipt(parse_receipt(body.receipt), services.signing.current())
    except (IntegrityError, InvalidInput) as problem:
        return VerifyOut(valid=False, problem=problem.message)
    return VerifyOut(valid=True)


# --- bank side --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankCaller:
    """An authenticated bank operator and their bank, with no database connection held."""

    principal: Principal
    bank: Organisation


def bank_caller(request: Request, services: ServicesDep) -> BankCaller:
    """Authenticate in a short read of its own, so the profile route holds at most one pooled
    connection at a time (a request-long session plus the route's own would exhaust the pool
    under concurrent banks). The token's last-use time is not written: each profile call is
    recorded in the query log and the audit chain instead, and the write would double the
    writes per call."""
    credential = presented_credential(request)
    if not credential:
        raise NotAuthenticated("sign in or send a token in the Authorization header")
    with services.sessions() as session:
        principal = authenticate_token(session, credential)
        bank = acting_bank(session, principal)
        session.expunge(bank)
    return BankCaller(principal, bank)


@router.post("/profiles")
def profile(
    body: ProfileIn, caller: Annotated[BankCaller, Depends(bank_caller)], services: ServicesDep
) -> Response:
    """A consented profile, or the one denial answer (404 ``profile_unavailable``); the
    operator is the signed-in user, and naming anyone else is refused (403)."""
    request = ProfileRequest.parse(
        credit_code=body.credit_code,
        purpose=body.purpose,
        consent_id=body.consent_id,
        level=body.level,
    )
    operator, request_id = caller.principal.username, request_id_var.get()
    refuse_foreign_operator(
        services,
        bank=caller.bank,
        caller=operator,
        named=body.operator,
        credit_code=request.credit_code,
        request_id=request_id,
    )
    answer = answer_profile_request(
        services, bank=caller.bank, caller=operator, request=request, request_id=request_id
    )
    if answer.body is None:
        raise ProfileUnavailable()
    return Response(answer.body, media_type="application/json")


@router.get("/model-card")
def model_card(principal: PrincipalDep, db: DbDep) -> dict:
    """The active scorecard's model card: for stewards and auditors, and for a bank that holds
    a ``report``-level consent in force (403 otherwise)."""
    if principal.has_role(Role.STEWARD, Role.AUDITOR):
        return active_card(db)
    return card_for_bank(db, acting_bank(db, principal))


@router.post("/consent-requests", response_model=ConsentOut, status_code=201)
def request_consent(
    body: ConsentRequestIn, principal: PrincipalDep, services: ServicesDep, db: DbDep
) -> ConsentOut:
    """Ask an enterprise for a consent; it appears on the enterprise's page to approve."""
    terms = ConsentTerms.parse(**body.model_dump())
    consent = consents.request(
        db, services.audit, bank=_party(db, principal, bank=True), terms=terms
    )
    return consent_out(db, consent)


@router.get("/bank/consents", response_model=list[ConsentOut])
def bank_consents(principal: PrincipalDep, db: DbDep) -> list[ConsentOut]:
    """The consents this bank holds or asked for."""
    bank = acting_bank(db, principal)
    return [consent_out(db, c) for c in consents.consents_of_bank(db, bank.id)]


@router.post("/outcomes", status_code=201)
def outcome(
    body: OutcomeIn, principal: PrincipalDep, services: ServicesDep, db: DbDep
) -> dict[str, int]:
    """Report a loan's result for model validation."""
    bank = acting_bank(db, principal)
    row = report_outcome(
        db,
        services.audit,
        bank=bank,
        actor=principal.username,
        outcome=LoanOutcome(**body.model_dump()),
    )
    return {"id": row.id}


# --- enterprise side --------------------------------------------------------------------------


@router.get("/enterprise/consents", response_model=list[ConsentOut])
def my_consents(principal: PrincipalDep, db: DbDep) -> list[ConsentOut]:
    """Every consent about the signed-in enterprise, newest first."""
    org = acting_enterprise(db, principal)
    return [consent_out(db, c) for c in consents.consents_about(db, credit_code_of(org))]


@router.post("/enterprise/consents", response_model=ReceiptOut, status_code=201)
def grant(body: GrantIn, principal: PrincipalDep, services: ServicesDep, db: DbDep) -> ReceiptOut:
    """Authorise a named bank; the answer is the signed receipt."""
    party = _party(db, principal, bank=False)
    terms = ConsentTerms.parse(
        credit_code=credit_code_of(party.org), **body.model_dump(exclude={"bank"})
    )
    key = signer(services)
    consent = consents.grant(
        db, services.audit, key, enterprise=party, bank=bank_named(db, body.bank), terms=terms
    )
    return ReceiptOut(**consents.receipt_of(consent, key).to_json())


@router.post("/enterprise/consents/{consent_id}/approve", response_model=ReceiptOut)
def approve(
    consent_id: str, principal: PrincipalDep, services: ServicesDep, db: DbDep
) -> ReceiptOut:
    """Authorise a bank's pending request; the answer is the signed receipt."""
    key = signer(services)
    consent = consents.approve(
        db, services.audit, key, enterprise=_party(db, principal, bank=False), consent_id=consent_id
    )
    return ReceiptOut(**consents.receipt_of(consent, key).to_json())


@router.post("/enterprise/consents/{consent_id}/reject", response_model=ConsentOut)
def reject(
    consent_id: str, principal: PrincipalDep, services: ServicesDep, db: DbDep
) -> ConsentOut:
    """Decline a bank's pending request."""
    party = _party(db, principal, bank=False)
    return consent_out(
        db, consents.reject(db, services.audit, enterprise=party, consent_id=consent_id)
    )


@router.post("/enterprise/consents/{consent_id}/revoke", response_model=ConsentOut)
def revoke(
    consent_id: str, principal: PrincipalDep, services: ServicesDep, db: DbDep
) -> ConsentOut:
    """Withdraw a consent, effective at once."""
    party = _party(db, principal, bank=False)
    return consent_out(
        db, consents.revoke(db, services.audit, enterprise=party, consent_id=consent_id)
    )


@router.get("/enterprise/consents/{consent_id}/receipt", response_model=ReceiptOut)
def receipt(
    consent_id: str, principal: PrincipalDep, services: ServicesDep, db: DbDep
) -> ReceiptOut:
    """The signed receipt of an authorised consent."""
    consent = consents.own_consent(db, _party(db, principal, bank=False), consent_id)
    return ReceiptOut(**consents.receipt_of(consent, signer(services)).to_json())


@router.get("/enterprise/queries", response_model=list[QueryOut])
def who_queried(principal: PrincipalDep, db: DbDep) -> list[QueryOut]:
    """Every bank request about the signed-in enterprise: bank, operator, purpose, time, level."""
    org = acting_enterprise(db, principal)
    return [QueryOut(**q) for q in queries_about(db, credit_code_of(org))]


def dispute_out(dispute: CreditDispute) -> DisputeOut:
    """The API shape of a dispute, with the working days left to answer it."""
    return DisputeOut(
        id=dispute.id,
        item=dispute.item,
        reason=dispute.reason,
        state=dispute.state,
        opened_at=dispute.opened_at,
        answer_due=dispute.answer_due,
        days_left=disputes.days_left(dispute),
        answer=dispute.answer,
    )


@router.post("/enterprise/disputes", response_model=DisputeOut, status_code=201)
def dispute(
    body: DisputeIn, principal: PrincipalDep, services: ServicesDep, db: DbDep
) -> DisputeOut:
    """Dispute a profile item: flagged in every profile from now until it is answered."""
    org = acting_enterprise(db, principal)
    filed = disputes.open_dispute(
        db,
        services.audit,
        credit_code=credit_code_of(org),
        item=body.item,
        reason=body.reason,
        actor=principal.username,
    )
    return dispute_out(filed)


@router.get("/enterprise/disputes", response_model=list[DisputeOut])
def my_disputes(principal: PrincipalDep, db: DbDep) -> list[DisputeOut]:
    """The enterprise's disputes about its own profile items."""
    org = acting_enterprise(db, principal)
    return [dispute_out(d) for d in disputes.disputes_of(db, credit_code_of(org))]


@router.post("/enterprise/repairs", response_model=RepairOut, status_code=201)
def repair(body: RepairIn, principal: PrincipalDep, services: ServicesDep, db: DbDep) -> RepairOut:
    """Ask for the credit repair of a penalty past its publicity period."""
    org = acting_enterprise(db, principal)
    row = repairs.request_repair(
        db,
        services.audit,
        credit_code=credit_code_of(org),
        penalty_reference=body.penalty_reference,
        reason=body.reason,
        actor=principal.username,
    )
    return RepairOut.of(row)


# --- stewards and auditors -------------------------------------------------------------------


@router.post("/disputes/{dispute_id}/answer", response_model=DisputeOut)
def answer(
    dispute_id: IdPath, body: AnswerIn, principal: PrincipalDep, services: ServicesDep, db: DbDep
) -> DisputeOut:
    """A steward answers a dispute; the item stops being flagged."""
    principal.require_role(Role.STEWARD)
    return dispute_out(
        disputes.answer_dispute(
            db, services.audit, dispute_id=dispute_id, answer=body.answer, actor=principal.username
        )
    )


@router.get("/repairs", response_model=list[RepairOut])
def repairs_to_decide(principal: PrincipalDep, db: DbDep) -> list[RepairOut]:
    """Credit-repair requests awaiting a steward's decision, oldest first."""
    principal.require_role(Role.STEWARD)
    return [RepairOut.of(r) for r in repairs.repairs_awaiting(db)]


@router.post("/repairs/{repair_id}/decision", response_model=RepairOut)
def decide_repair(
    repair_id: IdPath, body: RepairDecisionIn, principal: PrincipalDep, services: ServicesDep
) -> RepairOut:
    """Approve (the penalty leaves the enterprise's profile at once) or reject, with reasons."""
    principal.require_role(Role.STEWARD)
    decided = repairs.decide_repair(
        services,
        repair_id=repair_id,
        approve=body.approve,
        reasons=body.reasons,
        actor=principal.username,
    )
    return RepairOut.of(decided)


@router.get("/alarms", response_model=list[AlarmOut])
def alarms(principal: PrincipalDep, db: DbDep) -> list[AlarmOut]:
    """Recent alarms on banks' query patterns."""
    principal.require_role(Role.STEWARD, Role.AUDITOR)
    return [
        AlarmOut(
            at=a.at, kind=a.kind, bank_id=a.bank_org_id, operator=a.operator, details=a.details
        )
        for a in recent_alarms(db)
    ]
