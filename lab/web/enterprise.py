"""The enterprise's own credit pages under ``/enterprise/…``: consents, queries, disputes, repair.

An enterprise admin signs in with the same session cookie as every page, then, on one page:
grants a bank a consent or answers a bank's request (approve / reject), revokes a consent,
downloads the signed receipt, sees every bank request about the firm (bank, operator, purpose,
time, level, served or not), disputes a profile item (flagged in every profile at once, with
the 20-day answer clock shown) and asks for credit repair of penalties past their publicity
period. Forms carry the session's CSRF token and answer with a 303 and a fixed flash code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from lab.credit import consent as consents
from lab.credit import disputes, repairs
from lab.credit.history import queries_about
from lab.credit.parties import acting_enterprise, bank_named, credit_code_of, registered_banks
from lab.credit.signing import lab_signer
from lab.credit.terms import (
    DEFAULT_QUERY_CAP,
    DEFAULT_VALIDITY_DAYS,
    MAX_VALIDITY_DAYS,
    SCORE_SCOPES,
    WINDOW_CHOICES,
    ConsentTerms,
)
from lab.credit.vocabulary import (
    LEVEL_LABELS,
    PURPOSE_LABELS,
    SCOPE_LABELS,
    STATE_LABELS,
)
from lab.db import transaction
from lab.db.models import Organisation
from lab.errors import LabError, NotAuthenticated
from lab.http.browser_session import (
    SESSION_COOKIE,
    end_session,
    require_form_token,
    set_session_cookie,
    signed_in_or_sign_in,
)
from lab.http.deps import DbDep, ServicesDep
from lab.http.signin import page_refusal, password_sign_in
from lab.identity import Principal
from lab.identity.throttle import SignInThrottled
from lab.services import LabServices
from lab.web.homes import door_for
from lab.web.pages import TEMPLATES, redirect
from lab.web.role_pages import landing_after

LOGIN = "/enterprise/login"
HOME = "/enterprise/"
FLASH = {
    "granted": "授权已生效并已签名，可下载授权回执。",
    "approved": "已同意该银行的授权申请，授权已签名生效。",
    "rejected": "已拒绝该银行的授权申请。",
    "revoked": "授权已撤销，立即生效：该银行此后的查询一律不予返回。",
    "disputed": "异议已登记：该项目已在所有输出中标注为“有异议”，请等待答复。",
    "repair": "信用修复申请已提交。",
    "other-door": "您的账号是企业管理员，已为您打开企业信用授权主页。",
}

router = APIRouter(prefix="/enterprise", include_in_schema=False)


@dataclass(frozen=True)
class EnterpriseUser:
    """The signed-in enterprise admin, their firm and the CSRF token of their session."""

    principal: Principal
    org: Organisation
    csrf_token: str

    @property
    def party(self) -> consents.Party:
        return consents.Party(self.principal.username, self.org)


def signed_in(request: Request, services: ServicesDep) -> EnterpriseUser:
    """The enterprise admin behind the cookie; others go to the sign-in page or are refused."""
    browser = signed_in_or_sign_in(request, services, LOGIN)
    with services.sessions() as session:
        org = acting_enterprise(session, browser.principal)
        session.expunge(org)
    return EnterpriseUser(browser.principal, org, browser.csrf_token)


PageDep = Annotated[EnterpriseUser, Depends(signed_in)]


def checked(user: PageDep, csrf_token: Annotated[str, Form()] = "") -> EnterpriseUser:
    """The user, once the form's CSRF token matches their session's."""
    require_form_token(user.csrf_token, csrf_token)
    return user


FormDep = Annotated[EnterpriseUser, Depends(checked)]


def _render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    shared = {"flash": FLASH.get(request.query_params.get("done", ""))}
    return TEMPLATES.TemplateResponse(
        request, f"enterprise/{template}", {**shared, **context}, status_code=status
    )


def home_page(
    request: Request, db: Session, services: LabServices, user: EnterpriseUser, **extra: Any
) -> HTMLResponse:
    """The one enterprise page; ``extra`` may carry a failure to show inline."""
    failure: LabError | None = extra.pop("failure", None)
    code = credit_code_of(user.org)
    banks = {b.id: b.name for b in registered_banks(db)}
    return _render(
        request,
        "home.html",
        status=failure.http_status if failure else 200,
        user=user,
        error=failure.message if failure else None,
        banks=banks,
        consents=[
            (c, consents.effective_state(c).value) for c in consents.consents_about(db, code)
        ],
        queries=queries_about(db, code),
        disputes=[(d, disputes.days_left(d)) for d in disputes.disputes_of(db, code)],
        repairs=repairs.repairs_of(db, code),
        repairable=repairs.repairable_penalties(db, code),
        items=disputes.disputable_items(),
        reason_rule=disputes.REASON_RULE,
        purposes=PURPOSE_LABELS,
        scopes=SCOPE_LABELS,
        levels=LEVEL_LABELS,
        states=STATE_LABELS,
        score_scopes=sorted(SCORE_SCOPES),
        windows=WINDOW_CHOICES,
        validity=(DEFAULT_VALIDITY_DAYS, MAX_VALIDITY_DAYS),
        default_cap=DEFAULT_QUERY_CAP,
        **extra,
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    """The sign-in form."""
    return _render(request, "login.html")


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    services: ServicesDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
) -> Response:
    """Check the password, set the session cookie, open the page (another role's home for
    anyone who is not an enterprise admin); else say why inline."""
    try:
        minted = await password_sign_in(request, services, username, password)
    except SignInThrottled as refusal:
        page = _render(request, "login.html", 429, error=page_refusal(refusal).message)
        page.headers.update(refusal.headers)
        return page
    except NotAuthenticated:
        return _render(request, "login.html", 401, error="用户名或密码错误。", username=username)
    opened = redirect(landing_after(services, minted, door_for(HOME)))
    set_session_cookie(opened, services.settings, minted)
    return opened


@router.post("/logout")
def logout(request: Request, services: ServicesDep, _: FormDep) -> Response:
    """End the enterprise's browser session and go back to the sign-in page."""
    closed = redirect(LOGIN)
    end_session(services, closed, request.cookies.get(SESSION_COOKIE))
    return closed


@router.get("/", response_class=HTMLResponse)
def home(request: Request, services: ServicesDep, db: DbDep, user: PageDep) -> HTMLResponse:
    """Consents, requests about the firm, disputes and repair requests."""
    return home_page(request, db, services, user)


def _act(request: Request, services: ServicesDep, user: EnterpriseUser, done: str, action):
    """Run ``action(session)`` in its own transaction; redirect with ``done`` or show the error."""
    try:
        with transaction(services.sessions) as session:
            action(session)
    except LabError as failure:
        if failure.http_status >= 500:
            raise
        with services.sessions() as session:
            return home_page(request, session, services, user, failure=failure)
    return redirect(HOME, done)


@router.post("/consents", response_class=HTMLResponse)
def grant(
    request: Request,
    services: ServicesDep,
    user: FormDep,
    bank: Annotated[str, Form(max_length=200)],
    purpose: Annotated[str, Form(max_length=40)],
    level: Annotated[str, Form(max_length=20)],
    scopes: Annotated[list[str], Form()],
    window_months: Annotated[int, Form()] = 24,
    validity_days: Annotated[int, Form()] = DEFAULT_VALIDITY_DAYS,
    query_cap: Annotated[int, Form()] = DEFAULT_QUERY_CAP,
) -> Response:
    """Authorise a bank; the consent is signed at once."""

    def action(session: Session) -> None:
        terms = ConsentTerms.parse(
            credit_code=credit_code_of(user.org),
            purpose=purpose,
            scopes=scopes,
            level=level,
            window_months=window_months,
            validity_days=validity_days,
            query_cap=query_cap,
        )
        signer = lab_signer(services.signing)
        consents.grant(
            session,
            services.audit,
            signer,
            enterprise=user.party,
            bank=bank_named(session, bank),
            terms=terms,
        )

    return _act(request, services, user, "granted", action)


VERBS = {"approve": "approved", "reject": "rejected", "revoke": "revoked"}


@router.post("/consents/{consent_id}/{verb}", response_class=HTMLResponse)
def decide(
    request: Request, consent_id: str, verb: str, services: ServicesDep, user: FormDep
) -> Response:
    """Approve or reject a bank's request, or revoke a consent (effective at once)."""
    if verb not in VERBS:
        raise HTTPException(404, "no such action")

    def action(session: Session) -> None:
        if verb == "approve":
            signer = lab_signer(services.signing)
            consents.approve(
                session, services.audit, signer, enterprise=user.party, consent_id=consent_id
            )
        else:
            change = consents.reject if verb == "reject" else consents.revoke
            change(session, services.audit, enterprise=user.party, consent_id=consent_id)

    return _act(request, services, user, VERBS[verb], action)


@router.get("/consents/{consent_id}/receipt.json")
def receipt(consent_id: str, services: ServicesDep, db: DbDep, user: PageDep) -> Response:
    """The signed receipt, as a file to keep."""
    consent = consents.own_consent(db, user.party, consent_id)
    signer = lab_signer(services.signing)
    body = json.dumps(consents.receipt_of(consent, signer).to_json(), ensure_ascii=False, indent=2)
    disposition = f'attachment; filename="consent-{consent_id}-receipt.json"'
    return Response(
        body, media_type="application/json", headers={"Content-Disposition": disposition}
    )


@router.post("/disputes", response_class=HTMLResponse)
def dispute(
    request: Request,
    services: ServicesDep,
    user: FormDep,
    item: Annotated[str, Form(max_length=80)],
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Dispute a profile item; it is flagged in every profile from now on until answered."""

    def action(session: Session) -> None:
        disputes.open_dispute(
            session,
            services.audit,
            credit_code=credit_code_of(user.org),
            item=item,
            reason=reason,
            actor=user.principal.username,
        )

    return _act(request, services, user, "disputed", action)


@router.post("/repairs", response_class=HTMLResponse)
def repair(
    request: Request,
    services: ServicesDep,
    user: FormDep,
    penalty_reference: Annotated[str, Form(max_length=120)],
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Ask for the credit repair of a penalty past its publicity period."""

    def action(session: Session) -> None:
        repairs.request_repair(
            session,
            services.audit,
            credit_code=credit_code_of(user.org),
            penalty_reference=penalty_reference,
            reason=reason,
            actor=user.principal.username,
        )

    return _act(request, services, user, "repair", action)
