"""Each consent state transition, and expiry and revocation racing queries."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import timedelta

from sqlalchemy import select

from lab.clock import now
from lab.credit import access
from lab.credit import consent as consents
from lab.credit.access import ProfileRequest, answer_profile_request
from lab.credit.vocabulary import ConsentState
from lab.db import transaction
from lab.db.models import CreditConsent, Organisation
from tests.unit.lab.credit.conftest import BANK, CreditWorld, ask, grant

TERMS = {"purpose": "renewal", "scopes": ["tax"], "level": "verify"}


def request_consent(world: CreditWorld) -> str:
    body = {"credit_code": world.code, **TERMS}
    response = world.client.post(
        "/api/credit/consent-requests", json=body, headers=world.bank_headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "awaiting_authorisation"
    return response.json()["id"]


def act(world: CreditWorld, consent_id: str, verb: str):
    return world.client.post(
        f"/api/credit/enterprise/consents/{consent_id}/{verb}", headers=world.enterprise_headers
    )


def state_of(world: CreditWorld, consent_id: str) -> str:
    listed = world.client.get("/api/credit/enterprise/consents", headers=world.enterprise_headers)
    return {c["id"]: c["state"] for c in listed.json()}[consent_id]


def test_grant_authorises_at_once_with_a_receipt(world: CreditWorld) -> None:
    """granted → authorised, signed; the bank is served."""
    receipt = grant(world, **TERMS)
    consent_id = receipt["consent"]["consent_id"]
    assert state_of(world, consent_id) == "authorised"
    assert ask(world, consent_id, **TERMS_ASK).status_code == 200


TERMS_ASK = {"purpose": "renewal", "level": "verify"}


def test_request_waits_until_approved(world: CreditWorld) -> None:
    """requested → awaiting (denied) → approved → authorised (served)."""
    consent_id = request_consent(world)
    assert ask(world, consent_id, **TERMS_ASK).status_code == 404
    approved = act(world, consent_id, "approve")
    assert approved.status_code == 200 and approved.json()["consent"]["consent_id"] == consent_id
    assert state_of(world, consent_id) == "authorised"
    assert ask(world, consent_id, **TERMS_ASK).status_code == 200


def test_rejected_request_is_final(world: CreditWorld) -> None:
    """awaiting → rejected; it cannot be approved afterwards and is never served."""
    consent_id = request_consent(world)
    assert act(world, consent_id, "reject").json()["state"] == "rejected"
    assert act(world, consent_id, "approve").status_code == 409
    assert ask(world, consent_id, **TERMS_ASK).status_code == 404


def test_revoke_authorised_and_pending(world: CreditWorld) -> None:
    """authorised → revoked and awaiting → revoked; a revoked consent cannot be revoked again."""
    granted = grant(world, **TERMS)["consent"]["consent_id"]
    pending = request_consent(world)
    for consent_id in (granted, pending):
        assert act(world, consent_id, "revoke").json()["state"] == "revoked"
        assert act(world, consent_id, "revoke").status_code == 409
    assert ask(world, granted, **TERMS_ASK).status_code == 404


def test_expiry_ends_service_and_is_recorded(world: CreditWorld) -> None:
    """authorised → expired when its end passes; the sweep records it and audits it."""
    consent_id = grant(world, **TERMS)["consent"]["consent_id"]
    with transaction(world.lab.sessions) as session:
        session.get(CreditConsent, consent_id).valid_until = now() - timedelta(seconds=1)
    assert state_of(world, consent_id) == "expired"
    assert ask(world, consent_id, **TERMS_ASK).status_code == 404
    with transaction(world.lab.sessions) as session:
        assert consents.expire_due(session, world.lab.audit) == 1
        assert session.get(CreditConsent, consent_id).state == ConsentState.EXPIRED
    assert any(r.action == "credit.consent.expire" for r in world.lab.audit.records())


def test_other_enterprise_cannot_touch_a_consent(world: CreditWorld) -> None:
    """A bank's token cannot approve, and an unknown id is not found."""
    consent_id = request_consent(world)
    refused = world.client.post(
        f"/api/credit/enterprise/consents/{consent_id}/approve", headers=world.bank_headers
    )
    assert refused.status_code == 403
    assert act(world, "cst_unknown", "approve").status_code == 404


def _bank(world: CreditWorld) -> Organisation:
    with world.lab.sessions() as session:
        bank = session.scalar(select(Organisation).where(Organisation.name == BANK))
        session.expunge(bank)
    return bank


def _request(world: CreditWorld, consent_id: str) -> ProfileRequest:
    return ProfileRequest.parse(
        credit_code=world.code,
        purpose="renewal",
        consent_id=consent_id,
        level="verify",
    )


def _hammer(world, consent_id, stop: threading.Event, results: list) -> None:
    bank, request = _bank(world), _request(world, consent_id)
    while not stop.is_set():
        started = time.monotonic()
        answer = answer_profile_request(
            world.lab, bank=bank, caller="banker", request=request, request_id="race"
        )
        results.append((started, answer.body is not None))


def test_revocation_racing_queries_serves_nothing_after_it(world: CreditWorld) -> None:
    """Queries running while the consent is revoked: none that starts after revocation is served,
    and every served query was counted on the consent."""
    consent_id = grant(world, **TERMS, query_cap=1000)["consent"]["consent_id"]
    stop, results = threading.Event(), []
    threads = [
        threading.Thread(target=_hammer, args=(world, consent_id, stop, results)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.4)
    assert act(world, consent_id, "revoke").status_code == 200
    revoked_at = time.monotonic()
    time.sleep(0.4)
    stop.set()
    for thread in threads:
        thread.join()
    assert any(served for _, served in results)
    assert not any(served for started, served in results if started > revoked_at)
    assert any(started > revoked_at for started, _ in results)
    with world.lab.sessions() as session:
        used = session.get(CreditConsent, consent_id).queries_used
    assert used == sum(served for _, served in results)


def test_expiry_racing_queries(world: CreditWorld) -> None:
    """A consent that ends mid-stream serves before its end and denies after it."""
    consent_id = grant(world, **TERMS, query_cap=1000)["consent"]["consent_id"]
    with transaction(world.lab.sessions) as session:
        session.get(CreditConsent, consent_id).valid_until = now() + timedelta(seconds=0.5)
    ends = time.monotonic() + 0.5
    stop, results = threading.Event(), []
    thread = threading.Thread(target=_hammer, args=(world, consent_id, stop, results))
    thread.start()
    time.sleep(1.0)
    stop.set()
    thread.join()
    assert any(served for _, served in results)
    assert not any(served for started, served in results if started > ends + 0.05)


def test_cap_holds_under_concurrency(world: CreditWorld) -> None:
    """Many concurrent queries on a consent capped at 5 are served exactly 5 times."""
    consent_id = grant(world, **TERMS, query_cap=5)["consent"]["consent_id"]
    stop, results = threading.Event(), []
    threads = [
        threading.Thread(target=_hammer, args=(world, consent_id, stop, results)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join()
    assert sum(served for _, served in results) == 5


def _changed_after_read(monkeypatch, change) -> None:
    """Make ``change()`` happen after a request's read and before its write transaction."""
    prepare = access._prepare

    def prepare_then_change(*args, **kwargs):
        prepared = prepare(*args, **kwargs)
        change()
        return prepared

    monkeypatch.setattr(access, "_prepare", prepare_then_change)


def test_consent_approved_after_the_read_serves_only_its_scopes(
    world: CreditWorld, monkeypatch
) -> None:
    """A request read while the consent awaited approval (so it prepared the every-scope decoy
    answer) and claimed after approval is served the approved scopes only, at the approved level."""
    consent_id = request_consent(world)
    _changed_after_read(monkeypatch, lambda: act(world, consent_id, "approve"))
    answer = answer_profile_request(
        world.lab,
        bank=_bank(world),
        caller="banker",
        request=_request(world, consent_id),
        request_id="approved-between",
    )
    assert answer.body is not None
    profile = json.loads(answer.body)
    assert sorted(profile["scopes"]) == ["tax"] and "score" not in profile
    assert answer.response_hash == hashlib.sha256(answer.body).hexdigest()


def test_consent_revoked_after_the_read_is_denied(world: CreditWorld, monkeypatch) -> None:
    """A request read while the consent was live and claimed after its revocation is denied."""
    consent_id = grant(world, **TERMS)["consent"]["consent_id"]
    _changed_after_read(monkeypatch, lambda: act(world, consent_id, "revoke"))
    answer = answer_profile_request(
        world.lab,
        bank=_bank(world),
        caller="banker",
        request=_request(world, consent_id),
        request_id="revoked-between",
    )
    assert answer.body is None and answer.response_hash == access.DENIAL_HASH
    with world.lab.sessions() as session:
        assert session.get(CreditConsent, consent_id).queries_used == 0
