"""The steward's pages under ``/steward/…``: queue, review, decide, DP metadata, publish, upload.

Forms post to these routes, which call the same domain functions as ``/api/steward`` and answer
with a 303 back to the page and a flash code, or re-render the page with the error inline. Each
change commits in its own transaction before the redirect, so the page it leads to shows it.
The sign-in, negative-list, sandbox-project and published-dataset pages live in ``signin``,
``negative_list``, ``projects`` and ``datasets``, included here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from classification import Tier
from lab.api.schemas.steward import VersionDetailOut, VersionSummaryOut
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import MIN_JUSTIFICATION, VersionState, decide
from lab.catalogue.versions.dp_metadata import MAX_ROWS_PER_UNIT, set_dp_metadata
from lab.catalogue.versions.guide_store import current_guide
from lab.catalogue.versions.publishing import publish
from lab.catalogue.versions.version_queries import version_under_review, versions_in_state
from lab.db import transaction
from lab.errors import LabError
from lab.http.deps import DbDep, ServicesDep
from lab.http.params import IdPath, SubmittedFormDep, sidecar_dictionary, upload_name
from lab.ingest.pipeline import ingest
from lab.reference import PUBLIC_CODE_LISTS
from lab.web import (
    applications,
    credit,
    datasets,
    deidentification,
    negative_list,
    projects,
    signin,
)
from lab.web.classification_reasons import reason_in
from lab.web.forms import dp_declaration
from lab.web.language import language_of
from lab.web.pages import (
    SignedIn,
    StewardFormDep,
    StewardPageDep,
    redirect,
    render,
)
from lab.web.steward_text import category_name

router = APIRouter(prefix="/steward", include_in_schema=False)
router.include_router(signin.router)
router.include_router(negative_list.router)
router.include_router(projects.router)
router.include_router(applications.router)
router.include_router(credit.router)
router.include_router(deidentification.router)
router.include_router(datasets.router)


def review_page(
    request: Request, db: DbDep, steward: SignedIn, version_id: int, **extra: Any
) -> HTMLResponse:
    """The review page of one version (``extra``: a failure to show, the justification typed)."""
    lang, guide = language_of(request), current_guide(db)
    return render(
        request,
        "review.html",
        steward,
        page=f"/steward/versions/{version_id}",
        version=VersionDetailOut.of_review(version_under_review(db, version_id)),
        category_name=lambda code: category_name(lang, code, guide),
        reason_text=lambda reason: reason_in(lang, reason, guide),
        code_lists=sorted(PUBLIC_CODE_LISTS),
        min_justification=MIN_JUSTIFICATION,
        max_rows_per_unit=MAX_ROWS_PER_UNIT,
        max_domain_groups=f"{request.app.state.services.settings.gateway_max_domain_groups:,}",
        **extra,
    )


def _queue(db: Session, state: VersionState) -> list[VersionSummaryOut]:
    return [VersionSummaryOut.of(v, d) for v, d in versions_in_state(db, state)]


@router.get("/", response_class=HTMLResponse)
def queue(request: Request, db: DbDep, steward: StewardPageDep) -> HTMLResponse:
    """Versions awaiting a decision, then decided versions awaiting publication."""
    return render(
        request,
        "queue.html",
        steward,
        proposed=_queue(db, VersionState.PROPOSED),
        decided=_queue(db, VersionState.DECIDED),
    )


@router.get("/versions/{version_id}", response_class=HTMLResponse)
def review(
    request: Request, version_id: IdPath, db: DbDep, steward: StewardPageDep
) -> HTMLResponse:
    """One version: proposal and reasons, columns, profile, decision, DP metadata, publish."""
    return review_page(request, db, steward, version_id)


@router.post("/versions/{version_id}/decision", response_class=HTMLResponse)
def decision(
    request: Request,
    version_id: IdPath,
    services: ServicesDep,
    db: DbDep,
    steward: StewardFormDep,
    tier: Annotated[Tier, Form()],
    justification: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Record the steward's tier (lowering needs a justification)."""
    try:
        with transaction(services.sessions) as session:
            decide(
                session,
                services.audit,
                version=get_version(session, version_id),
                tier=tier,
                justification=justification,
                actor=steward.username,
            )
    except LabError as exc:
        return review_page(
            request, db, steward, version_id, failure=exc, justification=justification
        )
    return redirect(f"/steward/versions/{version_id}", "decided")


@router.post("/versions/{version_id}/dp-metadata", response_class=HTMLResponse)
def dp_metadata(
    request: Request,
    version_id: IdPath,
    services: ServicesDep,
    db: DbDep,
    steward: StewardFormDep,
    form: SubmittedFormDep,
) -> Response:
    """Declare the DP metadata of a T3/T4 version from the form."""
    try:
        with transaction(services.sessions) as session:
            version = get_version(session, version_id)
            columns = [column["name"] for column in version.profile]
            set_dp_metadata(
                session,
                services.audit,
                version=version,
                declaration=dp_declaration(form, columns),
                actor=steward.username,
                max_domain_groups=services.settings.gateway_max_domain_groups,
            )
    except LabError as exc:
        return review_page(request, db, steward, version_id, failure=exc)
    return redirect(f"/steward/versions/{version_id}", "dp-saved")


@router.post("/versions/{version_id}/publish", response_class=HTMLResponse)
def publication(
    request: Request, version_id: IdPath, services: ServicesDep, db: DbDep, steward: StewardFormDep
) -> Response:
    """Publish a decided version by its tier."""
    try:
        publish(services, version_id=version_id, actor=steward.username)
    except LabError as exc:
        return review_page(request, db, steward, version_id, failure=exc)
    return redirect(f"/steward/versions/{version_id}", "published")


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, services: ServicesDep, steward: StewardPageDep) -> HTMLResponse:
    """The form to ingest a file as a new dataset version."""
    return upload_page(request, services, steward)


def upload_page(
    request: Request, services: ServicesDep, steward: SignedIn, **extra: Any
) -> HTMLResponse:
    """The upload page (``extra``: a failure to show and the fields entered)."""
    limit_mb = services.settings.ingest_max_bytes / 1024**2
    return render(
        request, "upload.html", steward, page="/steward/upload", limit_mb=limit_mb, **extra
    )


@router.post("/upload", response_class=HTMLResponse)
def upload(
    request: Request,
    services: ServicesDep,
    steward: StewardFormDep,
    file: Annotated[UploadFile, File()],
    title: Annotated[str, Form(max_length=300)] = "",
    department: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
    slug: Annotated[str, Form(max_length=120)] = "",
    dictionary: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Ingest the uploaded file with its optional data dictionary and open its review page
    (a T5 file is rejected there)."""
    entered = {"title": title, "department": department, "description": description, "slug": slug}
    try:
        meta = DatasetMeta(
            title=title, department=department, description=description, slug=slug or None
        )
        outcome = ingest(
            services,
            file.file,
            upload_name(file),
            meta,
            actor=steward.username,
            dictionary=sidecar_dictionary(dictionary),
        )
    except LabError as exc:
        return upload_page(request, services, steward, failure=exc, **entered)
    done = "rejected" if outcome.rejected else "ingested"
    return redirect(f"/steward/versions/{outcome.version_id}", done)
