"""The enterprise's own credit pages under ``/enterprise/…``: consents, queries, disputes,
repair, and its own profile — in Chinese or English (``lab.web.language``'s one switch).

An enterprise admin signs in with the same session cookie as every page, then, on the home
page: grants a bank a consent or answers a bank's request (approve / reject), downloads the
signed receipt, sees every bank request about the firm (bank, operator, purpose, time, level,
served or not), disputes a profile item chosen by name, grouped by scope (flagged in every
profile at once, with the 20-day answer clock shown) and asks for credit repair of penalties
past their publicity period. ``/enterprise/profile`` shows the firm's profile and score exactly
as a bank at ``report`` level would be served them. Revoking a consent goes through a page that
names the bank and the consent and asks to confirm. Forms carry the session's CSRF token and
answer with a 303 and a fixed flash code.
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
from lab.credit.item_names import disputable_groups, item_name, term_labels
from lab.credit.own_profile import own_profile
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
from lab.credit.vocabulary import ConsentState
from lab.db import transaction
from lab.db.models import Organisation
from lab.errors import LabError
from lab.http.browser_session import (
    require_form_token,
    signed_in_or_sign_in,
)
from lab.http.deps import DbDep, ServicesDep
from lab.identity import Principal
from lab.web.homes import door_for
from lab.web.language import language_of
from lab.web.own_profile_view import score_view, sections
from lab.web.pages import redirect
from lab.web.role_pages import render_role, sign_in_routes

DOOR = door_for("/enterprise/")
LOGIN, HOME = DOOR.login, DOOR.home
FLASH = {
    "granted": (
        "授权已生效并已签名，可下载授权回执。",
        "Consent in force and signed; download its receipt.",
    ),
    "approved": (
        "已同意该银行的授权申请，授权已签名生效。",
        "You approved the bank's request; the consent is signed and in force.",
    ),
    "rejected": ("已拒绝该银行的授权申请。", "You rejected the bank's request."),
    "revoked": (
        "授权已撤销，立即生效：该银行此后的查询一律不予返回。",
        "Consent revoked, at once: the bank's requests are no longer served.",
    ),
    "disputed": (
        "异议已登记：该项目已在所有输出中标注为“有异议”，请等待答复。",
        "Dispute filed: the item is flagged as disputed in every profile until it is answered.",
    ),
    "repair": ("信用修复申请已提交。", "Credit-repair request submitted."),
    "other-door": (
        "您的账号是企业管理员，已为您打开企业信用授权主页。",
        "Your account is an enterprise admin's: this is your home.",
    ),
}
REVOCABLE = (ConsentState.AUTHORISED.value, ConsentState.AWAITING.value)

router = APIRouter(prefix="/enterprise", include_in_schema=False)


@dataclass(frozen=True)
class EnterpriseUser:
    """The signed-in enterprise admin, their firm and the CSRF token of their session."""

    principal: Principal
    org: Organisation
    csrf_token: str

    @property
    def username(self) -> str:
        return self.principal.username

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


def _render(
    request: Request, template: str, user: EnterpriseUser | None, **context: Any
) -> HTMLResponse:
    """An enterprise page in the visitor's language, with the vocabulary's labels."""
    return render_role(
        request,
        template,
        user=user,
        door=DOOR,
        flash=FLASH,
        labels=term_labels(language_of(request)),
        **context,
    )


def home_page(
    request: Request, db: Session, user: EnterpriseUser, failure: LabError | None = None
) -> HTMLResponse:
    """The enterprise's home; ``failure`` (a caller error) is shown inline with its status."""
    lang = language_of(request)
    code = credit_code_of(user.org)
    return _render(
        request,
        "enterprise/home.html",
        user,
        failure=failure,
        banks={b.id: b.name for b in registered_banks(db)},
        consents=[
            (c, consents.effective_state(c).value) for c in consents.consents_about(db, code)
        ],
        revocable=REVOCABLE,
        queries=queries_about(db, code),
        disputes=[
            (d, item_name(d.item, lang), disputes.days_left(d))
            for d in disputes.disputes_of(db, code)
        ],
        repairs=repairs.repairs_of(db, code),
        repairable=repairs.repairable_penalties(db, code),
        dispute_groups=disputable_groups(lang),
        reason_rule=disputes.REASON_RULE,
        score_scopes=sorted(SCORE_SCOPES),
        windows=WINDOW_CHOICES,
        validity=(DEFAULT_VALIDITY_DAYS, MAX_VALIDITY_DAYS),
        default_cap=DEFAULT_QUERY_CAP,
    )


router.include_router(sign_in_routes(DOOR, checked))


@router.get("/", response_class=HTMLResponse)
def home(request: Request, services: ServicesDep, db: DbDep, user: PageDep) -> HTMLResponse:
    """Consents, requests about the firm, disputes and repair requests."""
    return home_page(request, db, user)


@router.get("/profile", response_class=HTMLResponse)
def profile(request: Request, services: ServicesDep, user: PageDep) -> HTMLResponse:
    """The firm's own profile and score, as a bank at ``report`` level would be served them."""
    lang = language_of(request)
    with transaction(services.sessions) as session:
        own = own_profile(
            session, services.audit, credit_code=credit_code_of(user.org), actor=user.username
        )
    return _render(
        request,
        "enterprise/profile.html",
        user,
        own=own,
        sections=sections(own.profile, lang) if own else [],
        score=score_view(own.profile, lang) if own else None,
    )


@router.get("/consents/{consent_id}/revoke", response_class=HTMLResponse)
def confirm_revoke(request: Request, consent_id: str, db: DbDep, user: PageDep) -> HTMLResponse:
    """Ask to confirm a revocation, naming the bank and the consent (its scopes and end)."""
    consent = consents.own_consent(db, user.party, consent_id)
    banks = {b.id: b.name for b in registered_banks(db)}
    return _render(
        request,
        "enterprise/revoke.html",
        user,
        consent=consent,
        bank=banks.get(consent.bank_org_id, str(consent.bank_org_id)),
        state=consents.effective_state(consent).value,
        revocable=REVOCABLE,
    )


def _act(request: Request, services: ServicesDep, user: EnterpriseUser, done: str, action):
    """Run ``action(session)`` in its own transaction; redirect with ``done`` or show the error."""
    try:
        with transaction(services.sessions) as session:
            action(session)
    except LabError as failure:
        if failure.http_status >= 500:
            raise
        with services.sessions() as session:
            return home_page(request, session, user, failure=failure)
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
