"""Raw monthly values never leave; denials take the same time; limits and alarms hold."""

from __future__ import annotations

import itertools
import json
import random
import statistics
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from classification.checksums import uscc_check_char
from lab.credit.access import ProfileRequest, answer_profile_request
from lab.credit.aggregates import aggregate
from lab.credit.features import derive_all, held_scopes
from lab.credit.refresh import store_features
from lab.credit.sources import BoundSource
from lab.db.models import CreditAlarm, CreditProfileFeatures, Organisation
from lab.errors import RateLimited
from lab.identity import Role
from tests.unit.lab.credit.conftest import BANK, CreditWorld, ask, grant, token

CANARIES = {
    "tax_monthly": {
        "实缴税额（元）": 7_346_519,
        "销售额（元）": 918_273_645,
        "欠税金额（元）": 1_234_577,
    },
    "utilities_monthly": {"用电量（千瓦时）": 5_551_237, "电费（元）": 3_141_593},
}


def _with_canaries(sources: dict[str, BoundSource], code: str, out: Path) -> dict[str, BoundSource]:
    """A copy of the monthly sources where one enterprise's every month holds canary values."""
    changed = dict(sources)
    for name, values in CANARIES.items():
        frame = pd.read_parquet(sources[name].path)
        rows = frame["统一社会信用代码"] == code
        for column, value in values.items():
            frame.loc[rows, column] = value + frame.loc[rows].reset_index().index.to_numpy()
        target = out / f"{name}.parquet"
        frame.to_parquet(target)
        changed[name] = replace(sources[name], path=str(target))
    return changed


def test_canary_raw_values_never_appear(world: CreditWorld, demo_sources, tmp_path) -> None:
    """Distinctive monthly values in the sources are in no stored feature and no response."""
    sources = _with_canaries(demo_sources, world.code, tmp_path)
    as_of = date(2026, 10, 31)
    rows = derive_all(aggregate(sources, as_of), as_of, held_scopes(set(sources)))
    store_features(world.lab, rows, as_of, actor="test", sources=sorted(sources))
    consent_id = grant(world)["consent"]["consent_id"]
    texts = [ask(world, consent_id, level=level).text for level in ("verify", "indicators")]
    texts += [ask(world, consent_id, level=level).text for level in ("score", "report")]
    with world.lab.sessions() as session:
        stored = session.get(CreditProfileFeatures, world.code).features
    texts.append(json.dumps(stored, ensure_ascii=False))
    assert all('"scopes"' in text for text in texts)
    for values in CANARIES.values():
        for value in values.values():
            for month in range(24):
                for text in texts:
                    assert str(value + month) not in text


def _timed(world: CreditWorld, **kwargs) -> float:
    started = time.perf_counter()
    response = ask(world, **kwargs)
    elapsed = time.perf_counter() - started
    assert response.status_code == 404
    return elapsed


def test_denial_timings_are_within_noise(world: CreditWorld) -> None:
    """Unknown enterprise, no consent and revoked consent take the same time, statistically:
    rounds of one call of each kind in shuffled order; the median paired difference between any
    two kinds is within 15 % of the median call (or 1 ms), so a slow spell of the machine hits
    all kinds alike."""
    consent_id = grant(world)["consent"]["consent_id"]
    revoked_id = grant(world)["consent"]["consent_id"]
    world.client.post(
        f"/api/credit/enterprise/consents/{revoked_id}/revoke", headers=world.enterprise_headers
    )
    first17 = "91370200MA0000000"
    kinds = {
        "unknown": {"consent_id": consent_id, "code": first17 + uscc_check_char(first17)},
        "no_consent": {"consent_id": "cst_none"},
        "revoked": {"consent_id": revoked_id},
    }
    for kwargs in kinds.values():  # warm-up
        _timed(world, **kwargs)
    order = random.Random(5)
    rounds = []
    for _ in range(80):
        names = list(kinds)
        order.shuffle(names)
        rounds.append({name: _timed(world, **kinds[name]) for name in names})
    typical = statistics.median(t for r in rounds for t in r.values())
    for first, second in itertools.combinations(kinds, 2):
        difference = statistics.median(r[first] - r[second] for r in rounds)
        assert abs(difference) <= max(0.15 * typical, 0.001), (first, second, difference, typical)


def test_operator_rate_limit_refuses_and_is_audited(strict: CreditWorld) -> None:
    """The 4th request of an operator within a minute is 429, audited; another operator is fine."""
    codes = [ask(strict, "cst_none").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    colleague = token(strict.lab, "op-2", [Role.BANK_OPERATOR], BANK)
    assert ask(strict, "cst_none", headers=colleague).status_code == 404
    actions = [r.action for r in strict.lab.audit.records()]
    assert actions.count("credit.query.rate_limited") == 1
    assert strict.lab.audit.verify().ok


def test_alarms_on_denials_and_breadth(strict: CreditWorld) -> None:
    """Many denials, and one operator asking about many enterprises, each raise one alarm."""
    with strict.lab.sessions() as session:
        codes = session.scalars(select(CreditProfileFeatures.credit_code).limit(6)).all()
    operators = [token(strict.lab, f"op-{n}", [Role.BANK_OPERATOR], BANK) for n in (0, 1, 9)]
    for index, code in enumerate(codes):
        ask(strict, "cst_none", code=code, headers=operators[index // 3])
    for code in codes[:3]:
        ask(strict, "cst_none", code=code, headers=operators[2])
    with strict.lab.sessions() as session:
        kinds = sorted(a.kind for a in session.scalars(select(CreditAlarm)))
    assert kinds.count("denial_share") == 1
    assert "many_enterprises" in kinds
    assert any(r.action == "credit.alarm" for r in strict.lab.audit.records())


def _alarm_kinds(world: CreditWorld) -> list[str]:
    with world.lab.sessions() as session:
        return sorted(a.kind for a in session.scalars(select(CreditAlarm)))


def test_skipped_alarm_check_runs_when_its_interval_ends(strict: CreditWorld) -> None:
    """With checks at most every 2 s per operator, a burst's first request checks (too early to
    alarm) and the rest are skipped; the alarm the burst trips is still raised by the check due
    at the interval's end, with no further request."""
    settings = strict.lab.settings.model_copy(update={"credit_alarm_check_seconds": 2.0})
    object.__setattr__(strict.lab, "settings", settings)
    with strict.lab.sessions() as session:
        codes = session.scalars(select(CreditProfileFeatures.credit_code).limit(3)).all()
    started = time.monotonic()
    for code in codes:
        ask(strict, "cst_none", code=code)
    burst = time.monotonic() - started
    if burst < 1.5:  # the burst ran inside one interval: nothing could have alarmed yet
        assert "many_enterprises" not in _alarm_kinds(strict)
    deadline = time.monotonic() + 10
    while "many_enterprises" not in _alarm_kinds(strict) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _alarm_kinds(strict).count("many_enterprises") == 1
    assert strict.lab.audit.verify().ok


def test_operator_limit_holds_exactly_under_concurrent_requests(strict: CreditWorld) -> None:
    """Twelve requests of one operator at once, limit 3 a minute: exactly 3 are answered (here
    denied) and 9 refused for rate, each refusal audited; the counts see each other."""
    with strict.lab.sessions() as session:
        bank = session.scalar(select(Organisation).where(Organisation.name == BANK))
        session.expunge(bank)
    request = ProfileRequest.parse(
        credit_code=strict.code,
        purpose="loan_application",
        consent_id="cst_none",
        level="score",
    )
    outcomes: list[str] = []
    gate = threading.Barrier(12)

    def one(index: int) -> None:
        gate.wait()
        try:
            answer = answer_profile_request(
                strict.lab, bank=bank, caller="banker", request=request, request_id=f"r{index}"
            )
            outcomes.append("denied" if answer.body is None else "served")
        except RateLimited:
            outcomes.append("rate_limited")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["denied"] * 3 + ["rate_limited"] * 9
    actions = [r.action for r in strict.lab.audit.records()]
    assert actions.count("credit.query.rate_limited") == 9
    assert strict.lab.audit.verify().ok
