"""Sweeping the object-store folders a crashed publication left: no recorded version owns them.

A publication writes its objects into a fresh version folder ``<prefix>/_v/<version>/`` and
only then commits the version in the database (``publishing``); a publish killed in between
leaves a folder no reader is ever sent to. The database, not the store's ``_CURRENT`` pointer,
says which publications exist: a publish killed between writing its pointer and committing its
transaction leaves a pointer to a version nobody serves.

A publication in flight looks exactly like a crashed one until it commits, so a folder is
deleted only once it is older than a grace period longer than any publication. Its age counts
from the newest of its objects' last-modified times (the store's clock) and of the time in its
version name (the lab's clock when the publication began), so neither an object store whose
clock lags the lab's nor an object written early in a long publication makes it look old.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from classification import Tier
from lab.catalogue.versions.publishing import object_prefix
from lab.clock import as_utc, now
from lab.db.models import Dataset, DatasetVersion
from lab.services import LabServices
from lab.storage.base import VERSIONS_FOLDER, ObjectInfo

_STAMP = "%Y%m%dT%H%M%S"  # how ``Publication`` names a version: <stamp>-<random hex>


def sweep_orphans(lab: LabServices, slug: str, *, older_than: timedelta) -> int:
    """Delete the version folders of ``slug`` that no recorded version owns and that are older
    than ``older_than``; returns how many objects went. Safe while publications are in flight
    as long as ``older_than`` exceeds the longest one."""
    cutoff = now() - older_than
    folders = _version_folders(lab, slug)
    stale = {name for name, infos in folders.items() if _last_written(name, infos) < cutoff}
    owned = _recorded_publications(lab, slug)
    if owned is None:
        return 0  # not a dataset of the catalogue: not ours to judge
    removed = 0
    for version in sorted(stale - owned):
        for info in folders[version]:
            lab.store.delete(info.key)
            removed += 1
    return removed


def _version_folders(lab: LabServices, slug: str) -> dict[str, list[ObjectInfo]]:
    """The objects of each version folder of ``slug``, open and restricted areas together."""
    folders: dict[str, list[ObjectInfo]] = defaultdict(list)
    for tier in (Tier.T1, Tier.T3):
        prefix = f"{object_prefix(tier, slug)}/{VERSIONS_FOLDER}/"
        for info in lab.store.list(prefix):
            folders[info.key[len(prefix) :].split("/", 1)[0]].append(info)
    return folders


def _last_written(version: str, infos: list[ObjectInfo]) -> datetime:
    """The newest of the folder's objects' last-modified times and its version name's time."""
    written = [as_utc(info.last_modified) for info in infos]
    with contextlib.suppress(ValueError):  # a name not made by ``Publication``: objects alone
        written.append(datetime.strptime(version.split("-", 1)[0], _STAMP).replace(tzinfo=UTC))
    return max(written)


def _recorded_publications(lab: LabServices, slug: str) -> set[str] | None:
    """The publication (version folder) of every recorded version of ``slug``; None if the
    catalogue has no such dataset."""
    with lab.sessions() as session:
        dataset = session.scalar(select(Dataset.id).where(Dataset.slug == slug))
        if dataset is None:
            return None
        recorded = session.scalars(
            select(DatasetVersion.publication).where(DatasetVersion.dataset_id == dataset)
        )
        return {publication for publication in recorded if publication}
