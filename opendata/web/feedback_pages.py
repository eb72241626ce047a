"""The portal's 意见建议 / 数据纠错 pages: the form (a dataset page's 数据纠错 link opens it with
that dataset chosen), the receipt with the note's number and lookup code, and the page that
shows the steward's answer to whoever holds both.

The domain is ``lab.catalogue.portal_workflow.feedback`` (the note and its rules) and
``feedback_lookup`` (the code). Both posts are rate-limited per address, each on its own limiter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from lab.catalogue.portal_workflow.feedback import (
    FEEDBACK_RULES,
    KIND_LABELS,
    FeedbackKind,
    FeedbackNote,
    feedback_clock,
    submit_feedback,
)
from lab.catalogue.portal_workflow.feedback_lookup import LOOKUP_RULES, NO_MATCH, look_up
from lab.catalogue.portal_workflow.working_days import ANSWER_WORKING_DAYS
from lab.db import transaction
from lab.errors import InvalidInput, LabError, NotFound
from lab.form_rules import FormInvalid, RuleBreach, breaches_of
from lab.http.deps import DbDep, ServicesDep
from opendata.portal.catalogue import public_named, public_titles
from opendata.web.api_deps import per_address
from opendata.web.rendering import VisitorDep, render

router = APIRouter(include_in_schema=False)
FEEDBACK_PER_MINUTE = 5
LOOKUPS_PER_MINUTE = 10
KINDS_EN = {FeedbackKind.SUGGESTION: "Suggestion", FeedbackKind.CORRECTION: "Data correction"}
UNKNOWN_DATASET = RuleBreach(
    "没有这个公开数据集：请填写数据集名称或标识，或从列表中选择",
    "No open dataset has this name: type its title or identifier, or pick it from the list",
)
AMBIGUOUS_DATASET = RuleBreach(
    "有多个数据集叫这个名字，请填写数据集标识（见数据集页面地址）",
    "Several datasets have this title: type the identifier (from the dataset page's address)",
)


def _form_page(request: Request, services, who, entered: Mapping[str, str], **extra):
    with services.sessions() as session:
        chosen = public_named(session, entered.get("dataset", ""))
        titles = public_titles(session)
    return render(
        request,
        "feedback.html",
        who=who,
        entered=entered,
        chosen=chosen[0] if len(chosen) == 1 else None,
        titles=titles,
        rules=FEEDBACK_RULES,
        answer_days=ANSWER_WORKING_DAYS,
        **extra,
    )


@router.get("/feedback", response_class=HTMLResponse)
def feedback_form(
    request: Request,
    services: ServicesDep,
    who: VisitorDep,
    dataset: Annotated[str, Query(max_length=300)] = "",
    kind: Annotated[str, Query(max_length=20)] = "suggestion",
) -> HTMLResponse:
    """The 意见建议 / 数据纠错 form, with the answer clock and every field's rule stated."""
    return _form_page(request, services, who, {"dataset": dataset, "kind": kind})


@router.post(
    "/feedback",
    response_class=HTMLResponse,
    dependencies=[Depends(per_address("feedback", FEEDBACK_PER_MINUTE))],
)
def feedback_submit(
    request: Request,
    services: ServicesDep,
    who: VisitorDep,
    kind: Annotated[str, Form(max_length=20)],
    message: Annotated[str, Form(max_length=4000)],
    contact: Annotated[str, Form(max_length=200)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    dataset: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Record the note; show its number, lookup code and when it will be answered."""
    entered = {
        "kind": kind,
        "message": message,
        "contact": contact,
        "name": name,
        "dataset": dataset,
    }
    try:
        with transaction(services.sessions) as session:
            note = _note_from(session, entered)
            submitted = submit_feedback(session, services.audit, note)
            clock = feedback_clock(submitted.row)
    except LabError as exc:
        return _form_page(request, services, who, entered, failure=exc)
    return render(
        request,
        "feedback_done.html",
        who=who,
        clock=clock,
        reference=submitted.row.id,
        code=submitted.code.text,
    )


def _note_from(session: Session, entered: Mapping[str, str]) -> FeedbackNote:
    """The note a submitted form states, its dataset found by identifier or title; every
    field's breach is collected before refusing."""
    kind = _kind(entered["kind"])
    slug, breaches = None, {}
    if entered["dataset"].strip():
        found = public_named(session, entered["dataset"])
        if len(found) == 1:
            slug = found[0].slug
        else:
            breaches["dataset"] = AMBIGUOUS_DATASET if found else UNKNOWN_DATASET
    fields = (entered["name"], entered["contact"], entered["message"], slug)
    try:
        note = FeedbackNote(kind, *fields)
    except FormInvalid as refused:
        raise FormInvalid(refused.breaches | breaches) from None
    if breaches:
        raise FormInvalid(breaches)
    return note


def _kind(kind: str) -> FeedbackKind:
    try:
        return FeedbackKind(kind)
    except ValueError:
        raise InvalidInput(f"kind: suggestion or correction, not {kind!r}") from None


def _lookup_page(request: Request, who, entered: Mapping[str, str], **extra) -> HTMLResponse:
    return render(
        request,
        "feedback_lookup.html",
        who=who,
        entered=entered,
        rules=LOOKUP_RULES,
        kinds=KIND_LABELS,
        kinds_en=KINDS_EN,
        **extra,
    )


@router.get("/feedback/lookup", response_class=HTMLResponse)
def lookup_form(request: Request, who: VisitorDep) -> HTMLResponse:
    """The form to read the answer to a note by its number and lookup code."""
    return _lookup_page(request, who, {})


@router.post(
    "/feedback/lookup",
    response_class=HTMLResponse,
    dependencies=[Depends(per_address("feedback-lookup", LOOKUPS_PER_MINUTE))],
)
def lookup(
    request: Request,
    db: DbDep,
    who: VisitorDep,
    number: Annotated[str, Form(max_length=12)] = "",
    code: Annotated[str, Form(max_length=40)] = "",
) -> HTMLResponse:
    """The note, its state and the steward's answer — for the right number and code only.

    A wrong code and an unknown number get the same page (the number is kept, the code not).
    """
    entered = {"number": number.strip()}
    breaches = breaches_of(LOOKUP_RULES, {"number": number, "code": code})
    if breaches:
        return _lookup_page(request, who, entered, failure=FormInvalid(breaches))
    try:
        note = look_up(db, number=int(number.strip()), code=code)
    except NotFound:
        no_match = FormInvalid({"code": NO_MATCH}, NO_MATCH)
        return _lookup_page(request, who, entered, failure=no_match)
    return _lookup_page(request, who, entered, note=note, clock=feedback_clock(note))
