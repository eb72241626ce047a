"""The hub's view of lab identities: password checks, approved projects, kernel tokens.

The hub process is on the lab's side of the wall: it reads the lab's database to check a login
and to find the approved sandbox projects of the user's organisation, and mints the gateway token
a kernel receives (kind ``sandbox``, scoped to one project, living as long as the server).
Everything is audited through the lab's own account functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from lab.db import transaction
from lab.db.models import ApiToken, SandboxProject, User
from lab.gateway.projects import ProjectState
from lab.identity import TokenKind, password_accepted, stored_password
from lab.identity.accounts import get_user, issue_token, revoke_token
from lab.services import LabDirectory

HUB_ACTOR = "sandbox-hub"


@dataclass(frozen=True)
class ProjectChoice:
    """An approved sandbox project a user may start a server for."""

    id: int
    title: str


@dataclass(frozen=True)
class KernelToken:
    """A gateway token minted for one server: the plain text goes to the kernel only."""

    plain: str
    prefix: str


def check_login(lab: LabDirectory, username: str, password: str) -> bool:
    """True when ``username`` is an active lab user whose password matches.

    The hash is read in a short transaction and checked with no connection held; refusals are
    counted and audited per window by the caller's sign-in guard.
    """
    with lab.sessions() as session:
        stored = stored_password(session, username)
    return password_accepted(stored, password)


def approved_projects(lab: LabDirectory, username: str) -> list[ProjectChoice]:
    """The approved sandbox projects of the user's organisation, oldest first."""
    with lab.sessions() as session:
        user = session.scalar(select(User).where(User.username == username, User.is_active))
        if user is None or user.organisation_id is None:
            return []
        rows = session.scalars(
            select(SandboxProject)
            .where(
                SandboxProject.organisation_id == user.organisation_id,
                SandboxProject.state == ProjectState.APPROVED.value,
            )
            .order_by(SandboxProject.id)
        )
        return [ProjectChoice(p.id, p.title) for p in rows]


def mint_kernel_token(
    lab: LabDirectory, *, username: str, project_id: int, lifetime: timedelta
) -> KernelToken:
    """A sandbox token for ``username`` on ``project_id``, expiring after ``lifetime``."""
    with transaction(lab.sessions) as session:
        user = get_user(session, username)
        minted = issue_token(
            session,
            lab.audit,
            actor=HUB_ACTOR,
            user=user,
            kind=TokenKind.SANDBOX,
            name=f"sandbox server of {username}",
            scopes=[f"project:{project_id}"],
            lifetime=lifetime,
        )
    return KernelToken(minted.plain, minted.prefix)


def revoke_kernel_token(lab: LabDirectory, prefix: str) -> None:
    """Revoke a kernel's token when its server stops (once; later calls change nothing)."""
    with transaction(lab.sessions) as session:
        token = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
        if token is None or token.revoked_at is not None:
            return
        revoke_token(session, lab.audit, actor=HUB_ACTOR, prefix=prefix)
