"""Pages of registered applicants: register, sign in, apply for conditional data, follow the
application and its 5-working-day clock, download the fingerprinted extract once approved, and
report its use. The domain lives in ``lab.catalogue.portal_workflow.applications`` and
``lab.catalogue.t2_extracts.extract_downloads``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from lab.catalogue.portal_workflow.applications import (
    APPLICATION_RULES,
    FORM_FIELDS,
    PLEDGE_ITEMS,
    STATE_LABELS,
    USAGE_SUMMARY_RULE,
    ApplicationForm,
    ApplicationState,
    SecurityPledge,
    UsageReport,
    applications_of,
    clock,
    conditional_dataset,
    own_application,
    report_usage,
    resubmit_application,
    submit_application,
)
from lab.catalogue.portal_workflow.working_days import ANSWER_WORKING_DAYS
from lab.catalogue.t2_extracts.column_choice import offered_columns
from lab.catalogue.t2_extracts.extract_downloads import issue_download
from lab.catalogue.versions.datasets import current_version
from lab.db import transaction
from lab.db.models import Dataset, ExtractDownload
from lab.errors import LabError, NotAuthenticated, NotFound
from lab.form_rules import FormInvalid, RuleBreach, breaches_of
from lab.http.browser_session import SESSION_COOKIE, end_session, set_session_cookie
from lab.http.deps import DbDep, ServicesDep
from lab.http.downloads import content_disposition
from lab.http.params import IdPath, SubmittedFormDep
from lab.http.signin import page_refusal, password_sign_in
from lab.identity import Role
from lab.identity.accounts import USERNAME_RULE, create_user, get_user
from lab.identity.passwords import PASSWORD_RULE
from lab.identity.throttle import SignInThrottled
from lab.web.homes import door_for
from lab.web.role_pages import landing_after
from opendata.web.api_deps import per_address
from opendata.web.rendering import CheckedVisitorDep, SignedInDep, VisitorDep, render

router = APIRouter(include_in_schema=False)
REGISTRATIONS_PER_MINUTE = 10
APPLICANT_DOOR = door_for("/account/applications")
REGISTRATION_RULES = {"username": USERNAME_RULE, "password": PASSWORD_RULE}
PASSWORDS_DIFFER = RuleBreach("两次输入的密码不一致", "The two passwords differ")


# Sign-in attempts are throttled by the lab's one sign-in path; this caps account creation.
RegistrationDep = Annotated[None, Depends(per_address("register", REGISTRATIONS_PER_MINUTE))]


def _next_path(raw: str) -> str:
    """A local path to return to after signing in (never another site)."""
    return raw if raw.startswith("/") and not raw.startswith("//") else "/account/applications"


async def _signed_in_redirect(request, services, username: str, password: str, target: str):
    """Sign in and go where the visitor was going; without a target, to their role's home
    (a steward signing in here lands on the steward's queue, an applicant on 我的申请)."""
    minted = await password_sign_in(request, services, username, password)
    landing = _next_path(target) if target else landing_after(services, minted, APPLICANT_DOOR)
    opened = RedirectResponse(landing, status_code=303)
    set_session_cookie(opened, services.settings, minted)
    return opened


def _refused_page(request: Request, template: str, failure: LabError, entered: dict) -> Response:
    """The form again, saying why; a throttled attempt also says when to retry."""
    if isinstance(failure, SignInThrottled):
        refusal = page_refusal(failure)
        page = render(request, template, failure=refusal, entered=entered, rules=REGISTRATION_RULES)
        page.headers.update(failure.headers)
        return page
    return render(request, template, failure=failure, entered=entered, rules=REGISTRATION_RULES)


@router.get("/account/register", response_class=HTMLResponse)
def register_form(request: Request, who: VisitorDep, next: str = "") -> HTMLResponse:
    """The registration form for applicants, each field's rule stated."""
    return render(
        request, "register.html", who=who, entered={"next": next}, rules=REGISTRATION_RULES
    )


@router.post("/account/register", response_class=HTMLResponse)
async def register(
    request: Request,
    services: ServicesDep,
    _attempt: RegistrationDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    password_again: Annotated[str, Form(max_length=256)],
    display_name: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Create an applicant account (audited) and sign it in."""
    entered = {"username": username, "display_name": display_name, "next": next}
    try:
        _check_registration(username, password, password_again)
        await run_in_threadpool(_register_applicant, services, username, password, display_name)
        return await _signed_in_redirect(request, services, username, password, next)
    except LabError as exc:
        return _refused_page(request, "register.html", exc, entered)


def _check_registration(username: str, password: str, password_again: str) -> None:
    """Refuse, field by field, a username or password that breaks its rule or passwords that
    differ (the account code checks the same rules again)."""
    breaches = breaches_of(REGISTRATION_RULES, {"username": username, "password": password})
    if password != password_again:
        breaches["password_again"] = PASSWORDS_DIFFER
    if breaches:
        raise FormInvalid(breaches)


def _register_applicant(services, username: str, password: str, display_name: str) -> None:
    with transaction(services.sessions) as session:
        create_user(
            session,
            services.audit,
            actor=f"self-registration:{username[:64]}",
            username=username,
            roles=[Role.APPLICANT],
            password=password,
            display_name=display_name or username,
        )


@router.get("/account/login", response_class=HTMLResponse)
def login_form(request: Request, who: VisitorDep, next: str = "") -> HTMLResponse:
    """The sign-in form."""
    return render(request, "login.html", who=who, entered={"next": next}, rules=REGISTRATION_RULES)


@router.post("/account/login", response_class=HTMLResponse)
async def login(
    request: Request,
    services: ServicesDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Check the password, set the session cookie, return to where the visitor was going."""
    entered = {"username": username, "next": next}
    try:
        return await _signed_in_redirect(request, services, username, password, next)
    except NotAuthenticated:
        refused = NotAuthenticated("用户名或密码错误 / wrong username or password")
        return render(
            request, "login.html", failure=refused, entered=entered, rules=REGISTRATION_RULES
        )
    except SignInThrottled as throttled:
        return _refused_page(request, "login.html", throttled, entered)


@router.post("/account/logout")
def logout(request: Request, services: ServicesDep, _: CheckedVisitorDep) -> Response:
    """End the session."""
    closed = RedirectResponse("/", status_code=303)
    end_session(services, closed, request.cookies.get(SESSION_COOKIE))
    return closed


@router.get("/account/applications", response_class=HTMLResponse)
def my_applications(request: Request, db: DbDep, who: SignedInDep) -> HTMLResponse:
    """The visitor's applications with their state and answer clock."""
    listed = [
        (application, db.get(Dataset, application.dataset_id), clock(application))
        for application in applications_of(db, who.user_id)
    ]
    return render(
        request,
        "applications.html",
        who=who,
        listed=listed,
        labels=STATE_LABELS,
        flash=request.query_params.get("done"),
    )


def _columns_of(db, dataset: Dataset) -> tuple:
    """The columns the application form offers for ``dataset`` (none once it is not served)."""
    version = current_version(db, dataset)
    return offered_columns(db, version) if version is not None else ()


def _entered(form: FormData) -> dict:
    """The posted fields to show again, the ticked columns as a list."""
    return {**dict(form), "fields": [v for v in form.getlist("fields") if isinstance(v, str)]}


def _form_page(request, db, who, slug: str, dataset, **extra) -> HTMLResponse:
    return render(
        request,
        "apply.html",
        who=who,
        slug=slug,
        dataset=dataset,
        columns=_columns_of(db, dataset),
        form_fields=FORM_FIELDS,
        field_rules=APPLICATION_RULES,
        pledge_items=PLEDGE_ITEMS,
        answer_days=ANSWER_WORKING_DAYS,
        **extra,
    )


@router.get("/apply/{slug}", response_class=HTMLResponse)
def apply_form(request: Request, slug: str, db: DbDep, who: SignedInDep) -> HTMLResponse:
    """The 有条件开放数据申请表 and the 公共数据安全承诺书 for one T2 dataset."""
    try:
        dataset = conditional_dataset(db, slug)
    except NotFound as exc:
        return render(request, "not_found.html", who=who, failure=exc)
    return _form_page(request, db, who, slug, dataset, entered={})


def application_from(form: FormData) -> tuple[ApplicationForm, SecurityPledge]:
    """The form and pledge a submitted application page states."""

    def text(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    months = text("period_months")
    chosen = tuple(v for v in form.getlist("fields") if isinstance(v, str))
    application = ApplicationForm(
        **{name: text(name) for name, _ in FORM_FIELDS if name not in ("period_months", "fields")},
        fields=chosen,
        period_months=int(months) if months.isdigit() else 0,
        credit_code=text("credit_code"),
    )
    accepted = frozenset(key for key, _ in PLEDGE_ITEMS if form.get(f"pledge_{key}") == "yes")
    return application, SecurityPledge(accepted, text("signer"))


@router.post("/apply/{slug}", response_class=HTMLResponse)
def apply(
    request: Request,
    slug: str,
    services: ServicesDep,
    db: DbDep,
    who: CheckedVisitorDep,
    form: SubmittedFormDep,
) -> Response:
    """File the application; the steward answers within 5 working days."""
    try:
        who.require_role(Role.APPLICANT)
        application, pledge = application_from(form)
        with transaction(services.sessions) as session:
            filed = submit_application(
                session,
                services.audit,
                slug=slug,
                applicant=get_user(session, who.username),
                form=application,
                pledge=pledge,
            )
    except LabError as exc:
        dataset = conditional_dataset(db, slug)
        return _form_page(request, db, who, slug, dataset, failure=exc, entered=_entered(form))
    return RedirectResponse(f"/account/applications/{filed.id}?done=submitted", status_code=303)


def _detail(request, db, who, application_id: int, **extra) -> HTMLResponse:
    application = own_application(db, application_id, who.user_id)
    dataset = db.get(Dataset, application.dataset_id)
    downloads = db.scalars(
        select(ExtractDownload).where(ExtractDownload.application_id == application.id)
    ).all()
    return render(
        request,
        "application.html",
        who=who,
        application=application,
        dataset=dataset,
        columns=_columns_of(db, dataset),
        state=ApplicationState(application.state),
        labels=STATE_LABELS,
        clock=clock(application),
        downloads=downloads,
        form_fields=FORM_FIELDS,
        field_rules=APPLICATION_RULES,
        summary_rule=USAGE_SUMMARY_RULE,
        pledge_items=PLEDGE_ITEMS,
        flash=request.query_params.get("done"),
        **extra,
    )


@router.get("/account/applications/{application_id}", response_class=HTMLResponse)
def application_page(
    request: Request, application_id: IdPath, db: DbDep, who: SignedInDep
) -> HTMLResponse:
    """One application: answers, clock, download (approved) and the usage report."""
    try:
        return _detail(request, db, who, application_id)
    except NotFound as exc:
        return render(request, "not_found.html", who=who, failure=exc)


@router.post("/account/applications/{application_id}/resubmit", response_class=HTMLResponse)
def resubmit(
    request: Request,
    application_id: IdPath,
    services: ServicesDep,
    db: DbDep,
    who: CheckedVisitorDep,
    form: SubmittedFormDep,
) -> Response:
    """Correct a returned application and file it again (the clock restarts)."""
    try:
        application, pledge = application_from(form)
        with transaction(services.sessions) as session:
            resubmit_application(
                session,
                services.audit,
                application_id=application_id,
                applicant=get_user(session, who.username),
                form=application,
                pledge=pledge,
            )
    except LabError as exc:
        return _detail(request, db, who, application_id, failure=exc, entered=dict(form))
    return RedirectResponse(
        f"/account/applications/{application_id}?done=submitted", status_code=303
    )


@router.post("/account/applications/{application_id}/download")
def download_extract(
    application_id: IdPath, services: ServicesDep, who: CheckedVisitorDep
) -> FileResponse:
    """A fresh fingerprinted copy of the extract, as a ZIP with its signed manifest."""
    work = Path(tempfile.mkdtemp(dir=_work_root(services)))
    try:
        copy = issue_download(
            services, application_id=application_id, applicant_id=who.user_id, work_dir=work
        )
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(
        copy.path,
        media_type="application/zip",
        headers={
            "Content-Disposition": content_disposition(
                copy.file_name, f"extract-{copy.download_id}.zip"
            ),
            "X-Checksum-SHA256": copy.sha256,
            "Cache-Control": "no-store",
        },
        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )


def _work_root(services) -> Path:
    root = services.settings.home / "cache" / "extracts"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


@router.post("/account/applications/{application_id}/report", response_class=HTMLResponse)
def report(
    request: Request,
    application_id: IdPath,
    services: ServicesDep,
    db: DbDep,
    who: CheckedVisitorDep,
    summary: Annotated[str, Form(max_length=4000)] = "",
    results: Annotated[str, Form(max_length=4000)] = "",
    copies_deleted: Annotated[str, Form()] = "",
) -> Response:
    """The usage report that closes an approved application."""
    try:
        with transaction(services.sessions) as session:
            report_usage(
                session,
                services.audit,
                application_id=application_id,
                applicant=get_user(session, who.username),
                report=UsageReport(summary, results, copies_deleted == "yes"),
            )
    except LabError as exc:
        typed = {"summary": summary, "results": results}
        return _detail(request, db, who, application_id, failure=exc, report_typed=typed)
    return RedirectResponse(
        f"/account/applications/{application_id}?done=reported", status_code=303
    )
