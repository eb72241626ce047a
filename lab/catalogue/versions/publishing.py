"""Publishing a decided version by its tier, atomically.

Objects are written into a fresh publication folder (invisible to readers), then one database
transaction marks the version published, supersedes the previous one, points the dataset at the
new version and writes the audit entry. Readers follow the database, so until that transaction
commits they are served the previous version; a publish killed at any point leaves no partial
version visible (its orphan folder is swept by ``orphans.sweep_orphans``).

When Spark reads restricted tables as encrypted Parquet, a restricted version's export is
written before that transaction (the gateway's first query then only leases it) and deleted if
the transaction fails; the export of the version it supersedes is deleted after it
(``lab.gateway.table_exports``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import Guide, Tier
from classification.hierarchies import HierarchySet
from lab.catalogue.t2_extracts.deidentification import build_chosen_extract
from lab.catalogue.t2_extracts.extracts import build_extract
from lab.catalogue.versions.artifacts import build_open_table, build_restricted_table
from lab.catalogue.versions.bounding_seed import BoundingSeed, dataset_seed
from lab.catalogue.versions.datasets import get_version
from lab.catalogue.versions.decisions import VersionState
from lab.catalogue.versions.guide_store import current_guide, known_category
from lab.catalogue.versions.hierarchy_store import current_hierarchies
from lab.catalogue.versions.staged import open_staged, purge
from lab.clock import now
from lab.db import row_of, transaction
from lab.db.models import Dataset, DatasetVersion, DpMetadata
from lab.errors import Conflict, InternalError
from lab.gateway.table_exports import (
    export_published,
    exports_enabled,
    retire_exports,
    table_objects,
)
from lab.publication.engine import SparkPublication, spark_for
from lab.services import LabServices

OPEN_PREFIX = "open"
RESTRICTED_PREFIX = "restricted"


def object_prefix(tier: Tier, slug: str) -> str:
    """Where a tier's objects of dataset ``slug`` live: the restricted or the open area."""
    return f"{RESTRICTED_PREFIX if tier >= Tier.T3 else OPEN_PREFIX}/{slug}"


def publish(lab: LabServices, *, version_id: int, actor: str) -> DatasetVersion:
    """Write the version's objects for its tier, then switch the dataset to it in one commit."""
    with lab.sessions() as session:
        version, dataset, dp = _load_for_publish(session, version_id)
        guide = current_guide(session)
        hierarchies = current_hierarchies(session)
    tier = Tier(version.tier)
    seed = _bounding_seed(lab, tier, dataset)
    folder = Path(version.staging_dir)
    columns = [p["name"] for p in version.profile]
    config = spark_for(lab.settings, version.rows) if tier >= Tier.T3 else None
    spark = SparkPublication(lab, config) if config else None
    with (
        open_staged(folder, lab.sealed.keyring) as plaintext,
        tempfile.TemporaryDirectory(dir=folder) as work,
        _artifact_file(tier, Path(work)) as built,
    ):
        staged = Path(f"/proc/self/fd/{plaintext.fileno()}")
        rules = (guide, hierarchies)
        details = _build(tier, version, staged, built, columns, dp, rules, seed, Path(work), spark)
        publication = lab.store.publication(object_prefix(tier, dataset.slug))
        with built.open("rb") as data:
            if tier >= Tier.T3:
                lab.sealed.seal_into(publication, "data.parquet", data)
            else:
                publication.put("data.parquet", data)
        publication.commit()
        exported = _export_for_spark(lab, tier, publication.objects, built, dp)
    try:
        with transaction(lab.sessions) as session:
            switched, superseded = _switch_current(session, version_id, publication)
            lab.audit.append_in(
                session,
                actor=actor,
                action="dataset.publish",
                target=f"dataset:{dataset.slug}",
                details={
                    "version": switched.number,
                    "tier": tier.value,
                    "publication": publication.version,
                    **details,
                },
            )
    except BaseException:
        retire_exports(lab.settings, exported)
        raise
    retire_exports(lab.settings, superseded)
    purge(folder)
    return switched


def _load_for_publish(session: Session, version_id: int):
    version = get_version(session, version_id)
    if version.state != VersionState.DECIDED:
        raise Conflict(f"version {version_id} is {version.state}; decide its tier first")
    dataset = row_of(session, Dataset, version.dataset_id)
    dp = session.get(DpMetadata, version.id)
    if version.tier is None:
        raise InternalError(f"version {version_id} is decided but has no tier")
    if Tier(version.tier) >= Tier.T3 and dp is None:
        raise Conflict(f"version {version_id} is {version.tier}: set its DP metadata first")
    return version, dataset, dp


def _export_for_spark(
    lab: LabServices, tier: Tier, objects: dict[str, str], built: Path, dp
) -> list[str]:
    """Export a restricted table for Spark when the settings say it reads encrypted Parquet;
    the object keys exported (none otherwise)."""
    if tier < Tier.T3 or not exports_enabled(lab.settings):
        return []
    keys = table_objects(objects)
    for key in keys:
        export_published(lab, object_key=key, plaintext=built, unit=dp.privacy_unit)
    return keys


def _bounding_seed(lab: LabServices, tier: Tier, dataset: Dataset) -> BoundingSeed | None:
    """The dataset's secret bounding seed for a restricted tier (drawn at its first publication)."""
    if tier < Tier.T3:
        return None
    with transaction(lab.sessions) as session:
        prefix = object_prefix(tier, dataset.slug)
        return dataset_seed(session, lab.sealed, dataset_id=dataset.id, prefix=prefix)


@contextmanager
def _artifact_file(tier: Tier, work: Path) -> Iterator[Path]:
    """Where the built table is written: for restricted tiers an anonymous in-memory file, so
    its plaintext never reaches the disk before it is sealed; otherwise a file in ``work``."""
    if tier < Tier.T3:
        yield work / "data.parquet"
        return
    descriptor = os.memfd_create("restricted-artifact", os.MFD_CLOEXEC)
    try:
        yield Path(f"/proc/self/fd/{descriptor}")
    finally:
        os.close(descriptor)


def _build(
    tier: Tier,
    version,
    staged: Path,
    built: Path,
    columns: list[str],
    dp,
    rules: tuple[Guide, HierarchySet],
    seed: BoundingSeed | None,
    work: Path,
    spark: SparkPublication | None = None,
) -> dict:
    guide, hierarchies = rules
    if tier == Tier.T1:
        build_open_table(staged, built, _numeric_columns(version, guide), columns)
        return {}
    if tier == Tier.T2 and version.deidentification:
        return build_chosen_extract(
            staged, built, version.classification, guide, hierarchies, version.deidentification
        )
    if tier == Tier.T2:
        return build_extract(staged, built, version.classification, guide).to_json()
    if seed is None:
        raise InternalError(f"a {tier} table is built without its bounding seed")
    if spark is not None:
        record = spark.build(staged, built, dp, columns, seed)
    else:
        record = build_restricted_table(staged, built, dp, columns, seed, spill_to=work / "spill")
    return {"bounding": record.to_json()}


def _numeric_columns(version: DatasetVersion, guide) -> set[str]:
    """Columns to type as numbers in open data: every value a number, and not an identifier."""
    roles = {}
    for column in version.classification["columns"]:
        category = known_category(guide, column["category"])
        roles[column["name"]] = category.role if category else "attribute"
    return {
        p["name"]
        for p in version.profile
        if p["numeric_share"] == 1.0 and roles.get(p["name"]) in ("attribute", "count")
    }


def _switch_current(session: Session, version_id: int, publication):
    """Mark the version published and the previous one superseded; the version and the sealed
    tables of the superseded ones."""
    version = session.get(DatasetVersion, version_id, with_for_update=True)
    if version is None:
        raise InternalError(f"version {version_id} vanished while it was being published")
    if version.state != VersionState.DECIDED:
        raise Conflict(f"version {version_id} was published or changed meanwhile")
    previous = session.scalars(
        select(DatasetVersion).where(
            DatasetVersion.dataset_id == version.dataset_id,
            DatasetVersion.state == VersionState.PUBLISHED,
        )
    )
    superseded = []
    for old in previous:
        old.state = VersionState.SUPERSEDED.value
        superseded += table_objects(old.objects)
    version.state, version.published_at = VersionState.PUBLISHED.value, now()
    version.objects, version.publication = dict(publication.objects), publication.version
    version.staging_dir = None
    dataset = row_of(session, Dataset, version.dataset_id)
    dataset.current_version_id, dataset.updated_at = version.id, now()
    return version, superseded
