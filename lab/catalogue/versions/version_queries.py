"""The steward's queue: dataset versions by state, and one version with what a review needs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.catalogue.versions.datasets import get_version
from lab.catalogue.versions.decisions import VersionState
from lab.db.models import Dataset, DatasetVersion, DpMetadata

QUEUE_LIMIT = 1000


@dataclass(frozen=True)
class VersionUnderReview:
    """A version with its dataset and its declared DP metadata (None before any declaration)."""

    version: DatasetVersion
    dataset: Dataset
    dp_metadata: DpMetadata | None


def versions_in_state(
    session: Session, state: VersionState | None, limit: int = QUEUE_LIMIT
) -> list[tuple[DatasetVersion, Dataset]]:
    """Versions with their datasets (oldest first), all or only those in ``state``."""
    query = select(DatasetVersion, Dataset).join(Dataset, Dataset.id == DatasetVersion.dataset_id)
    if state is not None:
        query = query.where(DatasetVersion.state == state.value)
    rows = session.execute(query.order_by(DatasetVersion.id).limit(limit))
    return [(version, dataset) for version, dataset in rows]


def version_under_review(session: Session, version_id: int) -> VersionUnderReview:
    """One version with its dataset and DP metadata; NotFound if there is no such version."""
    version = get_version(session, version_id)
    return VersionUnderReview(
        version,
        session.get_one(Dataset, version.dataset_id),
        session.get(DpMetadata, version.id),
    )
