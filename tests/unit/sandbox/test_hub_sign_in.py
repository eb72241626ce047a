"""The hub's sign-in is throttled like the lab's: guessing gets nowhere, refusals are counted."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

from sqlalchemy import select

from lab.db import transaction
from lab.db.models import AuditEntry
from lab.identity import Role
from lab.identity.accounts import create_user
from sandbox.authenticator import LabAuthenticator

PASSWORD = "correct-horse-9"


def _from(address: str) -> SimpleNamespace:
    """What the authenticator reads of JupyterHub's login handler: the client's address."""
    return SimpleNamespace(request=SimpleNamespace(remote_ip=address))


def test_hub_guessing_is_throttled_per_address_and_account(sqlite_lab, monkeypatch) -> None:
    """After 5 wrong passwords from one address the right one is refused there, not elsewhere."""
    monkeypatch.setenv("DATALAB_HOME", str(sqlite_lab.settings.home))
    with transaction(sqlite_lab.sessions) as s:
        create_user(
            s, sqlite_lab.audit, actor="t", username="ana", roles=[Role.ANALYST], password=PASSWORD
        )
    hub = LabAuthenticator()

    def attempt(address: str, password: str):
        data = {"username": "ana", "password": password}
        return asyncio.run(hub.authenticate(_from(address), data))

    assert [attempt("10.0.0.5", "wrong-password-1") for _ in range(5)] == [None] * 5
    assert attempt("10.0.0.5", PASSWORD) is None
    assert attempt("10.0.0.6", PASSWORD) == "ana"
    with sqlite_lab.sessions() as s:
        per_attempt = s.scalars(select(AuditEntry).where(AuditEntry.action == "login.refused"))
        assert list(per_attempt) == []  # counted per window, not one chain entry each
    hub._guard.refusals.flush()
    with sqlite_lab.sessions() as s:
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "login.refused"))
    counts = json.loads(entry.details)
    assert entry.target == "hub" and (counts["refused"], counts["throttled"]) == (5, 1)
