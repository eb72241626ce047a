"""Signing in and out with a password, each step in a short transaction of its own.

The HTTP edge (``lab.http.signin``) runs these steps around its throttle and hashing threads:
read the stored hash (``read_stored_password``), let argon2 check the password while holding
no connection, then mint the browser session (``open_session``). ``sign_out`` revokes the
token presented — the whole token, checked, not only its prefix.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from lab.audit import AuditLog
from lab.db import transaction
from lab.identity.authentication import (
    StoredPassword,
    open_web_session,
    revoke_presented_token,
    stored_password,
)
from lab.identity.tokens import MintedToken


def read_stored_password(sessions: sessionmaker[Session], username: str) -> StoredPassword:
    """The stored hash of ``username`` (None for an unknown or inactive user), read and released."""
    with sessions() as session:
        return stored_password(session, username)


def open_session(
    sessions: sessionmaker[Session],
    audit: AuditLog,
    stored: StoredPassword,
    lifetime: timedelta,
) -> MintedToken:
    """Mint the browser session of a user whose password was accepted (audited)."""
    with transaction(sessions) as session:
        return open_web_session(session, audit, stored=stored, lifetime=lifetime)


def sign_out(sessions: sessionmaker[Session], audit: AuditLog, presented: str) -> None:
    """Revoke the token presented; NotAuthenticated if it is not a live token."""
    with transaction(sessions) as session:
        revoke_presented_token(session, audit, plain=presented)
