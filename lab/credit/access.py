"""A bank's profile request, end to end: check, claim the consent, build, log, answer.

Every request that names a valid credit code does the same work whatever the outcome: the
limits, one feature lookup and one dispute lookup; then one conditional update that claims a
query on the consent (it matches only an authorised, unexpired consent of this bank,
enterprise, purpose and level, under its cap), a profile built (from a decoy record when the
enterprise is unknown), hashing, a query-log row and an audit entry; then the alarm checks.
Unknown enterprise, no consent, a revoked, expired or exhausted consent all end in the same
``ProfileUnavailable`` answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError as DbIntegrityError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from lab.audit.chain import canonical_details
from lab.credit.limits import check_limits, raise_alarms
from lab.credit.profiles import DECOY_FEATURES, Grant, build_profile
from lab.credit.terms import check_credit_code
from lab.credit.vocabulary import ConsentState, Level, Purpose, Scope, parse
from lab.db import transaction
from lab.db.models import (
    CreditConsent,
    CreditDispute,
    CreditProfileFeatures,
    CreditQuery,
    CreditScorecard,
    Organisation,
)
from lab.errors import InternalError, InvalidInput, LabError, RateLimited
from lab.identity.accounts import now
from lab.services import LabServices

_OPERATOR = re.compile(r"^[\w.@-]{1,64}$")
_CONSENT_ID = re.compile(r"^[\w-]{1,40}$")
DENIAL_CODE = "profile_unavailable"
DENIAL_MESSAGE = (
    "no profile is available for this credit code under this consent, purpose and level"
)
OPEN_DISPUTE = "open"
_ATTEMPTS = 50


class ProfileUnavailable(LabError):
    """The one answer for unknown enterprise, no consent, revoked, expired or used-up consent."""

    code = DENIAL_CODE
    http_status = 404

    def __init__(self) -> None:
        super().__init__(DENIAL_MESSAGE)


DENIAL_HASH = hashlib.sha256(
    canonical_details({"code": DENIAL_CODE, "message": DENIAL_MESSAGE}).encode()
).hexdigest()


@dataclass(frozen=True)
class ProfileRequest:
    """What a bank asks for; the credit code's check character is checked first of all."""

    credit_code: str
    purpose: Purpose
    consent_id: str
    level: Level
    operator: str

    @classmethod
    def parse(cls, *, credit_code: str, purpose: str, consent_id: str, level: str, operator: str):
        code = check_credit_code(credit_code)
        if not _CONSENT_ID.match(consent_id):
            raise InvalidInput("consent_id: the id the enterprise's consent was given")
        if not _OPERATOR.match(operator):
            raise InvalidInput("operator: 1–64 letters, digits, '.', '_', '@' or '-'")
        return cls(code, parse(Purpose, purpose), consent_id, parse(Level, level), operator)

    def canonical(self, bank_id: int, caller: str, request_id: str) -> str:
        return canonical_details(
            {
                "bank_id": bank_id,
                "caller": caller,
                "operator": self.operator,
                "credit_code": self.credit_code,
                "purpose": self.purpose.value,
                "consent_id": self.consent_id,
                "level": self.level.value,
                "request_id": request_id,
            }
        )


@dataclass(frozen=True)
class ProfileAnswer:
    """A served profile as the exact bytes sent, or ``body=None`` for the denial."""

    body: bytes | None
    request_hash: str
    response_hash: str


_models: dict[str, dict[str, Any]] = {}


def active_model(session: Session) -> dict[str, Any] | None:
    """The active scorecard (cached per version)."""
    row = session.execute(
        select(CreditScorecard.version).where(CreditScorecard.active.is_(True))
    ).first()
    if row is None:
        return None
    if row.version not in _models:
        _models[row.version] = session.get(CreditScorecard, row.version).model
    return _models[row.version]


@dataclass(frozen=True)
class _Reads:
    """What a request reads before it writes: the enterprise's features, disputes, the model."""

    features: dict[str, Any]
    data_as_of: str
    known: bool
    disputed: tuple[str, ...]
    model: dict[str, Any] | None


def _read(lab: LabServices, bank: Organisation, request: ProfileRequest) -> _Reads:
    """Limits checked, then the reads, in a short read-only transaction of their own."""
    with lab.sessions() as session:
        check_limits(session, lab.settings, bank_id=bank.id, operator=request.operator, at=now())
        stored = session.get(CreditProfileFeatures, request.credit_code)
        disputed = session.scalars(
            select(CreditDispute.item).where(
                CreditDispute.credit_code == request.credit_code,
                CreditDispute.state == OPEN_DISPUTE,
            )
        ).all()
        model = active_model(session)
    if stored is None:
        return _Reads(DECOY_FEATURES, "", False, tuple(disputed), model)
    return _Reads(stored.features, stored.data_as_of, True, tuple(disputed), model)


def _claim(session: Session, request: ProfileRequest, bank_id: int):
    """Use one query of a matching live consent; its scopes and window, or None.

    This update is the transaction's first statement, so on SQLite it takes the write lock
    before reading anything (no stale snapshot to fail on) and waits its turn if it must.
    """
    return session.execute(
        update(CreditConsent)
        .where(
            CreditConsent.id == request.consent_id,
            CreditConsent.bank_org_id == bank_id,
            CreditConsent.credit_code == request.credit_code,
            CreditConsent.purpose == request.purpose.value,
            CreditConsent.level_rank >= request.level.rank,
            CreditConsent.state == ConsentState.AUTHORISED.value,
            CreditConsent.valid_until > now(),
            CreditConsent.queries_used < CreditConsent.query_cap,
        )
        .values(queries_used=CreditConsent.queries_used + 1)
        .returning(CreditConsent.scopes, CreditConsent.window_months)
        .execution_options(synchronize_session=False)
    ).first()


def _answer_in(
    session: Session,
    lab: LabServices,
    bank: Organisation,
    caller: str,
    request: ProfileRequest,
    request_id: str,
    reads: _Reads,
) -> ProfileAnswer:
    claimed = _claim(session, request, bank.id)
    served = claimed is not None and reads.known
    if claimed is not None and not reads.known:  # a live consent, but no data on the firm
        session.execute(
            update(CreditConsent)
            .where(CreditConsent.id == request.consent_id)
            .values(queries_used=CreditConsent.queries_used - 1)
        )
    grant = Grant(
        request.credit_code,
        request.consent_id,
        request.purpose,
        frozenset(Scope(s) for s in claimed.scopes) if claimed else frozenset(Scope),
        request.level,
        claimed.window_months if claimed else 24,
    )
    profile = build_profile(reads.features, reads.data_as_of, grant, reads.disputed, reads.model)
    body = json.dumps(profile, ensure_ascii=False, separators=(",", ":")).encode()
    request_hash = hashlib.sha256(request.canonical(bank.id, caller, request_id).encode())
    answer = ProfileAnswer(
        body if served else None,
        request_hash.hexdigest(),
        hashlib.sha256(body).hexdigest() if served else DENIAL_HASH,
    )
    _log(session, lab, bank, caller, request, answer, request_id)
    return answer


def _log(session, lab, bank, caller, request, answer, request_id) -> None:
    served = answer.body is not None
    session.add(
        CreditQuery(
            at=now(),
            bank_org_id=bank.id,
            operator=request.operator,
            caller=caller,
            credit_code=request.credit_code,
            consent_id=request.consent_id,
            purpose=request.purpose.value,
            level=request.level.value,
            served=served,
            request_hash=answer.request_hash,
            response_hash=answer.response_hash,
        )
    )
    session.flush()
    lab.audit.append_in(
        session,
        actor=caller,
        action="credit.query",
        target=f"enterprise:{request.credit_code}",
        details={
            "bank_id": bank.id,
            "operator": request.operator,
            "consent_id": request.consent_id,
            "purpose": request.purpose.value,
            "level": request.level.value,
            "served": served,
            "request_id": request_id,
            "request_hash": answer.request_hash,
            "response_hash": answer.response_hash,
        },
    )


def answer_profile_request(
    lab: LabServices, *, bank: Organisation, caller: str, request: ProfileRequest, request_id: str
) -> ProfileAnswer:
    """Serve or deny one request; it is logged and audited either way before the answer.

    Reads first (limits, features, disputes, model), then one short write transaction (claim,
    build, hash, query-log row, audit entry), retried whole if it loses a race; alarms last.
    """
    try:
        reads = _read(lab, bank, request)
    except RateLimited:
        _audit_rate_limited(lab, bank, caller, request, request_id)
        raise
    answer = _retried(lambda s: _answer_in(s, lab, bank, caller, request, request_id, reads), lab)
    _retried(
        lambda s: raise_alarms(
            s, lab.audit, lab.settings, bank_id=bank.id, operator=request.operator, at=now()
        ),
        lab,
    )
    return answer


_SQLITE_WRITER = threading.Lock()
"""SQLite has one writer: this process's writers queue here, handed over at once, instead of in
SQLite's busy handler, which sleeps in growing steps and gives a long tail under load."""


def _writer_turn(lab: LabServices):
    return _SQLITE_WRITER if lab.engine.dialect.name == "sqlite" else contextlib.nullcontext()


def _retried(work, lab: LabServices):
    """``work(session)`` in a transaction, retried whole when it loses a race for a write."""
    for attempt in range(_ATTEMPTS):
        try:
            with _writer_turn(lab), transaction(lab.sessions) as session:
                return work(session)
        except (DbIntegrityError, OperationalError):
            time.sleep(random.uniform(0, min(0.002 * (attempt + 1), 0.05)))  # noqa: S311 (jitter)
    raise InternalError("a profile request kept losing the race for the audit chain head")


def _audit_rate_limited(
    lab: LabServices, bank: Organisation, caller: str, request: ProfileRequest, request_id: str
) -> None:
    """Record a request refused for rate in the audit log (it is a bank call too)."""
    lab.audit.append(
        actor=caller,
        action="credit.query.rate_limited",
        target=f"enterprise:{request.credit_code}",
        details={"bank_id": bank.id, "operator": request.operator, "request_id": request_id},
    )
