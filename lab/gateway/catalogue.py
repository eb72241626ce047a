"""What a sandbox project may see of the restricted catalogue: its datasets, schemas, budgets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.db import row_of
from lab.db.models import Dataset, DatasetVersion, PrivacyBudget, QueryRelease, SandboxProject
from lab.errors import NotFound, PermissionDenied
from lab.gateway.accounting import MICRO, PICO
from lab.gateway.metadata import TableMetadata
from lab.gateway.projects import ProjectState
from lab.gateway.targets import table_metadata


@dataclass(frozen=True)
class ProjectDataset:
    """A dataset a project holds a budget on, with its gateway metadata."""

    dataset: Dataset
    version_number: int
    metadata: TableMetadata
    budget: PrivacyBudget


def approved_project(
    session: Session, project_id: int, organisation_id: int | None
) -> SandboxProject:
    """The approved project, if the caller's organisation owns it; otherwise refused."""
    project = session.get(SandboxProject, project_id)
    if project is None or project.state != ProjectState.APPROVED:
        raise PermissionDenied("this token's sandbox project is not approved")
    if organisation_id != project.organisation_id:
        raise PermissionDenied("this token's sandbox project belongs to another organisation")
    return project


def project_datasets(session: Session, project_id: int) -> list[ProjectDataset]:
    """The datasets a project holds budgets on, by slug."""
    rows = session.execute(
        select(PrivacyBudget, Dataset)
        .join(Dataset, Dataset.id == PrivacyBudget.dataset_id)
        .where(PrivacyBudget.project_id == project_id)
        .order_by(Dataset.slug)
    )
    found = []
    for budget, dataset in rows:
        metadata, version_id, _ = table_metadata(session, dataset.slug)
        number = row_of(session, DatasetVersion, version_id).number
        found.append(ProjectDataset(dataset, number, metadata, budget))
    return found


def project_dataset(session: Session, project_id: int, name: str) -> ProjectDataset:
    """One of the project's datasets by slug (or its ``_`` alias); NotFound otherwise."""
    for item in project_datasets(session, project_id):
        if name in item.metadata.aliases:
            return item
    raise NotFound(f"no dataset {name!r} in this sandbox project")


def history(session: Session, project_id: int, limit: int = 500) -> list[dict[str, Any]]:
    """A project's releases, newest first, at most ``limit``."""
    rows = session.execute(
        select(QueryRelease, Dataset)
        .join(PrivacyBudget, PrivacyBudget.id == QueryRelease.budget_id)
        .join(Dataset, Dataset.id == PrivacyBudget.dataset_id)
        .where(PrivacyBudget.project_id == project_id)
        .order_by(QueryRelease.id.desc())
        .limit(limit)
    )
    return [
        {
            "dataset": d.slug,
            "query": r.query_text,
            "epsilon": r.cost_micro / MICRO,
            "delta": r.cost_delta_pico / PICO,
            "state": r.state,
            "at": r.reserved_at.isoformat(),
        }
        for r, d in rows
    ]
