"""Demo sandbox projects: the demo enterprise and bank each get an approved project, once.

Budgets are set on the demo's T3 monthly tables that the catalogue published, so that the
example notebooks have something to query as soon as ``make demo`` is up.
"""

from __future__ import annotations

from sqlalchemy import select

from lab.catalogue.datasets import current_version
from lab.db import transaction
from lab.db.models import Dataset, Organisation, SandboxProject
from lab.demo.accounts import DEMO_ACTOR
from lab.gateway.projects import ProjectState, apply_for_project, approve_project
from lab.services import LabServices

DEMO_PROJECTS = (
    (
        "青岛海湾数据科技有限公司",
        "analyst",
        "行业税收与就业趋势",
        "分行业、分区的纳税与参保就业趋势分析",
    ),
    (
        "青岛城市商业银行（演示）",
        "banker",
        "小微企业经营基准",
        "按区与行业的小微企业纳税与缴费基准，用于授信参考",
    ),
)
DEMO_BUDGETS = {"tax-monthly": 5.0, "social-insurance-monthly": 5.0, "utilities-monthly": 3.0}


def seed_demo_projects(lab: LabServices) -> list[int]:
    """Approve one project per demo organisation that has none; return every demo project id."""
    ids = []
    with transaction(lab.sessions) as session:
        budgets = {slug: eps for slug, eps in DEMO_BUDGETS.items() if _published(session, slug)}
        for org_name, applicant, title, purpose in DEMO_PROJECTS:
            org = session.scalar(select(Organisation).where(Organisation.name == org_name))
            if org is None or not budgets:
                continue
            existing = session.scalar(
                select(SandboxProject).where(
                    SandboxProject.organisation_id == org.id,
                    SandboxProject.state == ProjectState.APPROVED.value,
                )
            )
            if existing is None:
                existing = apply_for_project(
                    session, lab.audit, organisation_id=org.id, title=title, purpose=purpose,
                    actor=applicant,
                )  # fmt: skip
                approve_project(
                    session, lab.audit, project=existing, budgets=budgets, actor=DEMO_ACTOR
                )
            ids.append(existing.id)
    return ids


def _published(session, slug: str) -> bool:
    dataset = session.scalar(select(Dataset).where(Dataset.slug == slug))
    return dataset is not None and current_version(session, dataset) is not None
