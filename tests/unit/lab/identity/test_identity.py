"""Identity: organisations, users, roles, hashed tokens and password logins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lab.db import transaction
from lab.db.models import ApiToken, User
from lab.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied
from lab.identity import (
    OrganisationKind,
    Role,
    TokenKind,
    authenticate_token,
    open_web_session,
    password_accepted,
    stored_password,
)
from lab.identity.accounts import create_organisation, create_user, issue_token, revoke_token
from lab.services import LabServices

PASSWORD = "correct horse battery"


def _user(lab: LabServices, username: str = "alice", roles=(Role.ANALYST,)) -> None:
    with transaction(lab.sessions) as s:
        create_organisation(
            s,
            lab.audit,
            actor="t",
            name="海湾数据",
            kind=OrganisationKind.ENTERPRISE,
            credit_code="91370202MA3C4F6Y23",
        )
        create_user(
            s,
            lab.audit,
            actor="t",
            username=username,
            roles=roles,
            password=PASSWORD,
            organisation="海湾数据",
        )


def _token(lab: LabServices, *, lifetime=timedelta(days=1), scopes=("gateway",)) -> str:
    with transaction(lab.sessions) as s:
        user = s.scalar(select(User).where(User.username == "alice"))
        return issue_token(
            s,
            lab.audit,
            actor="t",
            user=user,
            kind=TokenKind.API,
            name="t",
            scopes=scopes,
            lifetime=lifetime,
        ).plain


def test_token_round_trip_and_storage_is_hashed(lab: LabServices) -> None:
    """A minted token authenticates, and the database holds only its prefix and hash."""
    _user(lab)
    plain = _token(lab)
    with transaction(lab.sessions) as s:
        principal = authenticate_token(s, plain)
        stored = s.scalar(select(ApiToken))
    assert principal.username == "alice" and principal.roles == {Role.ANALYST}
    assert principal.scopes == {"gateway"}
    assert plain.split("_", 2)[2] not in stored.secret_hash and stored.prefix in plain


def test_last_use_is_written_at_most_once_a_minute(lab: LabServices) -> None:
    """The first use records the time; uses within a minute leave the session clean (no write)."""
    _user(lab)
    plain = _token(lab)
    with transaction(lab.sessions) as s:
        authenticate_token(s, plain)
        assert s.dirty  # first use: last_used_at set
    with transaction(lab.sessions) as s:
        authenticate_token(s, plain)
        assert not s.dirty  # a second use within the minute writes nothing


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: "cdl_00000000_" + t.split("_", 2)[2],
        lambda t: "nonsense",
    ],
)
def test_wrong_tokens_refused_alike(lab: LabServices, mangle) -> None:
    """A wrong secret, an unknown prefix and garbage all get the same refusal."""
    _user(lab)
    plain = _token(lab)
    with transaction(lab.sessions) as s, pytest.raises(NotAuthenticated) as refused:
        authenticate_token(s, mangle(plain))
    assert refused.value.message == "invalid or expired credentials"


def test_expired_and_revoked_tokens_refused(lab: LabServices) -> None:
    """Expiry and revocation each end a token at once."""
    _user(lab)
    expired = _token(lab, lifetime=timedelta(microseconds=1))
    revoked = _token(lab)
    with transaction(lab.sessions) as s:
        revoke_token(s, lab.audit, actor="t", prefix=revoked.split("_")[1])
    for plain in (expired, revoked):
        with transaction(lab.sessions) as s, pytest.raises(NotAuthenticated):
            authenticate_token(s, plain)


def test_password_login(lab: LabServices) -> None:
    """The right password opens a session; a wrong one or an unknown user are both refused."""
    _user(lab)
    with lab.sessions() as s:
        stored = stored_password(s, "alice")
    assert password_accepted(stored, PASSWORD)
    with transaction(lab.sessions) as s:
        minted = open_web_session(s, lab.audit, stored=stored, lifetime=timedelta(hours=1))
        assert authenticate_token(s, minted.plain).token_kind is TokenKind.SESSION
    for username, password in (("alice", "wrong password!"), ("nobody", PASSWORD)):
        with lab.sessions() as s:
            assert not password_accepted(stored_password(s, username), password)
    with transaction(lab.sessions) as s, pytest.raises(NotAuthenticated):
        unknown = stored_password(s, "nobody")
        open_web_session(s, lab.audit, stored=unknown, lifetime=timedelta(hours=1))
    with lab.sessions() as s:
        assert s.scalar(select(User.password_hash)).startswith("$argon2id$")


def test_roles_and_bad_input(lab: LabServices) -> None:
    """Roles gate actions; bad usernames, duplicates, bad credit codes and short passwords fail."""
    _user(lab)
    with transaction(lab.sessions) as s:
        principal = authenticate_token(s, _token(lab))
    assert principal.has_role(Role.ANALYST) and not principal.has_role(Role.STEWARD)
    with pytest.raises(PermissionDenied, match="steward"):
        principal.require_role(Role.STEWARD)
    cases = [
        dict(username="Bad Name", roles=[Role.PUBLIC]),
        dict(username="alice", roles=[Role.PUBLIC]),
        dict(username="bob", roles=[Role.PUBLIC], password="short"),
    ]
    for case in cases:
        with transaction(lab.sessions) as s, pytest.raises((InvalidInput, Conflict)):
            create_user(s, lab.audit, actor="t", **case)
    with transaction(lab.sessions) as s, pytest.raises(InvalidInput, match="credit code"):
        create_organisation(
            s,
            lab.audit,
            actor="t",
            name="坏企业",
            kind=OrganisationKind.ENTERPRISE,
            credit_code="91370202MA3C4F6Y24",
        )


def test_account_changes_are_audited(lab: LabServices) -> None:
    """Creating organisations, users and tokens writes audit entries without the token."""
    _user(lab)
    plain = _token(lab)
    actions = [r.action for r in lab.audit.records()]
    assert actions == ["organisation.create", "user.create", "token.create"]
    assert all(
        plain not in r.details and plain.split("_", 2)[2] not in r.details
        for r in lab.audit.records()
    )
    assert lab.audit.verify().ok
