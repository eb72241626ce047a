"""The demo's organisations and logins, one per kind of user, created once and idempotently.

Demo passwords are printed by ``datalab demo``; they exist only in a demo home directory.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.db.models import Organisation, User
from lab.demo.firms import DEMO_ENTERPRISE
from lab.identity import OrganisationKind, Role
from lab.identity.accounts import create_organisation, create_user

DEMO_ACTOR = "demo-setup"


@dataclass(frozen=True)
class DemoLogin:
    """One demo account: who it is, what it may do, how to sign in."""

    username: str
    password: str
    roles: tuple[Role, ...]
    organisation: str | None
    purpose: str


DEMO_ORGANISATIONS: tuple[tuple[str, OrganisationKind, str | None], ...] = (
    ("青岛市大数据发展管理局", OrganisationKind.BUREAU, None),
    ("青岛市生态环境局", OrganisationKind.DEPARTMENT, None),
    (DEMO_ENTERPRISE[0], OrganisationKind.ENTERPRISE, DEMO_ENTERPRISE[1]),
    ("青岛城市商业银行（演示）", OrganisationKind.BANK, None),
)

DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "steward",
        "steward-demo-2026",
        (Role.STEWARD,),
        "青岛市大数据发展管理局",
        "ingest, classify, publish, approve",
    ),
    DemoLogin(
        "auditor",
        "auditor-demo-2026",
        (Role.AUDITOR,),
        "青岛市大数据发展管理局",
        "read and verify the audit log",
    ),
    DemoLogin(
        "analyst",
        "analyst-demo-2026",
        (Role.ANALYST,),
        "青岛海湾数据科技有限公司",
        "DP queries in a sandbox",
    ),
    DemoLogin(
        "enterprise",
        "enterprise-demo-2026",
        (Role.ENTERPRISE_ADMIN,),
        "青岛海湾数据科技有限公司",
        "grant and revoke credit consents",
    ),
    DemoLogin(
        "banker",
        "banker-demo-2026",
        (Role.BANK_OPERATOR, Role.ANALYST),
        "青岛城市商业银行（演示）",
        "credit profiles and DP benchmarks",
    ),
    DemoLogin(
        "teller",
        "teller-demo-2026",
        (Role.BANK_OPERATOR,),
        "青岛城市商业银行（演示）",
        "credit profiles, as a second operator of the bank (own limits and alarms)",
    ),
    DemoLogin(
        "applicant", "applicant-demo-2026", (Role.APPLICANT,), None, "apply for conditional data"
    ),
)


def seed_demo_accounts(session: Session, audit: AuditLog) -> tuple[DemoLogin, ...]:
    """Create the demo organisations and logins that do not exist yet; return all logins."""
    for name, kind, code in DEMO_ORGANISATIONS:
        if session.scalar(select(Organisation).where(Organisation.name == name)) is None:
            create_organisation(
                session, audit, actor=DEMO_ACTOR, name=name, kind=kind, credit_code=code
            )
    for login in DEMO_LOGINS:
        if session.scalar(select(User).where(User.username == login.username)) is None:
            create_user(
                session,
                audit,
                actor=DEMO_ACTOR,
                username=login.username,
                roles=login.roles,
                password=login.password,
                organisation=login.organisation,
            )
    return DEMO_LOGINS
