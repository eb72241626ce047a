"""Creating organisations, users and tokens; every change is written to the audit log."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from classification.checksums import is_valid_uscc
from lab.audit import AuditLog
from lab.clock import now
from lab.db.models import ApiToken, Organisation, User, UserRole
from lab.errors import Conflict, InvalidInput, NotFound
from lab.form_rules import TextRule
from lab.identity.passwords import hash_password
from lab.identity.roles import OrganisationKind, Role, TokenKind
from lab.identity.tokens import MintedToken, mint_token

USERNAME_RULE = TextRule(
    "2–64 个小写字母、数字或 . _ -，以字母或数字开头",
    "2 to 64 lower-case letters, digits, . _ or -, starting with a letter or digit",
    max_chars=64,
    pattern=r"[a-z0-9][a-z0-9._\-]{1,63}",
)
_USERNAME = re.compile(USERNAME_RULE.pattern or "")
_SCOPE = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")


def create_organisation(
    session: Session,
    audit: AuditLog,
    *,
    actor: str,
    name: str,
    kind: OrganisationKind,
    credit_code: str | None = None,
) -> Organisation:
    """Add an organisation; an enterprise must carry a valid 统一社会信用代码."""
    if kind is OrganisationKind.ENTERPRISE and not (credit_code and is_valid_uscc(credit_code)):
        raise InvalidInput(f"enterprise {name!r} needs a valid 18-character unified credit code")
    if credit_code and not is_valid_uscc(credit_code):
        raise InvalidInput(f"credit code {credit_code!r} fails its check character")
    if session.scalar(select(Organisation).where(Organisation.name == name)):
        raise Conflict(f"an organisation named {name!r} already exists")
    org = Organisation(name=name, kind=kind.value, credit_code=credit_code, created_at=now())
    session.add(org)
    session.flush()
    audit.append_in(
        session,
        actor=actor,
        action="organisation.create",
        target=f"org:{org.id}",
        details={"name": name, "kind": kind.value},
    )
    return org


def create_user(
    session: Session,
    audit: AuditLog,
    *,
    actor: str,
    username: str,
    roles: Iterable[Role],
    password: str | None = None,
    display_name: str | None = None,
    organisation: str | None = None,
) -> User:
    """Add a user with roles (and optionally a password and an organisation by name)."""
    if not _USERNAME.fullmatch(username):
        raise InvalidInput(
            f"username {username!r}: use 2–64 lower-case letters, digits, '.', '_' or '-'"
        )
    password_hash = hash_password(password) if password else None  # before any connection
    if session.scalar(select(User).where(User.username == username)):
        raise Conflict(f"user {username!r} already exists")
    role_set = sorted({Role(r) for r in roles}) or [Role.PUBLIC]
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=password_hash,
        organisation_id=_organisation_id(session, organisation),
        is_active=True,
        created_at=now(),
        roles=[UserRole(role=r.value) for r in role_set],
    )
    session.add(user)
    session.flush()
    audit.append_in(
        session,
        actor=actor,
        action="user.create",
        target=f"user:{username}",
        details={"roles": [r.value for r in role_set], "organisation": organisation},
    )
    return user


def _organisation_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        raise NotFound(f"no organisation named {name!r}")
    return org.id


def get_user(session: Session, username: str) -> User:
    """The user named ``username``; NotFound if there is none."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def issue_token(
    session: Session,
    audit: AuditLog,
    *,
    actor: str,
    user: User,
    kind: TokenKind,
    name: str,
    scopes: Sequence[str] = (),
    lifetime: timedelta,
) -> MintedToken:
    """Mint a token for ``user``; only its prefix and hash are stored."""
    for scope in scopes:
        if not _SCOPE.match(scope):
            raise InvalidInput(f"scope {scope!r}: lower-case words joined by '.', ':' or '_'")
    if lifetime <= timedelta(0):
        raise InvalidInput("a token's lifetime must be positive")
    minted = mint_token()
    issued = now()
    session.add(
        ApiToken(
            user_id=user.id,
            prefix=minted.prefix,
            secret_hash=minted.secret_hash,
            kind=kind.value,
            name=name,
            scopes=sorted(set(scopes)),
            created_at=issued,
            expires_at=issued + lifetime,
        )
    )
    session.flush()
    if kind is not TokenKind.SESSION:
        audit.append_in(
            session,
            actor=actor,
            action="token.create",
            target=f"user:{user.username}",
            details={"prefix": minted.prefix, "kind": kind.value, "scopes": sorted(set(scopes))},
        )
    return minted


def revoke_token(session: Session, audit: AuditLog, *, actor: str, prefix: str) -> None:
    """Revoke the token with ``prefix`` (audited unless it is a browser session)."""
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if token is None:
        raise NotFound(f"no token with prefix {prefix!r}")
    token.revoked_at = now()
    if token.kind != TokenKind.SESSION.value:
        audit.append_in(session, actor=actor, action="token.revoke", target=f"token:{prefix}")
