"""A bank operator is the signed-in user: invented operator names dodge no limit and no alarm."""

from __future__ import annotations

from sqlalchemy import func, select

from lab.db.models import CreditAlarm, CreditConsent, CreditProfileFeatures, CreditQuery
from tests.unit.lab.credit.conftest import CreditWorld, ask, grant

INVENTED = [f"alice{index}" for index in range(70)]
ANSWERED = (200, 404)


def _logged_operators(world: CreditWorld) -> set[str]:
    with world.lab.sessions() as session:
        return set(session.scalars(select(CreditQuery.operator)))


def test_invented_operator_names_hit_the_operator_limit(strict: CreditWorld) -> None:
    """One bank token naming 70 invented operators gets no more answers than one operator may
    (limit 3 a minute): every invented name is refused, and the token's own requests still hit
    the limit on the 4th."""
    invented = [ask(strict, "cst_none", operator=name).status_code for name in INVENTED]
    assert sum(code in ANSWERED for code in invented) <= 3, invented
    assert set(invented) == {403}
    own = [ask(strict, "cst_none").status_code for _ in range(4)]
    assert own == [404, 404, 404, 429]
    assert _logged_operators(strict) == {"banker"}
    actions = [r.action for r in strict.lab.audit.records()]
    assert actions.count("credit.query.operator_refused") == len(INVENTED)
    assert strict.lab.audit.verify().ok


def _alarms(world: CreditWorld) -> set[tuple[str, str]]:
    with world.lab.sessions() as session:
        return {(a.kind, a.operator) for a in session.scalars(select(CreditAlarm))}


def test_invented_operator_names_dodge_no_breadth_alarm(strict: CreditWorld) -> None:
    """Asking about many enterprises (alarm threshold 3) under a new operator name each time
    gets no answers without the many-enterprises alarm on the signed-in operator — as asking
    under one name does; no alarm is ever filed under an invented name."""
    with strict.lab.sessions() as session:
        codes = session.scalars(select(CreditProfileFeatures.credit_code).limit(6)).all()
    answered = [
        code
        for name, code in zip(INVENTED, codes, strict=False)
        if ask(strict, "cst_none", code=code, operator=name).status_code in ANSWERED
    ]
    alarmed = ("many_enterprises", "banker") in _alarms(strict)
    assert len(answered) < 3 or alarmed, f"{len(answered)} enterprises asked, no alarm"
    for code in codes[:3]:
        assert ask(strict, "cst_none", code=code, operator="banker").status_code == 404
    assert ("many_enterprises", "banker") in _alarms(strict)
    assert not any(operator.startswith("alice") for _, operator in _alarms(strict))


def test_a_mismatched_operator_is_refused_and_serves_nothing(world: CreditWorld) -> None:
    """Under a live consent, naming another operator is a 403 in the one error shape: no profile,
    no query of the consent used, no query-log row; naming oneself or no one is served."""
    consent_id = grant(world)["consent"]["consent_id"]
    refused = ask(world, consent_id, operator="other-banker")
    assert refused.status_code == 403, refused.text
    assert set(refused.json()) == {"error"}
    assert refused.json()["error"]["code"] == "permission_denied"
    assert "scopes" not in refused.text
    with world.lab.sessions() as session:
        assert session.get(CreditConsent, consent_id).queries_used == 0
        assert session.scalar(select(func.count()).select_from(CreditQuery)) == 0
    assert ask(world, consent_id, operator="banker").status_code == 200
    assert ask(world, consent_id).status_code == 200
    assert _logged_operators(world) == {"banker"}
