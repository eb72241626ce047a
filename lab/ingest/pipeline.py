"""Ingest: stage an upload, profile it, classify it, and record the proposal (or reject T5).

The classification sees a seeded sample for column detection, while the free-text scanner reads
every row of each free-text column back from the staged Parquet (``scanning``), so a remarks
column with a handful of embedded ID numbers in millions of rows is still caught. A proposed T5
is rejected on the spot: its staging folder is purged and only the decision (no data) is kept
and audited.

The steward's data dictionary must describe only columns the file has (else nothing is kept);
a version ingested without one keeps the previous version's entries for the columns it still has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import DatasetClassification, Guide, Tier, classify_frame
from lab.catalogue.dictionary import DataDictionary
from lab.catalogue.versions.datasets import DatasetMeta, dataset_for, next_version_number
from lab.catalogue.versions.decisions import VersionState
from lab.catalogue.versions.guide_store import current_guide
from lab.catalogue.versions.staged import purge, seal, staging_root
from lab.clock import now
from lab.db import transaction
from lab.db.models import Dataset, DatasetVersion
from lab.ingest.scanning import scan_staged_column
from lab.ingest.staging import StagedTable, stage
from lab.services import LabServices


@dataclass(frozen=True)
class IngestOutcome:
    """What an ingest produced: the version, its proposed tier and the reasons."""

    version_id: int
    slug: str
    number: int
    classification: DatasetClassification
    rejected: bool


def classify_upload(
    lab: LabServices, stream: BinaryIO, name: str
) -> tuple[StagedTable, DatasetClassification]:
    """Stage and classify without recording anything (the caller purges the staging folder)."""
    with lab.sessions() as session:
        guide = current_guide(session)
    root = staging_root(lab.settings.home)
    staged = stage(stream, name, root, max_bytes=lab.settings.ingest_max_bytes)
    try:
        return staged, classify_staged(staged, guide)
    except BaseException:
        purge(staged.folder)
        raise


def classify_staged(staged: StagedTable, guide: Guide) -> DatasetClassification:
    """Classify a staged table: detection on its sample, free text scanned in every row."""

    def full_scan(column: str):
        return scan_staged_column(staged.table_path, column)

    return classify_frame(staged.sample, guide=guide, total_rows=staged.rows, full_scan=full_scan)


def ingest(
    lab: LabServices,
    stream: BinaryIO,
    name: str,
    meta: DatasetMeta,
    *,
    actor: str,
    dictionary: DataDictionary | None = None,
) -> IngestOutcome:
    """Stage, classify and record a new version of ``meta``'s dataset as a proposal."""
    staged, result = classify_upload(lab, stream, name)
    rejected = result.tier == Tier.T5
    try:
        if dictionary:
            dictionary.require_columns(p.name for p in staged.profile)
        if not rejected:
            seal(staged.folder, lab.sealed.keyring)
        with transaction(lab.sessions) as session:
            version = _record(session, lab, staged, result, meta, actor, rejected=rejected)
            if not rejected:
                version.dictionary = _kept_dictionary(session, version, staged, dictionary)
            outcome = IngestOutcome(
                version.id, meta.resolved_slug(), version.number, result, rejected
            )
    except BaseException:
        purge(staged.folder)
        raise
    if rejected:
        purge(staged.folder)
    return outcome


def _stored_profile(staged: StagedTable, result: DatasetClassification) -> list[dict]:
    """Profiles to keep: ranges and top values only for the T1 columns of an open proposal.

    A restricted (T3/T4) proposal keeps no value of any column, not even of its T1 columns:
    their values sit beside restricted ones in the same rows.
    """
    shown = result.tier <= Tier.T2
    return [
        (p if shown and result.may_show_values(p.name) else p.without_values()).to_json()
        for p in staged.profile
    ]


def _kept_dictionary(
    session: Session,
    version: DatasetVersion,
    staged: StagedTable,
    supplied: DataDictionary | None,
) -> list[dict]:
    """The supplied dictionary, or the previous version's entries for the columns still here."""
    if supplied:
        return supplied.to_json()
    dataset = session.get(Dataset, version.dataset_id)
    previous = session.scalar(
        select(DatasetVersion.dictionary).where(
            DatasetVersion.id == (dataset.current_version_id if dataset else None)
        )
    )
    kept = DataDictionary.from_json(previous).restricted_to(p.name for p in staged.profile)
    return kept.to_json()


def _record(session, lab, staged, result, meta, actor, *, rejected: bool) -> DatasetVersion:
    dataset = dataset_for(session, meta)
    version = DatasetVersion(
        dataset_id=dataset.id,
        number=next_version_number(session, dataset.id),
        state=(VersionState.REJECTED if rejected else VersionState.PROPOSED).value,
        source_name=staged.source.name,
        source_format=staged.source.format,
        source_sha256=staged.sha256,
        source_bytes=staged.source.size,
        rows=staged.rows,
        profile=_stored_profile(staged, result),
        classification=result.to_json(),
        guide_version=result.guide_version,
        proposed_tier=result.tier.value,
        tier=Tier.T5.value if rejected else None,
        justification="",
        staging_dir=None if rejected else str(staged.folder),
        objects={},
        created_by=actor,
        created_at=now(),
    )
    session.add(version)
    session.flush()
    action = "dataset.reject" if rejected else "dataset.ingest"
    lab.audit.append_in(
        session,
        actor=actor,
        action=action,
        target=f"dataset:{dataset.slug}",
        details={
            "version": version.number,
            "proposed": result.tier.value,
            "guide": result.guide_version,
            "rows": staged.rows,
            "sha256": staged.sha256,
            "reasons": list(result.reasons),
        },
    )
    return version
