"""The bank officer's page under ``/bank/…``: consents asked for and held, profile requests
with their results, and the bank's rate-limit use — in Chinese or English.

The officer signs in with the same session cookie as every page; forms carry its CSRF token.
A consent request and a profile request from the page go through the same domain functions as
``/api/credit`` (``lab.credit.consent.request``, ``lab.credit.access.answer_profile_request``),
so each is limited, logged and audited exactly as an API call is; a denied profile gets the one
denial answer, whatever the reason.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from lab.clock import now
from lab.credit import consent as consents
from lab.credit.access import ProfileRequest, answer_profile_request
from lab.credit.history import requests_of_bank
from lab.credit.item_names import term_labels
from lab.credit.limits import limit_use
from lab.credit.parties import acting_bank
from lab.credit.terms import (
    DEFAULT_QUERY_CAP,
    DEFAULT_VALIDITY_DAYS,
    MAX_VALIDITY_DAYS,
    WINDOW_CHOICES,
    ConsentTerms,
)
from lab.credit.vocabulary import ConsentState
from lab.db import transaction
from lab.db.models import Organisation
from lab.errors import LabError
from lab.http.deps import ServicesDep
from lab.logs import request_id_var
from lab.services import LabServices
from lab.web.homes import door_for
from lab.web.language import language_of
from lab.web.own_profile_view import score_view, sections
from lab.web.pages import redirect
from lab.web.role_pages import RoleUser, check_csrf, render_role, sign_in_routes, signed_in_as

DOOR = door_for("/bank/")
FLASH = {
    "requested": (
        "授权申请已发送，等待企业在其页面上同意或拒绝。",
        "Consent request sent; the enterprise approves or rejects it on its page.",
    ),
    "other-door": (
        "您的账号是银行客户经理，已为您打开银行客户经理主页。",
        "Your account is a bank officer's: this is your home.",
    ),
}
LIMIT_NAMES = {
    "bank_minute": ("本行每分钟", "This bank, per minute"),
    "bank_day": ("本行每日", "This bank, per day"),
    "operator_minute": ("本人每分钟", "You, per minute"),
    "operator_day": ("本人每日", "You, per day"),
}

router = APIRouter(prefix="/bank", include_in_schema=False)


def bank_officer(request: Request, services: ServicesDep) -> RoleUser:
    """The bank operator behind the cookie; others go to the bank's sign-in or get a 403."""
    return signed_in_as(request, services, DOOR)


OfficerDep = Annotated[RoleUser, Depends(bank_officer)]


def checked(officer: OfficerDep, csrf_token: Annotated[str, Form()] = "") -> RoleUser:
    """The signed-in bank operator, once the form's CSRF token matches their session."""
    return check_csrf(officer, csrf_token)


CheckedDep = Annotated[RoleUser, Depends(checked)]


def _bank(services: LabServices, officer: RoleUser) -> Organisation:
    with services.sessions() as session:
        bank = acting_bank(session, officer.principal)
        session.expunge(bank)
    return bank


def bank_page(
    request: Request, services: LabServices, officer: RoleUser, **extra: Any
) -> HTMLResponse:
    """The one page; ``extra`` may carry a failure, a profile answer, the form as typed."""
    bank = _bank(services, officer)
    with services.sessions() as session:
        held = [
            (c, consents.effective_state(c).value)
            for c in consents.consents_of_bank(session, bank.id)
        ]
        requests = requests_of_bank(session, bank.id)
        limits = limit_use(
            session, services.settings, bank_id=bank.id, operator=officer.username, at=now()
        )
    awaiting = ConsentState.AWAITING.value
    return render_role(
        request,
        "bank/home.html",
        user=officer,
        door=DOOR,
        flash=FLASH,
        bank=bank,
        asked=[(c, s) for c, s in held if s == awaiting],
        held=[(c, s) for c, s in held if s != awaiting],
        requests=requests,
        limits=limits,
        limit_names=LIMIT_NAMES,
        labels=term_labels(language_of(request)),
        windows=WINDOW_CHOICES,
        validity=(DEFAULT_VALIDITY_DAYS, MAX_VALIDITY_DAYS),
        default_cap=DEFAULT_QUERY_CAP,
        **extra,
    )


router.include_router(sign_in_routes(DOOR, checked))


@router.get("/", response_class=HTMLResponse)
def home(request: Request, services: ServicesDep, officer: OfficerDep) -> HTMLResponse:
    """Consent requests sent, consents held, profile requests and results, rate-limit use."""
    return bank_page(request, services, officer)


@router.post("/consent-requests", response_class=HTMLResponse)
def request_consent(
    request: Request,
    services: ServicesDep,
    officer: CheckedDep,
    credit_code: Annotated[str, Form(max_length=40)],
    purpose: Annotated[str, Form(max_length=40)],
    level: Annotated[str, Form(max_length=20)],
    scopes: Annotated[list[str], Form()],
    window_months: Annotated[int, Form()] = 24,
    validity_days: Annotated[int, Form()] = DEFAULT_VALIDITY_DAYS,
    query_cap: Annotated[int, Form()] = DEFAULT_QUERY_CAP,
) -> Response:
    """Ask an enterprise for a consent; it waits on the enterprise's page for an answer."""
    try:
        terms = ConsentTerms.parse(
            credit_code=credit_code,
            purpose=purpose,
            scopes=scopes,
            level=level,
            window_months=window_months,
            validity_days=validity_days,
            query_cap=query_cap,
        )
        with transaction(services.sessions) as session:
            bank = acting_bank(session, officer.principal)
            party = consents.Party(officer.username, bank)
            consents.request(session, services.audit, bank=party, terms=terms)
    except LabError as failure:
        if failure.http_status >= 500:
            raise
        return bank_page(request, services, officer, failure=failure)
    return redirect(DOOR.home, "requested")


@router.post("/profiles", response_class=HTMLResponse)
def request_profile(
    request: Request,
    services: ServicesDep,
    officer: CheckedDep,
    consent_id: Annotated[str, Form(max_length=40)],
    credit_code: Annotated[str, Form(max_length=40)],
    purpose: Annotated[str, Form(max_length=40)],
    level: Annotated[str, Form(max_length=20)],
) -> HTMLResponse:
    """Request a profile under a consent; the page shows the profile or the one denial."""
    try:
        asked = ProfileRequest.parse(
            credit_code=credit_code, purpose=purpose, consent_id=consent_id, level=level
        )
        answer = answer_profile_request(
            services,
            bank=_bank(services, officer),
            caller=officer.username,
            request=asked,
            request_id=request_id_var.get(),
        )
    except LabError as failure:
        if failure.http_status >= 500:
            raise
        return bank_page(request, services, officer, failure=failure)
    served = json.loads(answer.body) if answer.body is not None else None
    if served is None:
        return bank_page(request, services, officer, denial=True)
    lang = language_of(request)
    return bank_page(
        request,
        services,
        officer,
        profile=json.dumps(served, ensure_ascii=False, indent=2),
        sections=sections(served, lang),
        score=score_view(served, lang),
        data_as_of=served["data_as_of"],
    )
