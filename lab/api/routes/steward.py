"""``/api/steward/…``: ingest, review, decide, declare DP metadata, publish, edit the negative list.

Every route needs the steward role. Changes commit in their own transaction before the answer is
sent, so a caller that got a success can rely on it. Uploads are streamed from the spooled
request file into staging; the pipeline refuses one over ``ingest_max_bytes`` with a clear error
and leaves nothing behind.
The queue queries (``lab.catalogue.versions.version_queries``) and negative-list edits
(``lab.catalogue.versions.guide_store``) are domain functions the steward pages call too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile

from classification import Tier
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
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import VersionState, decide
from lab.catalogue.versions.dp_metadata import set_dp_metadata
from lab.catalogue.versions.guide_store import current_guide, list_negative, unlist_negative
from lab.catalogue.versions.publishing import publish
from lab.catalogue.versions.staged import purge
from lab.catalogue.versions.version_queries import (
    QUEUE_LIMIT,
    version_under_review,
    versions_in_state,
)
from lab.db import transaction
from lab.errors import InternalError
from lab.http.deps import DbDep, PrincipalDep, ServicesDep
from lab.http.params import IdPath, sidecar_dictionary, upload_name
from lab.identity import Role
from lab.ingest.pipeline import classify_upload, ingest


def steward_actor(principal: PrincipalDep) -> str:
    """The steward's username (the actor recorded in the audit log); 403 for anyone else."""
    principal.require_role(Role.STEWARD)
    return principal.username


StewardDep = Annotated[str, Depends(steward_actor)]
router = APIRouter(prefix="/api/steward", tags=["steward"], dependencies=[Depends(steward_actor)])


@router.post("/ingest", status_code=201)
def ingest_file(
    services: ServicesDep,
    actor: StewardDep,
    file: Annotated[UploadFile, File(description="CSV, XLSX or another supported table.")],
    title: Annotated[str, Form(max_length=300)],
    department: Annotated[str, Form(max_length=200)],
    description: Annotated[str, Form(max_length=4000)] = "",
    slug: Annotated[str | None, Form(max_length=120)] = None,
    dictionary: Annotated[
        UploadFile | None, File(description="Optional data dictionary (CSV or JSON sidecar).")
    ] = None,
) -> IngestOut:
    """Stage, classify and record a new version; a T5 file is rejected (``rejected``: true)."""
    meta = DatasetMeta(title=title, department=department, description=description, slug=slug)
    outcome = ingest(
        services,
        file.file,
        upload_name(file),
        meta,
        actor=actor,
        dictionary=sidecar_dictionary(dictionary),
    )
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
    return [VersionSummaryOut.of(v, d) for v, d in versions_in_state(db, state, limit)]


@router.get("/versions/{version_id}")
def show_version(version_id: IdPath, db: DbDep) -> VersionDetailOut:
    """A version's profile, classification with reasons, decision and DP metadata."""
    return VersionDetailOut.of_review(version_under_review(db, version_id))


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
    return DecisionOut(
        version_id=version_id, decision=made, tier=body.tier, state=VersionState(version.state)
    )


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
    if version.tier is None:
        raise InternalError(f"version {version.id} was published without a tier")
    return PublishOut(
        version_id=version.id,
        number=version.number,
        tier=Tier(version.tier),
        state=VersionState(version.state),
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
