"""Test set-up for conditional (T2) data: a published T2 dataset and an approved application."""

from __future__ import annotations

import csv
from pathlib import Path

from classification import Tier
from lab.catalogue.dictionary import DataDictionary
from lab.catalogue.portal_workflow.applications import (
    PLEDGE_ITEMS,
    ApplicationForm,
    SecurityPledge,
    approve,
    submit_application,
)
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.publishing import publish
from lab.db import transaction
from lab.identity import Role
from lab.identity.accounts import create_user, get_user
from lab.ingest.pipeline import ingest
from lab.services import LabServices

DISTRICTS = ("市南区", "市北区", "李沧区", "崂山区", "黄岛区")
INDUSTRIES = ("批发和零售业", "制造业", "信息传输、软件和信息技术服务业", "建筑业")
BANDS = ("10人以下", "10-49人", "50-99人")
APPLICANT_PASSWORD = "applicant password 1"


def conditional_rows(count: int, industries: tuple[str, ...] = INDUSTRIES) -> list[list[str]]:
    """Banded, enterprise-level rows with distinct content (a running 报送编号)."""
    return [
        [
            DISTRICTS[i % 5],
            industries[i % 4],
            str(2023 + i % 2),
            BANDS[i % 3],
            "是" if i % 7 else "否",
            '=HYPERLINK("http://x")' if i == 3 else f"报送{i:05d}",
        ]
        for i in range(count)
    ]


HEADERS = ["所属区", "行业门类", "报告年度", "从业人数区间", "是否有网站或网店", "报送批次"]


def publish_conditional(
    lab: LabServices,
    tmp: Path,
    slug: str,
    rows: int = 200,
    *,
    industries: tuple[str, ...] = INDUSTRIES,
    dictionary: DataDictionary | None = None,
) -> int:
    """Ingest a small banded table (with ``dictionary``), raise it to T2 and publish its
    extract; the version id."""
    path = tmp / f"{slug}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        writer.writerows(conditional_rows(rows, industries))
    meta = DatasetMeta(
        title="企业年报区间信息（测试）",
        title_en="Annual report bands (test)",
        department="市市场监督管理局",
        slug=slug,
        topic="经贸工商",
        tags=("企业年报",),
        update_frequency="yearly",
    )
    with path.open("rb") as stream:
        outcome = ingest(lab, stream, path.name, meta, actor="steward", dictionary=dictionary)
        version_id = outcome.version_id
    with transaction(lab.sessions) as session:
        version = get_version(session, version_id)
        decide(session, lab.audit, version=version, tier=Tier.T2, justification="", actor="steward")
    publish(lab, version_id=version_id, actor="steward")
    return version_id


def complete_form(**changes: object) -> ApplicationForm:
    fields = {
        "organisation": "青岛海湾数据科技有限公司",
        "contact_name": "王小明",
        "contact_phone": "0532-88886666",
        "contact_email": "wang@example.com",
        "purpose": "研究各区中小企业从业人数结构，为企业服务政策评估提供依据。",
        "scenario": "学术研究与政策评估报告",
        "fields": tuple(HEADERS),
        "period_months": 6,
        "security_measures": "专用内网计算机存放，访问留痕，项目结束后删除。",
    }
    return ApplicationForm(**{**fields, **changes})


def full_pledge(signer: str = "王小明") -> SecurityPledge:
    return SecurityPledge(frozenset(key for key, _ in PLEDGE_ITEMS), signer)


def add_applicant(lab: LabServices, username: str) -> None:
    with transaction(lab.sessions) as session:
        create_user(
            session,
            lab.audit,
            actor="test",
            username=username,
            roles=[Role.APPLICANT],
            password=APPLICANT_PASSWORD,
        )


def approved_application(lab: LabServices, slug: str, username: str) -> int:
    """An applicant ``username`` (created) with an approved application for ``slug``; its id."""
    add_applicant(lab, username)
    with transaction(lab.sessions) as session:
        applicant = get_user(session, username)
        application = submit_application(
            session,
            lab.audit,
            slug=slug,
            applicant=applicant,
            form=complete_form(),
            pledge=full_pledge(),
        )
        approve(session, lab.audit, application_id=application.id, actor="steward")
        return application.id
