"""The hub's view of lab identities: logins, approved projects, kernel tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lab.db import transaction
from lab.db.models import ApiToken
from lab.errors import NotAuthenticated
from lab.gateway.projects import apply_for_project
from lab.identity import OrganisationKind, Role, TokenKind, authenticate_token
from lab.identity.accounts import create_organisation, create_user
from sandbox.identity import (
    approved_projects,
    check_login,
    mint_kernel_token,
    revoke_kernel_token,
)
from tests.unit.lab.gateway.restricted import publish_tax_table, sandbox_token


def test_login_checks_the_lab_password(sqlite_lab) -> None:
    """Right password: accepted; wrong password or unknown user: refused."""
    with transaction(sqlite_lab.sessions) as s:
        create_user(s, sqlite_lab.audit, actor="t", username="ana", roles=[Role.ANALYST],
                    password="correct-horse-9")  # fmt: skip
    assert check_login(sqlite_lab, "ana", "correct-horse-9")
    assert not check_login(sqlite_lab, "ana", "wrong-password-1")
    assert not check_login(sqlite_lab, "nobody", "correct-horse-9")


def test_only_approved_projects_of_the_users_organisation(sqlite_lab, tmp_path) -> None:
    """An applied (not approved) project and other organisations' projects are not offered."""
    publish_tax_table(sqlite_lab, tmp_path)
    sandbox_token(sqlite_lab, username="analyst")  # approved project for analyst's bank
    with transaction(sqlite_lab.sessions) as s:
        org = create_organisation(s, sqlite_lab.audit, actor="t", name="别家银行",
                                  kind=OrganisationKind.BANK)  # fmt: skip
        create_user(s, sqlite_lab.audit, actor="t", username="other", roles=[Role.ANALYST],
                    organisation=org.name)  # fmt: skip
        apply_for_project(s, sqlite_lab.audit, organisation_id=org.id, title="待批",
                          purpose="waiting for a decision", actor="other")  # fmt: skip
    assert [p.title for p in approved_projects(sqlite_lab, "analyst")] == ["基准"]
    assert approved_projects(sqlite_lab, "other") == []
    assert approved_projects(sqlite_lab, "missing") == []


def test_kernel_token_is_scoped_and_revocable(sqlite_lab, tmp_path) -> None:
    """A sandbox token for one project, refused once revoked (revoking twice changes nothing)."""
    publish_tax_table(sqlite_lab, tmp_path)
    sandbox_token(sqlite_lab, username="analyst")
    (project,) = approved_projects(sqlite_lab, "analyst")
    token = mint_kernel_token(
        sqlite_lab, username="analyst", project_id=project.id, lifetime=timedelta(hours=2)
    )
    with sqlite_lab.sessions() as s:
        principal = authenticate_token(s, token.plain)
    assert principal.token_kind is TokenKind.SANDBOX
    assert principal.scopes == frozenset({f"project:{project.id}"})
    revoke_kernel_token(sqlite_lab, token.prefix)
    revoke_kernel_token(sqlite_lab, token.prefix)
    with sqlite_lab.sessions() as s:
        stored = s.scalar(select(ApiToken).where(ApiToken.prefix == token.prefix))
        with pytest.raises(NotAuthenticated):
            authenticate_token(s, token.plain)
    assert stored.revoked_at is not None
