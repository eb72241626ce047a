"""The steward's pages for conditional data and feedback: the queue with each 5-working-day
clock, one application (form, pledge, completeness) with return / reject / approve, and the
visitors' suggestions and corrections with their answers. Every answer is audited by the domain.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from lab.catalogue.portal_workflow.applications import (
    DEFAULT_ACCESS_DAYS,
    FORM_FIELDS,
    MAX_ACCESS_DAYS,
    REASONS_RULE,
    ApplicationForm,
    ApplicationState,
    SecurityPledge,
    applications_in,
    approve,
    clock,
    get_application,
    reject,
    return_incomplete,
)
from lab.catalogue.portal_workflow.feedback import (
    ANSWER_RULE,
    answer_feedback,
    feedback_clock,
    open_feedback,
)
from lab.db import transaction
from lab.db.models import Dataset, ExtractDownload, User
from lab.errors import InvalidInput, LabError
from lab.http.deps import DbDep, ServicesDep
from lab.http.params import IdPath
from lab.web.language import language_of
from lab.web.pages import SignedIn, StewardFormDep, StewardPageDep, redirect, render
from lab.web.steward_text import (
    APPLICATION_STATES,
    CREDIT_CODE,
    FEEDBACK_KINDS,
    FORM_FIELD_NAMES,
    PLEDGE_NAMES,
    application_gaps,
)

router = APIRouter()
QUEUE = "/steward/applications"
FEEDBACK = "/steward/feedback"


@router.get("/applications", response_class=HTMLResponse)
def queue(request: Request, db: DbDep, steward: StewardPageDep) -> HTMLResponse:
    """Applications awaiting an answer (soonest due first), then the answered ones."""
    waiting = applications_in(db, ApplicationState.SUBMITTED)
    answered = applications_in(
        db,
        ApplicationState.APPROVED,
        ApplicationState.REJECTED,
        ApplicationState.RETURNED,
        ApplicationState.REPORTED,
    )
    return render(
        request,
        "applications.html",
        steward,
        page=QUEUE,
        waiting=[(a, db.get(Dataset, a.dataset_id), clock(a)) for a in waiting],
        answered=[(a, db.get(Dataset, a.dataset_id), clock(a)) for a in answered],
        labels=APPLICATION_STATES,
    )


def application_page(
    request: Request, db: DbDep, steward: SignedIn, application_id: int, **extra: Any
) -> HTMLResponse:
    """One application with its completeness check (``extra``: a failure, fields typed)."""
    application = get_application(db, application_id)
    fields = {k: v for k, v in application.form.items() if k in dict(FORM_FIELDS)}
    form = ApplicationForm(**fields, credit_code=application.form.get("credit_code", ""))
    pledge = SecurityPledge(
        frozenset(application.pledge.get("accepted", ())), application.pledge.get("signer", "")
    )
    downloads = db.scalars(
        select(ExtractDownload).where(ExtractDownload.application_id == application.id)
    ).all()
    return render(
        request,
        "application.html",
        steward,
        page=f"{QUEUE}/{application_id}",
        application=application,
        applicant=db.get(User, application.applicant_id),
        dataset=db.get(Dataset, application.dataset_id),
        clock=clock(application),
        labels=APPLICATION_STATES,
        form_fields=FORM_FIELD_NAMES,
        credit_code=CREDIT_CODE,
        pledge_items=PLEDGE_NAMES,
        gaps=application_gaps(language_of(request), form, pledge),
        downloads=downloads,
        default_days=DEFAULT_ACCESS_DAYS,
        reasons_rule=REASONS_RULE,
        max_days=MAX_ACCESS_DAYS,
        **extra,
    )


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def show(request: Request, application_id: IdPath, db: DbDep, steward: StewardPageDep):
    """Review one application."""
    return application_page(request, db, steward, application_id)


@router.post("/applications/{application_id}/answer", response_class=HTMLResponse)
def answer(
    request: Request,
    application_id: IdPath,
    services: ServicesDep,
    db: DbDep,
    steward: StewardFormDep,
    outcome: Annotated[str, Form()],
    reasons: Annotated[str, Form(max_length=4000)] = "",
    access_days: Annotated[int, Form(ge=1, le=MAX_ACCESS_DAYS)] = DEFAULT_ACCESS_DAYS,
) -> Response:
    """Approve, reject or return as incomplete (reasons needed for the last two)."""
    actions = {"approve": approve, "reject": reject, "return": return_incomplete}
    try:
        with transaction(services.sessions) as session:
            act = actions.get(outcome)
            if act is None:
                raise InvalidInput(f"outcome: approve, reject or return, not {outcome!r}")
            extra = {"access_days": access_days} if outcome == "approve" else {}
            act(
                session,
                services.audit,
                application_id=application_id,
                reasons=reasons,
                actor=steward.username,
                **extra,
            )
    except LabError as exc:
        return application_page(request, db, steward, application_id, failure=exc, reasons=reasons)
    return redirect(f"{QUEUE}/{application_id}", "answered")


@router.get("/feedback", response_class=HTMLResponse)
def feedback(request: Request, db: DbDep, steward: StewardPageDep) -> HTMLResponse:
    """Visitors' suggestions and corrections, open ones first, with their clocks."""
    return _feedback_page(request, db, steward)


def _feedback_page(request: Request, db, steward, typed=None, **extra) -> HTMLResponse:
    """The feedback list; ``typed`` is an answer refused, kept in its note's box."""
    notes = [(row, feedback_clock(row)) for row in open_feedback(db)]
    return render(
        request,
        "feedback.html",
        steward,
        page=FEEDBACK,
        notes=notes,
        kinds=FEEDBACK_KINDS,
        answer_rule=ANSWER_RULE,
        typed=typed or {},
        **extra,
    )


@router.post("/feedback/{feedback_id}/answer", response_class=HTMLResponse)
def answer_note(
    request: Request,
    feedback_id: IdPath,
    services: ServicesDep,
    db: DbDep,
    steward: StewardFormDep,
    answer_text: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Answer one note (audited)."""
    try:
        with transaction(services.sessions) as session:
            answer_feedback(
                session,
                services.audit,
                feedback_id=feedback_id,
                answer=answer_text,
                actor=steward.username,
            )
    except LabError as exc:
        return _feedback_page(request, db, steward, failure=exc, typed={feedback_id: answer_text})
    return redirect(FEEDBACK, "answered")
