"""A consent's life: granted or requested, approved or rejected, revoked or expired — audited.

Only authorised consents are signed: the signed fields name the consent, both parties, the
purpose, scopes, level, window, validity and cap. Revocation is one committed update, and the
bank's access check is a conditional update on the same row (``access.claim_query``), so a
query that commits after the revocation cannot be served.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.clock import as_utc, now
from lab.credit.signing import ConsentReceipt, ConsentSigner
from lab.credit.terms import ConsentTerms
from lab.credit.vocabulary import ConsentState
from lab.db import rows_matched
from lab.db.models import CreditConsent, Organisation
from lab.errors import Conflict, NotFound, PermissionDenied


def effective_state(consent: CreditConsent, at: datetime | None = None) -> ConsentState:
    """The state as of ``at``: an authorised consent past its end is expired."""
    state = ConsentState(consent.state)
    moment = at or now()
    until = consent.valid_until
    if state is ConsentState.AUTHORISED and until is not None and as_utc(until) <= moment:
        return ConsentState.EXPIRED
    return state


@dataclass(frozen=True)
class Party:
    """Who acts (a username) and for which organisation."""

    username: str
    org: Organisation


def _new(terms: ConsentTerms, bank: Organisation, enterprise_id: int | None) -> CreditConsent:
    return CreditConsent(
        id=f"cst_{secrets.token_hex(12)}",
        credit_code=terms.credit_code,
        enterprise_org_id=enterprise_id,
        bank_org_id=bank.id,
        purpose=terms.purpose.value,
        scopes=terms.sorted_scopes(),
        level=terms.level.value,
        level_rank=terms.level.rank,
        window_months=terms.window_months,
        validity_days=terms.validity_days,
        query_cap=terms.query_cap,
        queries_used=0,
        created_at=now(),
    )


def grant(
    session: Session,
    audit: AuditLog,
    signer: ConsentSigner,
    *,
    enterprise: Party,
    bank: Organisation,
    terms: ConsentTerms,
) -> CreditConsent:
    """The enterprise authorises ``bank`` on ``terms`` at once; the consent is signed."""
    _require_own_code(enterprise, terms.credit_code)
    consent = _new(terms, bank, enterprise.org.id)
    session.add(consent)
    _authorise(session, audit, signer, consent, enterprise, action="credit.consent.grant")
    return consent


def request(
    session: Session, audit: AuditLog, *, bank: Party, terms: ConsentTerms
) -> CreditConsent:
    """A bank asks an enterprise for a consent; it waits for the enterprise's answer.

    The answer is the same whether or not the credit code belongs to a known enterprise.
    """
    consent = _new(terms, bank.org, _enterprise_id(session, terms.credit_code))
    consent.state, consent.requested_by = ConsentState.AWAITING.value, bank.username
    session.add(consent)
    session.flush()
    _audit(session, audit, consent, bank.username, "credit.consent.request")
    return consent


def approve(
    session: Session, audit: AuditLog, signer: ConsentSigner, *, enterprise: Party, consent_id: str
) -> CreditConsent:
    """The enterprise authorises a bank's pending request; the consent is signed."""
    consent = own_consent(session, enterprise, consent_id, lock=True)
    if consent.state != ConsentState.AWAITING:
        raise Conflict(f"consent {consent_id} is {consent.state}, not awaiting authorisation")
    _authorise(session, audit, signer, consent, enterprise, action="credit.consent.approve")
    return consent


def reject(
    session: Session, audit: AuditLog, *, enterprise: Party, consent_id: str
) -> CreditConsent:
    """The enterprise declines a bank's pending request."""
    consent = own_consent(session, enterprise, consent_id, lock=True)
    if consent.state != ConsentState.AWAITING:
        raise Conflict(f"consent {consent_id} is {consent.state}, not awaiting authorisation")
    consent.state, consent.decided_by, consent.decided_at = (
        ConsentState.REJECTED.value,
        enterprise.username,
        now(),
    )
    _audit(session, audit, consent, enterprise.username, "credit.consent.reject")
    return consent


def revoke(
    session: Session, audit: AuditLog, *, enterprise: Party, consent_id: str
) -> CreditConsent:
    """Withdraw an authorised (or pending) consent, effective at once."""
    consent = own_consent(session, enterprise, consent_id, lock=True)
    moment = now()
    done = rows_matched(
        session.execute(
            update(CreditConsent)
            .where(
                CreditConsent.id == consent.id,
                CreditConsent.state.in_(
                    [ConsentState.AUTHORISED.value, ConsentState.AWAITING.value]
                ),
            )
            .values(state=ConsentState.REVOKED.value, revoked_at=moment)
            .execution_options(synchronize_session=False)
        )
    )
    if not done:
        raise Conflict(f"consent {consent_id} is {consent.state}; only a live consent is revoked")
    session.refresh(consent)
    _audit(session, audit, consent, enterprise.username, "credit.consent.revoke")
    return consent


def expire_due(session: Session, audit: AuditLog, *, actor: str = "credit-expiry") -> int:
    """Record as expired every authorised consent past its end; returns how many."""
    due = session.scalars(
        select(CreditConsent).where(
            CreditConsent.state == ConsentState.AUTHORISED.value,
            CreditConsent.valid_until <= now(),
        )
    ).all()
    for consent in due:
        consent.state = ConsentState.EXPIRED.value
        _audit(session, audit, consent, actor, "credit.consent.expire")
    return len(due)


def receipt_of(consent: CreditConsent, signer: ConsentSigner) -> ConsentReceipt:
    """The receipt of a signed consent, rebuilt from the stored signed fields."""
    if consent.signed_payload is None or consent.signature is None:
        raise Conflict(f"consent {consent.id} was never authorised, so it has no receipt")
    payload = json.loads(consent.signed_payload)
    public_key = signer.public_key_of(consent.key_id or "")
    return ConsentReceipt(payload, consent.signature, consent.key_id or "", public_key)


def signed_fields(consent: CreditConsent, bank: Organisation, by: str) -> dict[str, Any]:
    """The fields a signature covers."""
    assert consent.decided_at is not None and consent.valid_until is not None  # set on authorising
    return {
        "consent_id": consent.id,
        "credit_code": consent.credit_code,
        "bank": bank.name,
        "bank_id": bank.id,
        "purpose": consent.purpose,
        "scopes": list(consent.scopes),
        "level": consent.level,
        "window_months": consent.window_months,
        "query_cap": consent.query_cap,
        "authorised_by": by,
        "authorised_at": as_utc(consent.decided_at).isoformat(timespec="seconds"),
        "valid_until": as_utc(consent.valid_until).isoformat(timespec="seconds"),
    }


def _authorise(
    session: Session,
    audit: AuditLog,
    signer: ConsentSigner,
    consent: CreditConsent,
    enterprise: Party,
    *,
    action: str,
) -> None:
    moment = now().replace(microsecond=0)
    consent.state = ConsentState.AUTHORISED.value
    consent.decided_by, consent.decided_at = enterprise.username, moment
    consent.valid_until = moment + timedelta(days=consent.validity_days)
    bank = session.get(Organisation, consent.bank_org_id)
    assert bank is not None  # a foreign key
    receipt = signer.sign(signed_fields(consent, bank, enterprise.username))
    consent.signed_payload = json.dumps(receipt.consent, ensure_ascii=False, sort_keys=True)
    consent.signature, consent.key_id = receipt.signature, receipt.key_id
    session.flush()
    _audit(session, audit, consent, enterprise.username, action)


def _audit(
    session: Session, audit: AuditLog, consent: CreditConsent, actor: str, action: str
) -> None:
    audit.append_in(
        session,
        actor=actor,
        action=action,
        target=f"consent:{consent.id}",
        details={
            "bank_id": consent.bank_org_id,
            "purpose": consent.purpose,
            "scopes": list(consent.scopes),
            "level": consent.level,
            "state": consent.state,
            "signature": consent.signature,
        },
    )


def own_consent(
    session: Session, enterprise: Party, consent_id: str, *, lock: bool = False
) -> CreditConsent:
    """A consent about the acting enterprise; NotFound for any other id."""
    consent = session.get(CreditConsent, consent_id, with_for_update=lock)
    if consent is None or consent.credit_code != enterprise.org.credit_code:
        raise NotFound(f"no consent {consent_id!r} about your enterprise")
    return consent


def _require_own_code(enterprise: Party, credit_code: str) -> None:
    if enterprise.org.credit_code != credit_code:
        raise PermissionDenied("an enterprise may only authorise access to its own profile")


def _enterprise_id(session: Session, credit_code: str) -> int | None:
    query = select(Organisation.id).where(Organisation.credit_code == credit_code)
    return session.scalar(query)


def consents_about(session: Session, credit_code: str) -> list[CreditConsent]:
    """Every consent about one enterprise, newest first."""
    query = select(CreditConsent).where(CreditConsent.credit_code == credit_code)
    return list(session.scalars(query.order_by(CreditConsent.created_at.desc())))


def consents_of_bank(session: Session, bank_id: int) -> list[CreditConsent]:
    """Every consent a bank holds or asked for, newest first."""
    query = select(CreditConsent).where(CreditConsent.bank_org_id == bank_id)
    return list(session.scalars(query.order_by(CreditConsent.created_at.desc())))
