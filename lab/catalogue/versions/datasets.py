"""Catalogue entries: creating a dataset (or finding it for a new version) and reading it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.clock import now
from lab.db.models import Dataset, DatasetVersion
from lab.errors import InvalidInput, NotFound

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,118}[a-z0-9]$")


@dataclass(frozen=True)
class DatasetMeta:
    """What a steward says about a dataset when ingesting it."""

    title: str
    department: str
    description: str = ""
    slug: str | None = None
    title_en: str = ""
    topic: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    update_frequency: str = ""

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise InvalidInput("a dataset needs a title (--title)")
        if not self.department.strip():
            raise InvalidInput("a dataset needs a department (--department)")
        if self.slug is not None and not _SLUG.match(self.slug):
            raise InvalidInput(
                f"slug {self.slug!r}: 3–120 lower-case letters, digits and '-', "
                "starting and ending with a letter or digit"
            )

    def resolved_slug(self) -> str:
        """The given slug, or one derived from the title (stable for the same title)."""
        if self.slug:
            return self.slug
        ascii_part = re.sub(r"[^a-z0-9]+", "-", self.title_en.lower()).strip("-")[:60]
        digest = hashlib.sha256(self.title.encode()).hexdigest()[:8]
        return f"{ascii_part}-{digest}" if ascii_part else f"dataset-{digest}"


def dataset_for(session: Session, meta: DatasetMeta) -> Dataset:
    """The dataset with ``meta``'s slug, created if new (its descriptive fields refreshed)."""
    slug = meta.resolved_slug()
    dataset = session.scalar(select(Dataset).where(Dataset.slug == slug))
    moment = now()
    if dataset is None:
        dataset = Dataset(slug=slug, created_at=moment, current_version_id=None)
        session.add(dataset)
    dataset.title, dataset.title_en = meta.title.strip(), meta.title_en
    dataset.description, dataset.department = meta.description, meta.department.strip()
    dataset.topic, dataset.tags = meta.topic, list(meta.tags)
    dataset.update_frequency, dataset.updated_at = meta.update_frequency, moment
    session.flush()
    return dataset


def next_version_number(session: Session, dataset_id: int) -> int:
    """The number the dataset's next version gets (1 for the first)."""
    highest = session.scalar(
        select(func.max(DatasetVersion.number)).where(DatasetVersion.dataset_id == dataset_id)
    )
    return (highest or 0) + 1


def get_dataset(session: Session, slug: str) -> Dataset:
    """The dataset ``slug``; NotFound if there is none."""
    dataset = session.scalar(select(Dataset).where(Dataset.slug == slug))
    if dataset is None:
        raise NotFound(f"no dataset {slug!r}")
    return dataset


def get_version(session: Session, version_id: int) -> DatasetVersion:
    """The dataset version ``version_id``; NotFound if there is none."""
    version = session.get(DatasetVersion, version_id)
    if version is None:
        raise NotFound(f"no dataset version {version_id}")
    return version


def current_version(session: Session, dataset: Dataset) -> DatasetVersion | None:
    """The version being served, or None before the first publication."""
    if dataset.current_version_id is None:
        return None
    return session.get(DatasetVersion, dataset.current_version_id)
