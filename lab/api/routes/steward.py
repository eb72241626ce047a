"""``/api/steward/…``: ingest, review, decide, declare DP metadata, publish, edit the negative list.

Every route needs the steward role. Changes commit in their own transaction before the answer is
sent, so a caller that got a success can rely on it. Uploads are streamed from the spooled
request file into staging; the pipeline refuses one over ``ingest_max_bytes`` with a clear error
and leaves nothing behind.
The queue queries and negative-list edits defined above the routes also serve the steward pages
(``lab.web``), so both edges call the domain the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import Guide, GuideError, NegativeEntry
from lab.http.deps import DbDep, PrincipalDep, ServicesDep
from lab.http.params import IdPath
from lab.api.schemas.steward import (
    ClassificationOut,
    DecisionIn,
    DecisionOut,
    DpMetadataIn,
    DpMetadataOut,
    IngestOut,
    NegativeEntryIn,
    NegativeListOut,
    PublishOut,
    VersionDetailOut,
    VersionSummaryOut,
)
from lab.catalogue.datasets import DatasetMeta, get_version
from lab.catalogue.decisions import VersionState, decide
from lab.catalogue.dp_metadata import set_dp_metadata
from lab.catalogue.guide_store import current_guide, save_guide
from lab.catalogue.publishing import publish
from lab.db import transaction
from lab.db.models import Dataset, DatasetVersion, DpMetadata
from lab.errors import InvalidInput
from lab.identity import Role
from lab.ingest.pipeline import classify_upload, ingest
from lab.ingest.staging import purge
from lab.services import LabServices

QUEUE_LIMIT = 1000


def steward_actor(principal: PrincipalDep) -> str:
    """The steward's username (the actor recorded in the audit log); 403 for anyone else."""
    principal.require_role(Role.STEWARD)
    return principal.username


StewardDep = Annotated[str, Depends(steward_actor)]
router = APIRouter(prefix="/api/steward", tags=["steward"], dependencies=[Depends(steward_actor)])


def upload_name(upload: UploadFile) -> str:
    """The uploaded file's name (its extension says how to read it)."""
    if not upload.filename:
        raise InvalidInput("the upload needs a file name with its extension (e.g. data.csv)")
    return upload.filename


def versions_in_state(
    session: Session, state: VersionState | None, limit: int = QUEUE_LIMIT
) -> list[VersionSummaryOut]:
    """Versions (oldest first), all or only those in ``state``."""
    query = select(DatasetVersion, Dataset).join(Dataset, Dataset.id == DatasetVersion.dataset_id)
    if state is not None:
        query = query.where(DatasetVersion.state == state.value)
    rows = session.execute(query.order_by(DatasetVersion.id).limit(limit))
    return [VersionSummaryOut.of(version, dataset) for version, dataset in rows]


def version_detail(session: Session, version_id: int) -> VersionDetailOut:
    """One version with its profile, classification and DP metadata."""
    version = get_version(session, version_id)
    dp = session.get(DpMetadata, version.id)
    return VersionDetailOut.of(
        version,
        session.get_one(Dataset, version.dataset_id),
        dp_metadata=DpMetadataOut.of(dp) if dp else None,
    )


def _revise_guide(lab: LabServices, edit: Callable[[Guide], Guide], note: str, actor: str) -> Guide:
    """Apply ``edit`` to the guide in force and store the result as the newest revision."""
    with transaction(lab.sessions) as session:
        try:
            guide = edit(current_guide(session))
        except GuideError as exc:
            raise InvalidInput(str(exc)) from None
        save_guide(session, lab.audit, guide=guide, actor=actor, note=note)
    return guide


def _audit_note(change: str, note: str) -> str:
    return f"{change}: {note.strip()}" if note.strip() else change


def list_negative(
    lab: LabServices, *, kind: str, value: str, reason: str, note: str, actor: str
) -> Guide:
    """Put a category code or header cue on the negative list (audited with ``note``)."""
    return _revise_guide(
        lab,
        lambda guide: guide.with_negative_entry(NegativeEntry(kind, value.strip(), reason.strip())),
        _audit_note(f"negative list + {kind} {value.strip()!r}", note),
        actor,
    )


def unlist_negative(lab: LabServices, *, value: str, note: str, actor: str) -> Guide:
    """Take every entry with ``value`` off the negative list (audited with ``note``)."""
    return _revise_guide(
        lab,
        lambda guide: guide.without_negative_entry(value),
        _audit_note(f"negative list - {value!r}", note),
        actor,
    )


@router.post("/ingest", status_code=201)
def ingest_file(
    services: ServicesDep,
    actor: StewardDep,
    file: Annotated[UploadFile, File(description="CSV, XLSX or another supported table.")],
    title: Annotated[str, Form(max_length=300)],
    department: Annotated[str, Form(max_length=200)],
    description: Annotated[str, Form(max_length=4000)] = "",
    slug: Annotated[str | None, Form(max_length=120)] = None,
) -> IngestOut:
    """Stage, classify and record a new version; a T5 file is rejected (``rejected``: true)."""
    meta = DatasetMeta(title=title, department=department, description=description, slug=slug)
    outcome = ingest(services, file.file, upload_name(file), meta, actor=actor)
    return IngestOut.of(outcome)


@router.post("/classify")
def classify_file(services: ServicesDep, file: Annotated[UploadFile, File()]) -> ClassificationOut:
    """Propose a tier with reasons for a file, recording and keeping nothing."""
    staged, result = classify_upload(services, file.file, upload_name(file))
    purge(staged.folder)
    return ClassificationOut.model_validate(result.to_json())


@router.get("/versions")
def list_versions(
    db: DbDep,
    state: VersionState | None = None,
    limit: Annotated[int, Query(ge=1, le=QUEUE_LIMIT)] = 100,
) -> list[VersionSummaryOut]:
    """Dataset versions, oldest first; ``state=proposed`` is the queue awaiting decision."""
    return versions_in_state(db, state, limit)


@router.get("/versions/{version_id}")
def show_version(version_id: IdPath, db: DbDep) -> VersionDetailOut:
    """A version's profile, classification with reasons, decision and DP metadata."""
    return version_detail(db, version_id)


@router.post("/versions/{version_id}/decision")
def decide_version(
    version_id: IdPath, body: DecisionIn, services: ServicesDep, actor: StewardDep
) -> DecisionOut:
    """Confirm, raise or (with a justification) lower the proposed tier; audited."""
    with transaction(services.sessions) as session:
        version = get_version(session, version_id)
        made = decide(
            session,
            services.audit,
            version=version,
            tier=body.tier,
            justification=body.justification,
            actor=actor,
        )
    return DecisionOut(version_id=version_id, decision=made, tier=body.tier, state=version.state)


@router.put("/versions/{version_id}/dp-metadata")
def declare_dp_metadata(
    version_id: IdPath, body: DpMetadataIn, services: ServicesDep, actor: StewardDep
) -> DpMetadataOut:
    """Declare (or replace) the DP metadata of a version decided T3 or T4; audited."""
    with transaction(services.sessions) as session:
        version = get_version(session, version_id)
        row = set_dp_metadata(
            session,
            services.audit,
            version=version,
            declaration=body.declaration(),
            actor=actor,
            max_domain_groups=services.settings.gateway_max_domain_groups,
        )
        return DpMetadataOut.of(row)


@router.post("/versions/{version_id}/publish")
def publish_version(version_id: IdPath, services: ServicesDep, actor: StewardDep) -> PublishOut:
    """Publish a decided version by its tier; the previous version is served until it commits."""
    version = publish(services, version_id=version_id, actor=actor)
    return PublishOut(
        version_id=version.id,
        number=version.number,
        tier=version.tier,
        state=version.state,
        published_at=version.published_at,
    )


@router.get("/guide/negative-list")
def negative_list(db: DbDep) -> NegativeListOut:
    """The negative list of the guide in force."""
    return NegativeListOut.of(current_guide(db))


@router.post("/guide/negative-list", status_code=201)
def add_negative_entry(
    body: NegativeEntryIn, services: ServicesDep, actor: StewardDep
) -> NegativeListOut:
    """Add a category or header cue whose presence rejects a file as T5; audited."""
    guide = list_negative(
        services,
        kind=body.kind,
        value=body.value,
        reason=body.reason,
        note=body.note,
        actor=actor,
    )
    return NegativeListOut.of(guide)


@router.delete("/guide/negative-list/{value}")
def remove_negative_entry(
    value: str,
    services: ServicesDep,
    actor: StewardDep,
    note: Annotated[str, Query(max_length=500)] = "",
) -> NegativeListOut:
    """Remove every entry with ``value`` from the negative list; audited with ``note``."""
    guide = unlist_negative(services, value=value, note=note, actor=actor)
    return NegativeListOut.of(guide)
