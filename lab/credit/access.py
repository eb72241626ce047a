"""A bank's profile request, end to end: read, claim the consent, check limits, log, answer.

Every request that names a valid credit code does the same work whatever the outcome: one read
(features, open disputes, the active scorecard); then one write transaction with a conditional
update that claims a query on the consent (it matches only an authorised, unexpired consent of
this bank, enterprise, purpose and level, under its cap), the rate-limit counts, a profile built
(from a decoy record when the enterprise is unknown), hashing, a query-log row and an audit
entry. Unknown enterprise, no consent, a revoked, expired or exhausted consent all end in the
same ``ProfileUnavailable`` answer. The statements are built once at import; alarm checks run at
most once per interval per operator (``lab.credit.monitor``).

The operator a request is counted, limited, logged and alarmed under is the signed-in user
(``caller``): each bank employee has an account and token of their own, so per-operator limits
and alarms cannot be dodged by naming a new operator in the request.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from lab.audit.chain import append_on, canonical_details
from lab.clock import now
from lab.credit.limits import check_limits, record_alarms, tripped_alarms
from lab.credit.monitor import schedule_for
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
    table_of,
)
from lab.db.retry import RetryPolicy, retry_write
from lab.db.writers import writer_turn
from lab.errors import InvalidInput, LabError, PermissionDenied, RateLimited
from lab.services import LabServices

_CONSENT_ID = re.compile(r"^[\w-]{1,40}$")
DENIAL_CODE = "profile_unavailable"
DENIAL_MESSAGE = (
    "no profile is available for this credit code under this consent, purpose and level"
)
OPEN_DISPUTE = "open"
_WRITE_RETRY = RetryPolicy(attempts=50, step=0.002, jitter=True)


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

    @classmethod
    def parse(cls, *, credit_code: str, purpose: str, consent_id: str, level: str):
        code = check_credit_code(credit_code)
        if not _CONSENT_ID.match(consent_id):
            raise InvalidInput("consent_id: the id the enterprise's consent was given")
        return cls(code, parse(Purpose, purpose), consent_id, parse(Level, level))

    def canonical(self, bank_id: int, caller: str, request_id: str) -> str:
        return canonical_details(
            {
                "bank_id": bank_id,
                "caller": caller,
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


_CONSENTS = table_of(CreditConsent)
_FEATURES = table_of(CreditProfileFeatures)
_DISPUTES = table_of(CreditDispute)
_SCORECARDS = table_of(CreditScorecard)
_QUERIES = table_of(CreditQuery)


def _of_enterprise(column):
    return select(column).where(_FEATURES.c.credit_code == bindparam("p_code")).scalar_subquery()


_LIVE_CONSENT = (
    _CONSENTS.c.id == bindparam("p_consent"),
    _CONSENTS.c.bank_org_id == bindparam("p_bank"),
    _CONSENTS.c.credit_code == bindparam("p_code"),
    _CONSENTS.c.purpose == bindparam("p_purpose"),
    _CONSENTS.c.level_rank >= bindparam("p_rank"),
    _CONSENTS.c.state == ConsentState.AUTHORISED.value,
    _CONSENTS.c.valid_until > bindparam("p_at"),
    _CONSENTS.c.queries_used < _CONSENTS.c.query_cap,
)
"""A consent that may serve this request: this bank's, about this enterprise, for this purpose
and level, authorised, unexpired and under its cap."""


def _of_live_consent(column):
    return select(column).where(*_LIVE_CONSENT).scalar_subquery()


_READS = select(
    _of_enterprise(_FEATURES.c.features).label("features"),
    _of_enterprise(_FEATURES.c.data_as_of).label("data_as_of"),
    select(func.aggregate_strings(_DISPUTES.c.item, "\n"))
    .where(_DISPUTES.c.credit_code == bindparam("p_code"), _DISPUTES.c.state == OPEN_DISPUTE)
    .scalar_subquery()
    .label("disputed"),
    select(_SCORECARDS.c.version)
    .where(_SCORECARDS.c.active.is_(True))
    .limit(1)
    .scalar_subquery()
    .label("model_version"),
    _of_live_consent(_CONSENTS.c.scopes).label("scopes"),
    _of_live_consent(_CONSENTS.c.window_months).label("window_months"),
)
"""Everything a request reads, in one statement: features, open disputes, the active model,
and the grant a live consent would give — only to prepare the answer outside the write
transaction; whether the request is served is decided by the claim inside it."""
_MODEL = select(_SCORECARDS.c.model).where(_SCORECARDS.c.version == bindparam("p_version"))
_BANK_TURN = (
    select(Organisation.__table__.c.id)
    .where(Organisation.__table__.c.id == bindparam("p_bank"))
    .with_for_update()
)
"""PostgreSQL: one bank's requests take turns (a row lock until commit), so its limit counts
see each other; SQLite's single writer already does that."""
_CLAIM = (
    update(_CONSENTS)
    .where(*_LIVE_CONSENT)
    .values(queries_used=_CONSENTS.c.queries_used + 1)
    .returning(_CONSENTS.c.scopes, _CONSENTS.c.window_months)
)
"""Use one query of a live consent: the access check and the cap in one update."""
_UNCLAIM = (
    update(_CONSENTS)
    .where(_CONSENTS.c.id == bindparam("p_consent"))
    .values(queries_used=_CONSENTS.c.queries_used - 1)
)
_LOG = insert(_QUERIES)

_models: dict[str, dict[str, Any]] = {}


def _model(connection: Connection, version: str | None) -> dict[str, Any] | None:
    """The active scorecard's model, loaded once per version (a version never changes)."""
    if version is None:
        return None
    if version not in _models:
        _models[version] = connection.execute(_MODEL, {"p_version": version}).scalar_one()
    return _models[version]


@dataclass(frozen=True)
class _Prepared:
    """A request's answer worked out before its write transaction, for the grant it expects."""

    features: dict[str, Any]
    data_as_of: str
    known: bool
    disputed: tuple[str, ...]
    model: dict[str, Any] | None
    grant: Grant
    body: bytes
    request_hash: str

    def answer(self, served: bool) -> ProfileAnswer:
        response_hash = hashlib.sha256(self.body).hexdigest() if served else DENIAL_HASH
        return ProfileAnswer(self.body if served else None, self.request_hash, response_hash)


def _grant(request: ProfileRequest, scopes, window_months) -> Grant:
    """The grant of a live consent's scopes and window, or with no consent every scope over 24
    months: a denial builds the fullest profile, so it costs what the largest answer costs."""
    return Grant(
        request.credit_code,
        request.consent_id,
        request.purpose,
        frozenset(Scope(s) for s in scopes) if scopes is not None else frozenset(Scope),
        request.level,
        window_months if scopes is not None else 24,
    )


def _body(features, data_as_of, grant: Grant, disputed, model) -> bytes:
    profile = build_profile(features, data_as_of, grant, disputed, model)
    return json.dumps(profile, ensure_ascii=False, separators=(",", ":")).encode()


def _params(bank: Organisation, request: ProfileRequest, at) -> dict[str, Any]:
    return {
        "p_consent": request.consent_id,
        "p_bank": bank.id,
        "p_code": request.credit_code,
        "p_purpose": request.purpose.value,
        "p_rank": request.level.rank,
        "p_at": at,
    }


def _prepare(
    lab: LabServices, bank: Organisation, caller: str, request: ProfileRequest, request_id: str
) -> _Prepared:
    """One read (two the first time a scorecard version is seen), then the profile built and
    hashed for the grant a live consent would give (every scope when there is none), before any
    write lock is taken. Nothing read here is kept across requests except scorecard models."""
    with lab.engine.connect() as connection:
        row = connection.execute(_READS, _params(bank, request, now())).one()
        model = _model(connection, row.model_version)
    disputed = tuple(row.disputed.split("\n")) if row.disputed else ()
    known = row.features is not None
    features = row.features if known else DECOY_FEATURES
    data_as_of = row.data_as_of if known else ""
    grant = _grant(request, row.scopes, row.window_months)
    request_hash = hashlib.sha256(request.canonical(bank.id, caller, request_id).encode())
    return _Prepared(
        features,
        data_as_of,
        known,
        disputed,
        model,
        grant,
        _body(features, data_as_of, grant, disputed, model),
        request_hash.hexdigest(),
    )


def _answer_in(
    connection: Connection,
    lab: LabServices,
    bank: Organisation,
    caller: str,
    request: ProfileRequest,
    request_id: str,
    prepared: _Prepared,
) -> ProfileAnswer:
    """Claim, limits, query-log row and audit entry: one transaction.

    On SQLite the claim is the first statement, so it takes the write lock before anything is
    read (no stale snapshot); on PostgreSQL the bank's row lock comes first. Either way the limit
    counts below see every earlier request of the bank, so a limit is never overshot. The claim
    alone decides whether the request is served; if the consent changed since the read (say it
    was authorised in between), the profile is rebuilt for the grant actually claimed.
    """
    at = now()
    if connection.dialect.name == "postgresql":
        connection.execute(_BANK_TURN, {"p_bank": bank.id})
    claimed = connection.execute(_CLAIM, _params(bank, request, at)).first()
    check_limits(connection, lab.settings, bank_id=bank.id, operator=caller, at=at)
    if claimed is not None and not prepared.known:  # a live consent, but no data on the firm
        connection.execute(_UNCLAIM, {"p_consent": request.consent_id})
    served = claimed is not None and prepared.known
    if claimed is not None and served:
        grant = _grant(request, claimed.scopes, claimed.window_months)
        if grant != prepared.grant:
            body = _body(
                prepared.features, prepared.data_as_of, grant, prepared.disputed, prepared.model
            )
            prepared = replace(prepared, grant=grant, body=body)
    answer = prepared.answer(served)
    _log(connection, at, bank, caller, request, answer, request_id)
    return answer


def _log(connection, at, bank, caller, request, answer, request_id) -> None:
    served = answer.body is not None
    connection.execute(
        _LOG,
        {
            "at": at,
            "bank_org_id": bank.id,
            "operator": caller,
            "caller": caller,
            "credit_code": request.credit_code,
            "consent_id": request.consent_id,
            "purpose": request.purpose.value,
            "level": request.level.value,
            "served": served,
            "request_hash": answer.request_hash,
            "response_hash": answer.response_hash,
        },
    )
    details = {
        "bank_id": bank.id,
        "operator": caller,
        "consent_id": request.consent_id,
        "purpose": request.purpose.value,
        "level": request.level.value,
        "served": served,
        "request_id": request_id,
        "request_hash": answer.request_hash,
        "response_hash": answer.response_hash,
    }
    append_on(
        connection,
        caller,
        "credit.query",
        f"enterprise:{request.credit_code}",
        canonical_details(details),
    )


def answer_profile_request(
    lab: LabServices, *, bank: Organisation, caller: str, request: ProfileRequest, request_id: str
) -> ProfileAnswer:
    """Serve or deny one request of the signed-in bank operator ``caller``; it is logged and
    audited either way before the answer.

    Read and build first (features, disputes, model, the expected grant; profile and hashes),
    then one short write transaction (claim, limits, query-log row, audit entry), retried whole
    if it loses a race; then the alarm check, when this operator's is due.
    """
    prepared = _prepare(lab, bank, caller, request, request_id)
    try:
        answer = _retried(
            lab,
            lambda c: _answer_in(c, lab, bank, caller, request, request_id, prepared),
            lab.engine.begin,
        )
    except RateLimited:
        _audit_rate_limited(lab, bank, caller, request, request_id)
        raise
    schedule_for(lab.engine).after_request(
        (bank.id, caller),
        lab.settings.credit_alarm_check_seconds,
        lambda: _check_alarms(lab, bank.id, caller),
    )
    return answer


def _check_alarms(lab: LabServices, bank_id: int, operator: str) -> list[str]:
    """Read whether an alarm is tripped; only if one is, take the write turn to record it."""
    at = now()
    with lab.sessions() as session:
        tripped = tripped_alarms(session, lab.settings, bank_id=bank_id, operator=operator, at=at)
    if not tripped:
        return []
    return _retried(
        lab,
        lambda s: record_alarms(s, lab.audit, tripped, bank_id=bank_id, at=at),
        lambda: transaction(lab.sessions),
    )


def _retried(lab: LabServices, work, begin):
    """``work(transaction)`` in a transaction of ``begin()``, in this database's writer turn,
    retried whole when it loses a race for a write."""

    def attempt():
        with writer_turn(lab.engine), begin() as tx:
            return work(tx)

    return retry_write(
        attempt,
        _WRITE_RETRY,
        gave_up="a profile request kept losing the race for the audit chain head",
    )


def _audit_rate_limited(
    lab: LabServices, bank: Organisation, caller: str, request: ProfileRequest, request_id: str
) -> None:
    """Record a request refused for rate in the audit log (it is a bank call too)."""
    details = {"bank_id": bank.id, "operator": caller, "request_id": request_id}
    _audit_refusal(lab, caller, "credit.query.rate_limited", request.credit_code, details)


def refuse_foreign_operator(
    lab: LabServices,
    *,
    bank: Organisation,
    caller: str,
    named: str | None,
    credit_code: str,
    request_id: str,
) -> None:
    """Refuse (403, audited, nothing served or counted) a request naming an operator other than
    the signed-in caller: an operator is who signed in, never a name the caller picks."""
    if named is None or named == caller:
        return
    details = {"bank_id": bank.id, "operator": caller, "named": named, "request_id": request_id}
    _audit_refusal(lab, caller, "credit.query.operator_refused", credit_code, details)
    raise PermissionDenied(
        "operator: leave it out or give your own username; each bank operator signs in "
        "with a token of their own"
    )


def _audit_refusal(lab: LabServices, caller: str, action: str, credit_code: str, details) -> None:
    _retried(
        lab,
        lambda c: append_on(
            c, caller, action, f"enterprise:{credit_code}", canonical_details(details)
        ),
        lab.engine.begin,
    )
