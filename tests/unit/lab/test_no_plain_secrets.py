"""No token, password or key is stored or logged in plain text."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from lab.app import create_app
from lab.db import transaction
from lab.identity import Role, TokenKind
from lab.identity.accounts import create_user, issue_token
from lab.logs import SecretScrubber, configure_logging
from lab.services import LabServices

PASSWORD = "a very private passphrase"


def _database_dump(lab: LabServices) -> str:
    rows = []
    with lab.engine.connect() as conn:
        for table in ("users", "api_tokens", "audit_entries", "organisations", "user_roles"):
            rows += [repr(tuple(r)) for r in conn.execute(text(f"SELECT * FROM {table}"))]
    return "\n".join(rows)


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.handlers[:], root.level = saved


@pytest.mark.usefixtures("restore_logging")
def test_database_and_logs_hold_no_plain_secrets(lab: LabServices, tmp_path) -> None:
    """After logins, token use and errors, neither the database nor the log holds a secret."""
    log_file = tmp_path / "lab.log"
    secret_key = lab.secret_key.decode()
    configure_logging("DEBUG", log_file, [secret_key])
    with transaction(lab.sessions) as s:
        user = create_user(
            s, lab.audit, actor="t", username="alice", roles=[Role.STEWARD], password=PASSWORD
        )
        token = issue_token(
            s,
            lab.audit,
            actor="t",
            user=user,
            kind=TokenKind.API,
            name="t",
            lifetime=timedelta(days=1),
        ).plain
    with TestClient(create_app(lab)) as client:
        client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
        session_cookie = client.cookies["datalab_session"]
        client.post("/auth/login", data={"username": "alice", "password": "wrong " + PASSWORD})
        client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        client.get(f"/auth/me?token={token}", headers={"Authorization": "Bearer cdl_bad"})
    logging.getLogger("lab.test").warning("leak attempt %s %s %s", token, PASSWORD, secret_key)
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = log_file.read_text(encoding="utf-8")
    stored = _database_dump(lab)
    assert "/auth/me" in logged  # the log really captured the requests
    for secret in (token, token.split("_", 2)[2], session_cookie, secret_key):
        assert secret not in logged
        assert secret not in stored
    assert PASSWORD not in stored
    assert "leak attempt" in logged and "[redacted]" in logged


def test_scrubber_removes_token_shapes_and_literals() -> None:
    """The scrubber removes tokens, bearer values and configured literal secrets."""
    scrub = SecretScrubber(["s3-secret-value-123"]).scrub
    token = "cdl_0123abcd_" + "A" * 43
    out = scrub(
        f"t={token} Authorization: Bearer abc.def key s3-secret-value-123 password=hunter22"
    )
    assert token not in out and "abc.def" not in out and "s3-secret-value-123" not in out
    assert "hunter22" not in out
