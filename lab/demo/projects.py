"""The demo's approved sandbox projects: one for the demo enterprise, two for the demo bank.

They go through the same application and approval path a steward uses, so the demo's analysts
can run DP queries (and, with the sandbox, get a server) as soon as ``datalab demo`` is up. The
bank's second project is one the steward put under ρ-zCDP accounting (discrete Gaussian noise),
its budgets given in ρ.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.audit import AuditLog
from lab.db.models import Organisation, SandboxProject
from lab.demo.catalogue import DEMO_STEWARD
from lab.gateway.org_budgets import OrganisationCaps
from lab.gateway.projects import apply_for_project, approve_project
from lab.gateway.zcdp import Accounting


@dataclass(frozen=True)
class DemoProject:
    """A project the demo applies for and approves, with its ε (or, under zCDP, ρ) per dataset."""

    organisation: str
    applicant: str
    title: str
    purpose: str
    budgets: dict[str, float]
    accounting: Accounting = Accounting.PURE


DEMO_PROJECTS: tuple[DemoProject, ...] = (
    DemoProject(
        "青岛海湾数据科技有限公司",
        "analyst",
        "行业纳税与就业趋势",
        "研究各行业纳税额与参保人数的月度趋势，用于企业经营分析。",
        {"tax-monthly": 5.0, "social-insurance-monthly": 5.0},
    ),
    DemoProject(
        "青岛城市商业银行（演示）",
        "banker",
        "小微企业区域行业基准",
        "按区和行业建立小微企业纳税、用工和水电用量基准，用于信贷产品设计。",
        {"tax-monthly": 5.0, "social-insurance-monthly": 5.0, "utilities-monthly": 5.0},
    ),
    DemoProject(
        "青岛城市商业银行（演示）",
        "banker",
        "小微企业纳税与参保基准（zCDP）",
        "按区多次分组比较小微企业纳税与参保人数，用 zCDP 核算多次查询的隐私预算。",
        {"tax-monthly": 0.25, "social-insurance-monthly": 0.25},
        Accounting.ZCDP,
    ),
)


def seed_demo_projects(
    session: Session, audit: AuditLog, caps: OrganisationCaps | None = None
) -> list[SandboxProject]:
    """Apply for and approve the demo projects not yet present (each organisation's caps
    created with ``caps``); return all of them."""
    projects = []
    for demo in DEMO_PROJECTS:
        org = session.scalar(select(Organisation).where(Organisation.name == demo.organisation))
        if org is None:
            continue
        existing = session.scalar(
            select(SandboxProject).where(
                SandboxProject.organisation_id == org.id, SandboxProject.title == demo.title
            )
        )
        projects.append(existing or _approved(session, audit, org, demo, caps))
    return projects


def _approved(
    session: Session,
    audit: AuditLog,
    org: Organisation,
    demo: DemoProject,
    caps: OrganisationCaps | None,
) -> SandboxProject:
    project = apply_for_project(
        session,
        audit,
        organisation_id=org.id,
        title=demo.title,
        purpose=demo.purpose,
        datasets=list(demo.budgets),
        actor=demo.applicant,
    )
    approve_project(
        session,
        audit,
        project=project,
        budgets=demo.budgets,
        actor=DEMO_STEWARD,
        note="演示",
        caps=caps,
        accounting=demo.accounting,
    )
    return project
