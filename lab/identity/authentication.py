"""Turning presented credentials (token or password) into a Principal, or refusing them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.db.models import ApiToken, User
from lab.errors import NotAuthenticated, PermissionDenied
from lab.identity.accounts import issue_token, now
from lab.identity.passwords import verify_password
from lab.identity.roles import Role, TokenKind
from lab.identity.tokens import MintedToken, secret_matches, split_token

_REFUSED = "invalid or expired credentials"
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


def _as_utc(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def authenticate_token(session: Session, plain: str) -> Principal:
    """The principal a token stands for; NotAuthenticated (one generic message) otherwise."""
    parts = split_token(plain)
    if parts is None:
        raise NotAuthenticated(_REFUSED)
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == parts[0]))
    if token is None or not secret_matches(parts[1], token.secret_hash):
        raise NotAuthenticated(_REFUSED)
    if token.revoked_at is not None or _as_utc(token.expires_at) <= now():
        raise NotAuthenticated(_REFUSED)
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated(_REFUSED)
    moment = now()
    if token.last_used_at is None or moment - _as_utc(token.last_used_at) >= LAST_USE_RESOLUTION:
        token.last_used_at = moment  # a write at most once a minute per token, not per request
    return _principal(user, TokenKind(token.kind), token.scopes)


def _principal(user: User, kind: TokenKind, scopes: list[str]) -> Principal:
    return Principal(
        user.id,
        user.username,
        frozenset(Role(r.role) for r in user.roles),
        user.organisation_id,
        kind,
        frozenset(scopes),
    )


def login(
    session: Session, audit: AuditLog, *, username: str, password: str, lifetime: timedelta
) -> MintedToken:
    """Check a password and open a browser session; the same refusal for any failure."""
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.is_active else None
    if not verify_password(stored, password) or user is None:
        audit.append(actor=f"anonymous:{username[:64]}", action="login.refused", target="web")
        raise NotAuthenticated("wrong username or password")
    return issue_token(
        session,
        audit,
        actor=user.username,
        user=user,
        kind=TokenKind.SESSION,
        name="web session",
        lifetime=lifetime,
    )
