"""Where a query goes: the dataset's served version, its gateway metadata and the budget charged.

A published version's metadata never changes (its tier and DP metadata are fixed once it is
published; a change is a new version), so it is read from the database once per version and
kept. Each query then needs one small read: which version is served and which approved budget
the project holds on the dataset.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from classification import Tier
from lab.catalogue.datasets import current_version, get_dataset
from lab.catalogue.dp_metadata import DeclaredBounds, declared_bounds
from lab.db.models import Dataset, DpMetadata, PrivacyBudget, SandboxProject
from lab.errors import NotFound
from lab.gateway.metadata import ColumnKind, TableMetadata
from lab.gateway.projects import ProjectState
from lab.reference import public_code_list

_KEPT_VERSIONS = 256


def table_metadata(session: Session, slug: str) -> tuple[TableMetadata, int, str]:
    """The gateway's view of a published restricted dataset: (metadata, version id, object key)."""
    dataset = get_dataset(session, slug)
    version = current_version(session, dataset)
    dp = session.get(DpMetadata, version.id) if version else None
    if version is None or dp is None or Tier(version.tier) < Tier.T3:
        raise NotFound(f"no restricted dataset {slug!r} is published")
    bounds = declared_bounds(dp.bounds)
    kinds = {p["name"]: _kind(bounds.get(p["name"])) for p in version.profile}
    metadata = TableMetadata(
        name=slug,
        columns=kinds,
        privacy_unit=dp.privacy_unit,
        max_rows_per_unit=dp.max_rows_per_unit,
        bounds={c: (*b.stored(), b.scale) for c, b in bounds.items()},
        public_domains={c: public_code_list(name) for c, name in dp.domains.items()},
    )
    return metadata, version.id, version.objects["data.parquet"]


def _kind(bounds: DeclaredBounds | None) -> ColumnKind:
    """Bounded columns are numbers: integers, or fixed-point decimals with a precision."""
    if bounds is None:
        return ColumnKind.TEXT
    return ColumnKind.INTEGER if bounds.precision is None else ColumnKind.FLOAT


@dataclass(frozen=True)
class QueryTarget:
    """What one query runs against and charges: metadata, version, object and budget."""

    metadata: TableMetadata
    version_id: int
    object_key: str
    budget_id: int


class QueryTargets:
    """Resolves a dataset slug (and project) to its served version, keeping metadata per version."""

    def __init__(self) -> None:
        self._kept: OrderedDict[int, tuple[TableMetadata, str]] = OrderedDict()
        self._lock = threading.Lock()

    def table(self, session: Session, slug: str) -> tuple[TableMetadata, int, str]:
        """``table_metadata`` of the served version, read once per version."""
        version_id = session.scalar(select(Dataset.current_version_id).where(Dataset.slug == slug))
        return self._metadata(session, slug, version_id)

    def target(self, session: Session, *, slug: str, project_id: int) -> QueryTarget:
        """The served version of ``slug`` and the project's approved budget on it; else NotFound."""
        row = session.execute(
            select(Dataset.current_version_id, PrivacyBudget.id, SandboxProject.id)
            .outerjoin(
                PrivacyBudget,
                and_(
                    PrivacyBudget.dataset_id == Dataset.id, PrivacyBudget.project_id == project_id
                ),
            )
            .outerjoin(
                SandboxProject,
                and_(
                    SandboxProject.id == PrivacyBudget.project_id,
                    SandboxProject.state == ProjectState.APPROVED.value,
                ),
            )
            .where(Dataset.slug == slug)
        ).one_or_none()
        metadata, version_id, object_key = self._metadata(session, slug, row and row[0])
        if row[1] is None or row[2] is None:
            raise NotFound("no approved budget for this project and dataset")
        return QueryTarget(metadata, version_id, object_key, row[1])

    def _metadata(
        self, session: Session, slug: str, version_id: int | None
    ) -> tuple[TableMetadata, int, str]:
        with self._lock:
            kept = self._kept.get(version_id) if version_id is not None else None
            if kept is not None and kept[0].name == slug:
                self._kept.move_to_end(version_id)
                return kept[0], version_id, kept[1]
        metadata, read_id, object_key = table_metadata(session, slug)  # checks tier, DP metadata
        with self._lock:
            self._kept[read_id] = (metadata, object_key)
            while len(self._kept) > _KEPT_VERSIONS:
                self._kept.popitem(last=False)
        return metadata, read_id, object_key
