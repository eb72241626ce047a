"""The bank API: served profiles, one denial answer, scope enforcement, audit of every call."""

from __future__ import annotations

import json

from sqlalchemy import select

from classification.checksums import uscc_check_char
from lab.db.models import CreditQuery
from tests.unit.lab.credit.conftest import ALL_SCOPES, CreditWorld, ask, grant


def valid_code(first17: str) -> str:
    """A credit code with a correct check character."""
    return first17 + uscc_check_char(first17)


def test_served_profile_has_every_level_part(world: CreditWorld) -> None:
    """A report under a full consent carries checks, indicators, score, public items, freshness."""
    consent = grant(world)["consent"]
    response = ask(world, consent["consent_id"])
    assert response.status_code == 200, response.text
    profile = response.json()
    assert set(profile["scopes"]) == set(ALL_SCOPES)
    assert "checks" in profile["scopes"]["tax"] and "indicators" in profile["scopes"]["tax"]
    assert "public_items" in profile["scopes"]["registration"]
    assert profile["scopes"]["ip"] == {"status": "no_data_held"}
    assert profile["score"]["grade"] in {"A", "B", "C", "D", "E", "X"}
    assert profile["data_as_of"] == "2026-10-31"
    assert profile["disputed_items"] == []


def test_invalid_check_character_is_a_distinct_400(world: CreditWorld) -> None:
    """A credit code with a wrong check character is refused before anything else."""
    bad = world.code[:17] + ("0" if world.code[17] != "0" else "1")
    response = ask(world, "cst_x", code=bad)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


def test_denials_are_byte_identical(world: CreditWorld) -> None:
    """Unknown enterprise, no consent, another bank's consent, revoked and expired: one answer."""
    consent_id = grant(world)["consent"]["consent_id"]
    revoked_id = grant(world)["consent"]["consent_id"]
    world.client.post(
        f"/api/credit/enterprise/consents/{revoked_id}/revoke", headers=world.enterprise_headers
    )
    unknown = valid_code("91370200MA0000000")  # in no source
    answers = [
        ask(world, consent_id, code=unknown),
        ask(world, "cst_nothing"),
        ask(world, consent_id, code=world.other_code),
        ask(world, consent_id, headers=world.other_bank_headers),
        ask(world, revoked_id),
        ask(world, consent_id, purpose="renewal"),
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1
    assert answers[0].json()["error"]["code"] == "profile_unavailable"


def test_unconsented_scopes_never_appear(world: CreditWorld) -> None:
    """At every level, only consented scopes (and none of another scope's items) are output."""
    for level in ("verify", "indicators"):
        consent = grant(world, scopes=["tax", "customs"], level=level)["consent"]
        profile = ask(world, consent["consent_id"], level=level).json()
        assert set(profile["scopes"]) == {"tax", "customs"}
        text = json.dumps(profile, ensure_ascii=False)
        for foreign in ("insured_headcount", "dishonest", "electricity", "penalt", "age_band"):
            assert foreign not in text
        assert "score" not in profile


def test_level_above_consent_is_denied(world: CreditWorld) -> None:
    """A consent for indicators does not serve a score."""
    consent = grant(world, scopes=["tax"], level="indicators")["consent"]
    assert ask(world, consent["consent_id"], level="score").status_code == 404
    assert ask(world, consent["consent_id"], level="verify").status_code == 200


def test_every_call_is_audited_and_the_chain_verifies(world: CreditWorld) -> None:
    """Served and denied calls each leave an audit entry with request and response hashes."""
    consent_id = grant(world)["consent"]["consent_id"]
    served = ask(world, consent_id)
    denied = ask(world, "cst_nothing")
    entries = [r for r in world.lab.audit.records() if r.action == "credit.query"]
    assert len(entries) == 2
    details = [json.loads(e.details) for e in entries]
    assert [d["served"] for d in details] == [True, False]
    assert all(len(d["request_hash"]) == 64 and len(d["response_hash"]) == 64 for d in details)
    assert served.status_code == 200 and denied.status_code == 404
    assert world.lab.audit.verify().ok
    with world.lab.sessions() as session:
        logged = session.scalars(select(CreditQuery.served).order_by(CreditQuery.id)).all()
    assert logged == [True, False]


def test_query_cap_is_enforced(world: CreditWorld) -> None:
    """A consent with a cap of 2 serves two requests, then gives the denial answer."""
    consent_id = grant(world, query_cap=2)["consent"]["consent_id"]
    codes = [ask(world, consent_id).status_code for _ in range(3)]
    assert codes == [200, 200, 404]
