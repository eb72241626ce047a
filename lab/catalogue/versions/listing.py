"""The steward's view of what is served: each published dataset with its versions and its use.

Use is what the lab already counts: the portal's live views and downloads (``portal_usage``)
and, for restricted datasets, the DP releases charged on any of its versions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.catalogue.versions.decisions import VersionState
from lab.db.models import Dataset, DatasetVersion, PortalUsage, QueryRelease

VIEW, DOWNLOAD = "view", "download"


@dataclass(frozen=True)
class PublishedDataset:
    """One served dataset: its current version and tier, how many versions it had, its use."""

    slug: str
    title: str
    department: str
    tier: str
    version: int
    versions: int
    rows: int
    published_at: datetime | None
    views: int
    downloads: int
    dp_releases: int


def published_datasets(session: Session) -> list[PublishedDataset]:
    """Every dataset currently served, by slug."""
    served = session.execute(
        select(Dataset, DatasetVersion)
        .join(DatasetVersion, DatasetVersion.id == Dataset.current_version_id)
        .where(DatasetVersion.state == VersionState.PUBLISHED.value)
        .order_by(Dataset.slug)
    ).all()
    ids = [dataset.id for dataset, _ in served]
    versions = _count_by_dataset(session, select(DatasetVersion.dataset_id, func.count()), ids)
    usage = _usage(session, ids)
    releases = _count_by_dataset(
        session,
        select(DatasetVersion.dataset_id, func.count(QueryRelease.id)).join(
            QueryRelease, QueryRelease.version_id == DatasetVersion.id
        ),
        ids,
    )
    return [
        PublishedDataset(
            slug=dataset.slug,
            title=dataset.title,
            department=dataset.department,
            tier=version.tier or "",
            version=version.number,
            versions=versions.get(dataset.id, 1),
            rows=version.rows,
            published_at=version.published_at,
            views=usage[dataset.id][VIEW],
            downloads=usage[dataset.id][DOWNLOAD],
            dp_releases=releases.get(dataset.id, 0),
        )
        for dataset, version in served
    ]


def _count_by_dataset(session: Session, query, ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        query.where(DatasetVersion.dataset_id.in_(ids)).group_by(DatasetVersion.dataset_id)
    )
    return {dataset_id: int(count) for dataset_id, count in rows}


def _usage(session: Session, ids: list[int]) -> dict[int, dict[str, int]]:
    totals: dict[int, dict[str, int]] = defaultdict(lambda: {VIEW: 0, DOWNLOAD: 0})
    rows = session.execute(
        select(PortalUsage.dataset_id, PortalUsage.event, func.sum(PortalUsage.count))
        .where(PortalUsage.dataset_id.in_(ids))
        .group_by(PortalUsage.dataset_id, PortalUsage.event)
    )
    for dataset_id, event, count in rows:
        if event in (VIEW, DOWNLOAD):
            totals[dataset_id][event] = int(count or 0)
    return totals
