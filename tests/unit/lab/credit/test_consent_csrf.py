"""The red team's cross-origin auto-submit cannot revoke an enterprise's consent."""

from __future__ import annotations

import pytest

from lab.db import transaction
from lab.identity import Role
from lab.identity.accounts import create_user
from tests.unit.lab.credit.conftest import CreditWorld, grant

PASSWORD = "consent-csrf-tests-2026"


@pytest.fixture
def database_url(tmp_path) -> str:
    """Not about the database: SQLite only."""
    return f"sqlite:///{tmp_path / 'lab.db'}"


def _state(world: CreditWorld, consent_id: str) -> str:
    listed = world.client.get("/api/credit/enterprise/consents", headers=world.enterprise_headers)
    return next(c["state"] for c in listed.json() if c["id"] == consent_id)


def test_cross_origin_revoke_is_refused_and_same_origin_revoke_works(world: CreditWorld) -> None:
    """A page on another port posting with the admin's cookie is refused; the lab's own works."""
    consent_id = grant(world)["consent"]["consent_id"]
    with transaction(world.lab.sessions) as session:
        create_user(
            session,
            world.lab.audit,
            actor="test",
            username="ent-browser",
            roles=[Role.ENTERPRISE_ADMIN],
            password=PASSWORD,
            organisation="测试企业",
        )
    client = world.client
    signed = client.post("/auth/login", data={"username": "ent-browser", "password": PASSWORD})
    assert signed.status_code == 200 and client.cookies.get("datalab_session")
    path = f"/api/credit/enterprise/consents/{consent_id}/revoke"
    attack = client.post(path, headers={"Origin": "http://127.0.0.1:8666"})
    assert attack.status_code == 403 and attack.json()["error"]["code"] == "csrf_refused"
    assert client.post(path).status_code == 403  # no Origin, no token: refused too
    assert _state(world, consent_id) == "authorised"
    own = client.post(path, headers={"Origin": world.lab.settings.resolved_public_url})
    assert own.status_code == 200 and own.json()["state"] == "revoked"
