"""Turning presented credentials (token or password) into a Principal, or refusing them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.clock import as_utc, now
from lab.db.models import ApiToken, User
from lab.errors import NotAuthenticated, PermissionDenied
from lab.identity.accounts import issue_token
from lab.identity.passwords import verify_password
from lab.identity.roles import Role, TokenKind
from lab.identity.tokens import MintedToken, secret_matches, split_token

_REFUSED = "invalid or expired credentials"
WRONG_PASSWORD = "wrong username or password"  # noqa: S105 (a message, not a secret)
LAST_USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """Who is calling, as established by a credential."""

    user_id: int
    username: str
    roles: frozenset[Role]
    organisation_id: int | None
    token_kind: TokenKind
    scopes: frozenset[str]

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles)) or Role.ADMIN in self.roles

    def require_role(self, *roles: Role) -> None:
        if not self.has_role(*roles):
            needed = " or ".join(r.value for r in roles)
            raise PermissionDenied(f"this needs the {needed} role")


def _live_token(session: Session, plain: str) -> tuple[ApiToken, User]:
    """The unrevoked, unexpired token whose *whole* text is ``plain``, and its active user."""
    parts = split_token(plain)
    if parts is None:
        raise NotAuthenticated(_REFUSED)
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == parts[0]))
    if token is None or not secret_matches(parts[1], token.secret_hash):
        raise NotAuthenticated(_REFUSED)
    if token.revoked_at is not None or as_utc(token.expires_at) <= now():
        raise NotAuthenticated(_REFUSED)
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated(_REFUSED)
    return token, user


def authenticate_token(session: Session, plain: str) -> Principal:
    """The principal a token stands for; NotAuthenticated (one generic message) otherwise."""
    token, user = _live_token(session, plain)
    moment = now()
    if token.last_used_at is None or moment - as_utc(token.last_used_at) >= LAST_USE_RESOLUTION:
        token.last_used_at = moment  # a write at most once a minute per token, not per request
    return _principal(user, TokenKind(token.kind), token.scopes)


_SANDBOX_TOKEN = (
    select(ApiToken.secret_hash, ApiToken.expires_at, ApiToken.revoked_at, User.is_active)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.prefix == bindparam("p_prefix"), ApiToken.kind == TokenKind.SANDBOX.value)
)
"""Built once: the sandbox token with a prefix, with what decides whether it is live."""


def is_sandbox_token(connection: Connection, plain: str) -> bool:
    """Whether ``plain`` authenticates as a sandbox session token (the same checks as
    ``authenticate_token``: whole secret, unrevoked, unexpired, active user).

    One indexed read and no write, so the app-wide sandbox confinement does not authenticate
    every request a second time (nor record the token's last use).
    """
    parts = split_token(plain)
    if parts is None:
        return False
    row = connection.execute(_SANDBOX_TOKEN, {"p_prefix": parts[0]}).first()
    return (
        row is not None
        and secret_matches(parts[1], row.secret_hash)
        and row.revoked_at is None
        and as_utc(row.expires_at) > now()
        and row.is_active
    )


def revoke_presented_token(session: Session, audit: AuditLog, *, plain: str) -> str:
    """Revoke the token ``plain`` itself (its secret checked, not just its prefix).

    Returns its owner's username, who is named as the actor in the audit entry.
    """
    token, user = _live_token(session, plain)
    token.revoked_at = now()
    if token.kind != TokenKind.SESSION.value:
        audit.append_in(
            session, actor=user.username, action="token.revoke", target=f"token:{token.prefix}"
        )
    return user.username


def _principal(user: User, kind: TokenKind, scopes: list[str]) -> Principal:
    return Principal(
        user.id,
        user.username,
        frozenset(Role(r.role) for r in user.roles),
        user.organisation_id,
        kind,
        frozenset(scopes),
    )


@dataclass(frozen=True)
class StoredPassword:
    """What a sign-in checks a password against, read in a short transaction of its own."""

    user_id: int | None
    password_hash: str | None


def stored_password(session: Session, username: str) -> StoredPassword:
    """The active user's id and password hash (both None for an unknown or inactive user)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        return StoredPassword(None, None)
    return StoredPassword(user.id, user.password_hash)


def password_accepted(stored: StoredPassword, password: str) -> bool:
    """Verify with argon2 (the same work for unknown users). Hold no database connection."""
    return verify_password(stored.password_hash, password) and stored.user_id is not None


def open_web_session(
    session: Session, audit: AuditLog, *, stored: StoredPassword, lifetime: timedelta
) -> MintedToken:
    """Mint the browser session of a user whose password was accepted (still active)."""
    user = session.get(User, stored.user_id) if stored.user_id is not None else None
    if user is None or not user.is_active or user.password_hash != stored.password_hash:
        raise NotAuthenticated(WRONG_PASSWORD)
    return issue_token(
        session,
        audit,
        actor=user.username,
        user=user,
        kind=TokenKind.SESSION,
        name="web session",
        lifetime=lifetime,
    )
