"""The steward's list of published datasets — current version, tier, versions, use — and the
withdraw action (with a reason; audited), under ``/steward/datasets``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from lab.catalogue.versions.listing import published_datasets
from lab.catalogue.versions.withdrawal import MIN_REASON, withdraw
from lab.errors import LabError
from lab.http.deps import ServicesDep
from lab.services import LabServices
from lab.web.pages import SignedIn, StewardFormDep, StewardPageDep, redirect, render

router = APIRouter(prefix="/datasets")
PAGE = "/steward/datasets"


def list_page(
    request: Request, services: LabServices, steward: SignedIn, **extra: Any
) -> HTMLResponse:
    """The page (``extra``: a failure to show, the reason typed and for which dataset)."""
    with services.sessions() as session:
        datasets = published_datasets(session)
    return render(
        request,
        "datasets.html",
        steward,
        page=PAGE,
        datasets=datasets,
        min_reason=MIN_REASON,
        **extra,
    )


@router.get("", response_class=HTMLResponse)
def show(request: Request, services: ServicesDep, steward: StewardPageDep) -> HTMLResponse:
    """Every published dataset with its versions and use."""
    return list_page(request, services, steward)


@router.post("/{slug}/withdraw", response_class=HTMLResponse)
def withdraw_dataset(
    request: Request,
    slug: str,
    services: ServicesDep,
    steward: StewardFormDep,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Stop serving the dataset everywhere at once; the reason goes to the audit log."""
    try:
        withdraw(services, slug=slug, reason=reason, actor=steward.username)
    except LabError as failure:
        if failure.http_status >= 500:
            raise
        return list_page(request, services, steward, failure=failure, slug=slug, reason=reason)
    return redirect(PAGE, "withdrawn")
