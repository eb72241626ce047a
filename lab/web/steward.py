"""The steward's pages under ``/steward/…``: queue, review, decide, DP metadata, publish, upload.

Forms post to these routes, which call the same domain functions as ``/api/steward`` and answer
with a 303 back to the page and a flash code, or re-render the page with the error inline. Each
change commits in its own transaction before the redirect, so the page it leads to shows it.
The sign-in and negative-list pages live in ``signin`` and ``negative_list``, included here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from classification import Tier
from lab.api.deps import DbDep, ServicesDep
from lab.api.routes.steward import upload_name, version_detail, versions_in_state
from lab.catalogue.datasets import DatasetMeta, get_version
from lab.catalogue.decisions import MIN_JUSTIFICATION, VersionState, decide
from lab.catalogue.dp_metadata import MAX_ROWS_PER_UNIT, set_dp_metadata
from lab.catalogue.publishing import publish
from lab.db import transaction
from lab.errors import LabError
from lab.ingest.pipeline import ingest
from lab.reference import PUBLIC_CODE_LISTS
from lab.web import negative_list, signin
from lab.web.forms import dp_declaration
from lab.web.pages import (
    SignedIn,
    StewardFormDep,
    StewardPageDep,
    redirect,
    render,
    shown_inline,
)

router = APIRouter(prefix="/steward", include_in_schema=False)
router.include_router(signin.router)
router.include_router(negative_list.router)


def review_page(
    request: Request, db: DbDep, steward: SignedIn, version_id: int, **extra: object
) -> HTMLResponse:
    """The review page of one version (``extra`` carries an inline error and its status)."""
    return render(
        request,
        "review.html",
        steward,
        version=version_detail(db, version_id),
        code_lists=sorted(PUBLIC_CODE_LISTS),
        min_justification=MIN_JUSTIFICATION,
        max_rows_per_unit=MAX_ROWS_PER_UNIT,
        **extra,
    )


@router.get("/", response_class=HTMLResponse)
def queue(request: Request, db: DbDep, steward: StewardPageDep) -> HTMLResponse:
    """Versions awaiting a decision, then decided versions awaiting publication."""
    return render(
        request,
        "queue.html",
        steward,
        proposed=versions_in_state(db, VersionState.PROPOSED),
        decided=versions_in_state(db, VersionState.DECIDED),
    )


@router.get("/versions/{version_id}", response_class=HTMLResponse)
def review(request: Request, version_id: int, db: DbDep, steward: StewardPageDep) -> HTMLResponse:
    """One version: proposal and reasons, columns, profile, decision, DP metadata, publish."""
    return review_page(request, db, steward, version_id)


@router.post("/versions/{version_id}/decision", response_class=HTMLResponse)
def decision(
    request: Request,
    version_id: int,
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
        error = shown_inline(exc)
        return review_page(request, db, steward, version_id, error=error.message,
                           status=error.http_status, justification=justification)  # fmt: skip
    return redirect(f"/steward/versions/{version_id}", "decided")


@router.post("/versions/{version_id}/dp-metadata", response_class=HTMLResponse)
async def dp_metadata(
    request: Request, version_id: int, services: ServicesDep, db: DbDep, steward: StewardFormDep
) -> Response:
    """Declare the DP metadata of a T3/T4 version from the form."""
    form = await request.form()
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
            )
    except LabError as exc:
        error = shown_inline(exc)
        return review_page(request, db, steward, version_id, error=error.message,
                           status=error.http_status)  # fmt: skip
    return redirect(f"/steward/versions/{version_id}", "dp-saved")
