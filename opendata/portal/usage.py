"""Live usage figures per dataset: views and downloads, counted as they happen.

Each event is one ``INSERT … ON CONFLICT DO UPDATE SET count = count + 1`` on a counter row,
so concurrent visitors never lose a count and there is no nightly job. Only visible datasets
are counted: an unknown or restricted slug raises the same ``NotFound`` as the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.clock import now
from lab.db.models import Dataset, PortalUsage
from lab.errors import InvalidInput
from opendata.portal.catalogue import FORMATS, dataset_id_of
from opendata.portal.upsert import insert_for

VIEW, DOWNLOAD = "view", "download"


@dataclass(frozen=True)
class Usage:
    """How often a dataset was viewed and downloaded (downloads also per format)."""

    views: int = 0
    downloads: int = 0
    downloads_by_format: dict[str, int] = field(default_factory=dict)


def record_view(session: Session, slug: str) -> None:
    """Count one view of ``slug``'s page or metadata."""
    _increment(session, dataset_id_of(session, slug), VIEW, "")


def record_download(session: Session, slug: str, fmt: str) -> None:
    """Count one download of ``slug`` in format ``fmt`` (one of ``FORMATS``)."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    _increment(session, dataset_id_of(session, slug), DOWNLOAD, fmt)


def usage_for(session: Session, slug: str) -> Usage:
    """The live figures of ``slug``."""
    dataset_id = dataset_id_of(session, slug)
    return usage_of_ids(session, [dataset_id]).get(dataset_id, Usage())


def usage_of_slugs(session: Session, slugs: list[str]) -> dict[str, Usage]:
    """Figures of several visible datasets at once, by slug (every slug gets an entry)."""
    ids = dict(
        session.execute(select(Dataset.slug, Dataset.id).where(Dataset.slug.in_(slugs))).all()
    )
    by_id = usage_of_ids(session, list(ids.values()))
    return {slug: by_id.get(ids.get(slug, -1), Usage()) for slug in slugs}


def usage_of_ids(session: Session, dataset_ids: list[int]) -> dict[int, Usage]:
    """Figures of several datasets at once (by database id); ids without events are left out."""
    rows = session.execute(
        select(PortalUsage.dataset_id, PortalUsage.event, PortalUsage.format, PortalUsage.count)
        .join(Dataset, Dataset.id == PortalUsage.dataset_id)
        .where(PortalUsage.dataset_id.in_(dataset_ids))
    )
    tallies: dict[int, tuple[int, dict[str, int]]] = {}
    for dataset_id, event, fmt, count in rows:
        views, formats = tallies.setdefault(dataset_id, (0, {}))
        if event == VIEW:
            tallies[dataset_id] = (views + count, formats)
        else:
            formats[fmt] = formats.get(fmt, 0) + count
    return {
        dataset_id: Usage(views, sum(formats.values()), formats)
        for dataset_id, (views, formats) in tallies.items()
    }


def _increment(session: Session, dataset_id: int, event: str, fmt: str) -> None:
    moment = now()
    statement = insert_for(session, PortalUsage).values(
        dataset_id=dataset_id, event=event, format=fmt, count=1, updated_at=moment
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["dataset_id", "event", "format"],
            set_={"count": PortalUsage.count + 1, "updated_at": moment},
        )
    )
