"""Catalogue entries for portal tests, written straight into the lab's tables or ingested for real.

``add_dataset`` records a published version row without objects (enough for metadata, search
and usage); ``publish_table`` goes through the real ingest → decide → publish path so that the
version has its Parquet object (needed by the row API and CKAN datastore).
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from classification import Tier
from lab.catalogue.dictionary import DataDictionary
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.dp_metadata import DpDeclaration, set_dp_metadata
from lab.catalogue.versions.publishing import publish
from lab.db import transaction
from lab.db.models import Dataset, DatasetVersion
from lab.identity import Role, TokenKind
from lab.identity.accounts import create_user, issue_token
from lab.ingest.pipeline import ingest
from lab.services import LabServices

CANARY = "金丝雀机密"


def _profile(name: str) -> dict:
    return {
        "name": name,
        "rows": 10,
        "nulls": 1,
        "distinct": 5,
        "distinct_capped": False,
        "numeric_share": 0.0,
        "min": None,
        "max": None,
        "max_length": 8,
        "top_values": [],
    }


def add_dataset(
    lab: LabServices,
    slug: str,
    title: str,
    *,
    tier: str = "T1",
    state: str = "published",
    department: str = "市大数据局",
    topic: str = "",
    tags: tuple[str, ...] = (),
    description: str = "",
    title_en: str = "",
    update_frequency: str = "每月",
    columns: tuple[str, ...] = ("名称",),
    age_days: int = 0,
) -> int:
    """Record a dataset whose current version is ``state`` at ``tier``; return its id."""
    moment = datetime.now(UTC) - timedelta(days=age_days)
    with transaction(lab.sessions) as session:
        dataset = Dataset(
            slug=slug,
            title=title,
            title_en=title_en,
            description=description,
            department=department,
            topic=topic,
            tags=list(tags),
            update_frequency=update_frequency,
            created_at=moment,
            updated_at=moment,
        )
        session.add(dataset)
        session.flush()
        version = DatasetVersion(
            dataset_id=dataset.id,
            number=1,
            state=state,
            source_name=f"{slug}.csv",
            source_format="csv",
            source_sha256="0" * 64,
            source_bytes=1,
            rows=10,
            profile=[_profile(c) for c in columns],
            classification={
                "tier": tier,
                "guide_version": "test",
                "reasons": [],
                "columns": [
                    {"name": c, "category": "UNMATCHED", "level": "T1", "reasons": []}
                    for c in columns
                ],
            },
            guide_version="test",
            proposed_tier=tier,
            tier=tier,
            created_by="steward",
            created_at=moment,
            published_at=moment if state == "published" else None,
        )
        session.add(version)
        session.flush()
        dataset.current_version_id = version.id
        return dataset.id


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def publish_table(
    lab: LabServices,
    path: Path,
    slug: str,
    *,
    title: str,
    tier: Tier = Tier.T1,
    dp_unit: str | None = None,
    dictionary: DataDictionary | None = None,
    **meta: object,
) -> int:
    """Ingest ``path`` (with ``dictionary``), decide ``tier`` (raising only), publish; return
    the version id."""
    details = {"department": "市生态环境局", **meta}
    with path.open("rb") as stream:
        outcome = ingest(
            lab,
            stream,
            path.name,
            DatasetMeta(title=title, slug=slug, **details),
            actor="steward",
            dictionary=dictionary,
        )
    with transaction(lab.sessions) as session:
        version = get_version(session, outcome.version_id)
        decide(session, lab.audit, version=version, tier=tier, justification="", actor="steward")
        if tier >= Tier.T3:
            declaration = DpDeclaration(dp_unit, 100, {}, {})
            set_dp_metadata(
                session, lab.audit, version=version, declaration=declaration, actor="steward"
            )
    publish(lab, version_id=outcome.version_id, actor="steward")
    return outcome.version_id


def developer_key(lab: LabServices, username: str = "dev") -> str:
    """A lab API token for a member of the public: the key that raises the portal's limits."""
    with transaction(lab.sessions) as session:
        user = create_user(session, lab.audit, actor="t", username=username, roles=[Role.PUBLIC])
        return issue_token(
            session,
            lab.audit,
            actor="t",
            user=user,
            kind=TokenKind.API,
            name="portal key",
            lifetime=timedelta(days=1),
        ).plain
