"""Sign-in attacks through the real routes: guessing, lock-out, audit flooding, logout by prefix."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lab.app import create_app
from lab.db import transaction
from lab.db.models import AuditEntry
from lab.identity import Role, TokenKind
from lab.identity.accounts import create_user, get_user, issue_token
from lab.services import LabServices, open_services
from lab.settings import LabSettings

PASSWORD = "sign-in-security-2026"
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def _lab(settings: LabSettings) -> LabServices:
    services = open_services(settings)
    with transaction(services.sessions) as s:
        for name in ("alice", "mallory"):
            create_user(
                s, services.audit, actor="t", username=name, roles=[Role.ANALYST], password=PASSWORD
            )
    return services


@pytest.fixture
def lab(tmp_path) -> Iterator[LabServices]:
    """A SQLite lab with the default sign-in limits and two users."""
    services = _lab(LabSettings(home=tmp_path / "home"))
    yield services
    services.close()


@pytest.fixture
def slowing_lab(tmp_path) -> Iterator[LabServices]:
    """The same, slowing a username down after 3 failures by half a second per attempt."""
    settings = LabSettings(
        home=tmp_path / "home", signin_username_failures=3, signin_username_delay=0.5
    )
    services = _lab(settings)
    yield services
    services.close()


def _client(lab: LabServices, address: str) -> TestClient:
    return TestClient(create_app(lab), client=(address, 40000))


def _login(client: TestClient, username: str, password: str):
    return client.post("/auth/login", data={"username": username, "password": password})


def _refusal_entries(lab: LabServices) -> list[AuditEntry]:
    with lab.sessions() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "login.refused")))


def test_guessing_is_refused_with_429_and_retry_after(lab: LabServices) -> None:
    """Past the per-account allowance a guesser gets 429 (one error shape, Retry-After)."""
    with _client(lab, "203.0.113.9") as client:
        answers = [_login(client, "alice", "guess guess guess") for _ in range(6)]
        right = _login(client, "alice", PASSWORD)
    assert [a.status_code for a in answers[:5]] == [401] * 5
    throttled = answers[5]
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) >= 1
    assert throttled.json()["error"]["code"] == "rate_limited"
    assert right.status_code == 429  # the guessing address stays throttled, even when right


def test_many_addresses_failing_cannot_lock_the_real_user_out(slowing_lab: LabServices) -> None:
    """An attacker's failures on alice from many addresses only delay her, boundedly."""
    app = create_app(slowing_lab)
    for octet in (1, 2):
        with TestClient(app, client=(f"198.51.100.{octet}", 1)) as attacker:
            codes = {_login(attacker, "alice", "wrong wrong wrong").status_code for _ in range(6)}
            assert codes == {401, 429}
    with TestClient(app, client=("192.0.2.77", 1)) as alice:
        started = time.monotonic()
        signed = _login(alice, "alice", PASSWORD)
        elapsed = time.monotonic() - started
    assert signed.status_code == 200, signed.text
    assert 0.5 <= elapsed < 0.5 + 3.0  # the slow-down applied, and bounded


def test_failed_sign_ins_are_audited_as_counts_per_window(lab: LabServices) -> None:
    """Many refusals add one audit entry of counts, not one chain entry per failed password."""
    with _client(lab, "203.0.113.10") as client:
        for name in ("alice", "nobody", "mallory", "alice"):
            assert _login(client, name, "wrong wrong wrong").status_code == 401
        assert _refusal_entries(lab) == []  # nothing per attempt while the window runs
    (entry,) = _refusal_entries(lab)  # written when the window closed (here: the app stopped)
    details = json.loads(entry.details)
    assert details["refused"] == 4 and details["usernames"] == {
        "alice": 2,
        "nobody": 1,
        "mallory": 1,
    }
    assert details["addresses"] == {"203.0.113.10": 4}
    assert lab.audit.verify().ok


def _api_token(lab: LabServices, username: str) -> str:
    with transaction(lab.sessions) as s:
        minted = issue_token(
            s,
            lab.audit,
            actor="t",
            user=get_user(s, username),
            kind=TokenKind.API,
            name="script",
            lifetime=timedelta(days=1),
        )
    return minted.plain


def test_logout_cannot_revoke_a_token_known_only_by_its_prefix(lab: LabServices) -> None:
    """Mallory, knowing alice's token prefix, cannot revoke it through /auth/logout."""
    victim = _api_token(lab, "alice")
    prefix = victim.split("_")[1]
    with _client(lab, "203.0.113.11") as client:
        assert _login(client, "mallory", PASSWORD).status_code == 200
        client.cookies.clear()  # mallory replaces her cookie with a forged one
        client.cookies.set("datalab_session", f"cdl_{prefix}_{'A' * 43}")
        assert client.post("/auth/logout", headers=SAME_ORIGIN).status_code == 200
        client.cookies.clear()
        me = client.get("/auth/me", headers={"Authorization": f"Bearer {victim}"})
    assert me.status_code == 200 and me.json()["username"] == "alice"
    with lab.sessions() as s:
        assert not s.scalars(select(AuditEntry).where(AuditEntry.action == "token.revoke")).all()


def test_logout_audits_the_real_caller(lab: LabServices) -> None:
    """A token revoked through /auth/logout is audited under its owner, not a generic 'web'."""
    own = _api_token(lab, "alice")
    with _client(lab, "203.0.113.12") as client:
        client.cookies.set("datalab_session", own)
        assert client.post("/auth/logout", headers=SAME_ORIGIN).status_code == 200
        client.cookies.clear()
        after = client.get("/auth/me", headers={"Authorization": f"Bearer {own}"})
    assert after.status_code == 401
    with lab.sessions() as s:
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "token.revoke"))
    assert entry.actor == "alice" and entry.target == f"token:{own.split('_')[1]}"
