"""The negative-list page: the entries in force, adding one, removing one with a note."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from lab.catalogue.versions.guide_store import current_guide, list_negative, unlist_negative
from lab.errors import LabError
from lab.http.deps import DbDep, ServicesDep
from lab.web.language import language_of
from lab.web.pages import SignedIn, StewardFormDep, StewardPageDep, redirect, render
from lab.web.steward_text import category_name

router = APIRouter(prefix="/negative-list")
PAGE = "/steward/negative-list"


def list_page(request: Request, db: DbDep, steward: SignedIn, **extra: Any) -> HTMLResponse:
    """The page (``extra``: a failure to show and the fields entered)."""
    lang, guide = language_of(request), current_guide(db)
    return render(
        request,
        "negative_list.html",
        steward,
        page=PAGE,
        guide=guide,
        category_name=lambda code: category_name(lang, code, guide),
        **extra,
    )


@router.get("", response_class=HTMLResponse)
def show(request: Request, db: DbDep, steward: StewardPageDep) -> HTMLResponse:
    """The negative list of the guide in force."""
    return list_page(request, db, steward)


@router.post("", response_class=HTMLResponse)
def add(
    request: Request,
    services: ServicesDep,
    db: DbDep,
    steward: StewardFormDep,
    kind: Annotated[str, Form()],
    value: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Add a category or header cue that rejects a file as T5."""
    try:
        list_negative(
            services, kind=kind, value=value, reason=reason, note=note, actor=steward.username
        )
    except LabError as exc:
        entered = {"kind": kind, "value": value, "reason": reason, "note": note}
        return list_page(request, db, steward, failure=exc, entered=entered)
    return redirect(PAGE, "listed")


@router.post("/remove", response_class=HTMLResponse)
def remove(
    request: Request,
    services: ServicesDep,
    db: DbDep,
    steward: StewardFormDep,
    value: Annotated[str, Form(max_length=100)],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Remove an entry, keeping the steward's note with the new guide revision."""
    try:
        unlist_negative(services, value=value, note=note, actor=steward.username)
    except LabError as exc:
        return list_page(request, db, steward, failure=exc)
    return redirect(PAGE, "unlisted")
