"""Applications for conditional (T2) data: submit, check, approve or reject, report use.

The applicant fills in the 有条件开放数据申请表 (``ApplicationForm``) and signs the
公共数据安全承诺书 (``SecurityPledge``); both validate themselves, so an incomplete application
is refused at the door with the missing items named. The 所需数据项 are ticked from the
dataset's data dictionary (``t2_extracts.column_choice``); a column the extract lacks is refused
by name. The steward then answers within 5 working days (``AnswerClock``): returns it as
incomplete (the applicant corrects and resubmits, which restarts the clock), rejects it with
reasons, or approves it for a limited number of days, in which the applicant may download
fingerprinted copies of the de-identified extract. Afterwards the applicant reports how the
data was used. Every step is in the audit log.

States: submitted → returned → submitted …; submitted → approved → reported; submitted → rejected.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from classification import Tier
from lab.audit import AuditLog
from lab.catalogue.portal_workflow.working_days import (
    ANSWER_WORKING_DAYS,
    AnswerClock,
    add_working_days,
)
from lab.catalogue.t2_extracts.column_choice import check_choice, offered_columns
from lab.catalogue.versions.datasets import current_version
from lab.clock import as_utc, now
from lab.db.models import Dataset, ExtractApplication, User
from lab.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lab.form_rules import (
    EMAIL_PATTERN,
    FILLED,
    PHONE,
    FormInvalid,
    RuleBreach,
    TextRule,
    breaches_of,
    normalised_phone,
)

MIN_REASONS = 10
# How the applicant says the approved data was used (the usage report's summary).
USAGE_SUMMARY_RULE = TextRule(
    f"至少 {MIN_REASONS} 个字：用在哪里、怎样使用",
    f"At least {MIN_REASONS} characters: where and how the data was used",
    min_chars=MIN_REASONS,
    max_chars=4000,
)
# The steward's reasons: needed (and shown to the applicant) when returning or rejecting; an
# approval may carry a shorter note, so the form states the rule but cannot apply ``minlength``.
REASONS_RULE = TextRule(
    f"退回或不予批准时必填，至少 {MIN_REASONS} 个字，申请人可见",
    f"Needed to return or reject: at least {MIN_REASONS} characters, shown to the applicant",
    min_chars=MIN_REASONS,
    max_chars=4000,
    required=False,
)
DEFAULT_ACCESS_DAYS = 30
MAX_ACCESS_DAYS = 365


class ApplicationState(StrEnum):
    """Where an application for a conditional (T2) extract is."""

    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    REPORTED = "reported"


STATE_LABELS = {
    ApplicationState.SUBMITTED: "已提交，待审核",
    ApplicationState.RETURNED: "材料不完整，已退回补正",
    ApplicationState.APPROVED: "已批准",
    ApplicationState.REJECTED: "未予批准",
    ApplicationState.REPORTED: "已提交使用报告",
}

# (field, 申请表 label) — the order the form shows them in.
FORM_FIELDS = (
    ("organisation", "申请单位"),
    ("contact_name", "联系人"),
    ("contact_phone", "联系电话"),
    ("contact_email", "电子邮箱"),
    ("purpose", "数据用途"),
    ("scenario", "应用场景"),
    ("fields", "所需数据项"),
    ("period_months", "使用期限（月）"),
    ("security_measures", "安全保障措施"),
)

# The undertakings of the 公共数据安全承诺书, each to be ticked.
PLEDGE_ITEMS = (
    ("purpose_only", "仅将数据用于申请表所述用途，不超范围使用"),
    ("no_reidentification", "不尝试识别数据中的个人或企业，不与其他数据关联以重新识别"),
    ("no_onward_sharing", "不向任何第三方提供、转让或公开数据及其副本"),
    ("secure_storage", "采取必要的安全措施妥善保管数据，发生泄露立即报告"),
    ("destroy_after_use", "使用期限届满后删除全部数据副本"),
    ("report_use", "按要求反馈数据使用情况和成果"),
    ("accept_tracing", "知悉每份下载均带有接收方标识，泄露副本可追溯至本申请"),
)

MIN_PURPOSE = 20

# The rules of the 申请表's text fields with more to them than being filled in; the form states
# each beside its field and ``ApplicationForm`` checks the same rule.
APPLICATION_RULES: dict[str, TextRule] = {
    "contact_phone": PHONE,
    "contact_email": TextRule(
        "电子邮箱，如 name@example.cn",
        "An e-mail address, e.g. name@example.cn",
        max_chars=200,
        pattern=EMAIL_PATTERN,
    ),
    "purpose": TextRule(
        f"至少 {MIN_PURPOSE} 个字，说明数据将用于什么、如何使用",
        f"At least {MIN_PURPOSE} characters: what the data is for and how it will be used",
        min_chars=MIN_PURPOSE,
        max_chars=4000,
    ),
}


@dataclass(frozen=True)
class ApplicationForm:
    """The 有条件开放数据申请表; ``missing()`` names what is incomplete.

    A telephone number that keeps its rule is kept in one spelling (``normalised_phone``).
    """

    organisation: str
    contact_name: str
    contact_phone: str
    contact_email: str
    purpose: str
    scenario: str
    fields: tuple[str, ...]
    period_months: int
    security_measures: str
    credit_code: str = ""

    def __post_init__(self) -> None:
        if PHONE.breach(self.contact_phone) is None:
            object.__setattr__(self, "contact_phone", normalised_phone(self.contact_phone))

    def missing(self) -> list[str]:
        labels = dict(FORM_FIELDS)
        gaps = [
            labels[name]
            for name, _ in FORM_FIELDS
            if name != "period_months" and not _given(getattr(self, name))
        ]
        if not 1 <= self.period_months <= 12:
            gaps.append("使用期限（1–12 个月）")
        gaps += [
            f"{labels[name]}（{breach.zh}）"
            for name, breach in self.breaches().items()
            if str(getattr(self, name)).strip()
        ]
        return gaps

    def breaches(self) -> dict[str, RuleBreach]:
        """Each field that is empty or breaks its rule, with why (for notes beside fields)."""
        values = {name: str(getattr(self, name)) for name, _ in FORM_FIELDS}
        rules = {name: APPLICATION_RULES.get(name, FILLED) for name in values}
        del rules["period_months"], rules["fields"]  # a number and a choice, not texts
        found = breaches_of(rules, values)
        if not self.fields:
            found["fields"] = RuleBreach("至少选择一项", "Choose at least one")
        if not 1 <= self.period_months <= 12:
            found["period_months"] = RuleBreach("1–12 个月", "1 to 12 months")
        return found

    def to_json(self) -> dict:
        return asdict(self)


def _given(value: object) -> bool:
    """A text with something in it, or a non-empty choice of columns."""
    return bool(value.strip()) if isinstance(value, str) else bool(value)


@dataclass(frozen=True)
class SecurityPledge:
    """The signed 公共数据安全承诺书: every undertaking ticked, a signer's name."""

    accepted: frozenset[str]
    signer: str
    signed_on: str = field(default="")

    def missing(self) -> list[str]:
        gaps = [f"承诺：{text}" for key, text in PLEDGE_ITEMS if key not in self.accepted]
        if not self.signer.strip():
            gaps.append("承诺人签名")
        return gaps

    def breaches(self) -> dict[str, RuleBreach]:
        """Each unticked undertaking (``pledge_<key>``) and a missing signature, with why."""
        found = {
            f"pledge_{key}": RuleBreach("须勾选", "Must be ticked")
            for key, _ in PLEDGE_ITEMS
            if key not in self.accepted
        }
        if not self.signer.strip():
            found["signer"] = RuleBreach("必填", "Required")
        return found

    def to_json(self) -> dict:
        return {
            "accepted": sorted(self.accepted),
            "signer": self.signer.strip(),
            "signed_on": self.signed_on,
            "items": [text for _, text in PLEDGE_ITEMS],
        }


@dataclass(frozen=True)
class UsageReport:
    """What the applicant reports back: how the data was used and with what result."""

    summary: str
    results: str
    copies_deleted: bool

    def __post_init__(self) -> None:
        if (breach := USAGE_SUMMARY_RULE.breach(self.summary)) is not None:
            raise FormInvalid({"summary": breach})


def clock(application: ExtractApplication, moment: datetime | None = None) -> AnswerClock:
    """The answer clock of an application (stopped once the steward has answered)."""
    answered = application.state != ApplicationState.SUBMITTED
    return AnswerClock.of(application.due_at, moment or now(), stopped=answered)


def conditional_dataset(session: Session, slug: str) -> Dataset:
    """The dataset ``slug`` if its served version is T2; NotFound otherwise (no tier hints)."""
    dataset = session.scalar(select(Dataset).where(Dataset.slug == slug))
    version = current_version(session, dataset) if dataset is not None else None
    if dataset is None or version is None or version.tier != Tier.T2.value:
        raise NotFound("no such conditional dataset")
    return dataset


def _check_complete(
    session: Session, dataset: Dataset, form: ApplicationForm, pledge: SecurityPledge
) -> None:
    gaps = form.missing() + pledge.missing()
    if gaps:
        summary = RuleBreach(
            "申请材料不完整：" + "；".join(gaps),
            "The application is incomplete: see the notes beside the items.",
        )
        raise FormInvalid(form.breaches() | pledge.breaches(), summary)
    version = current_version(session, dataset)
    if version is None:
        raise NotFound("no such conditional dataset")
    check_choice(form.fields, offered_columns(session, version))


def submit_application(
    session: Session,
    audit: AuditLog,
    *,
    slug: str,
    applicant: User,
    form: ApplicationForm,
    pledge: SecurityPledge,
) -> ExtractApplication:
    """File a complete application for T2 dataset ``slug``; the 5-working-day clock starts."""
    dataset = conditional_dataset(session, slug)
    _check_complete(session, dataset, form, pledge)
    moment = now()
    application = ExtractApplication(
        dataset_id=dataset.id,
        applicant_id=applicant.id,
        form=form.to_json(),
        pledge={**pledge.to_json(), "signed_on": moment.date().isoformat()},
        state=ApplicationState.SUBMITTED.value,
        submitted_at=moment,
        due_at=add_working_days(moment, ANSWER_WORKING_DAYS),
        reasons="",
    )
    session.add(application)
    session.flush()
    _audit(audit, session, applicant.username, "application.submit", application, {"slug": slug})
    return application


def resubmit_application(
    session: Session,
    audit: AuditLog,
    *,
    application_id: int,
    applicant: User,
    form: ApplicationForm,
    pledge: SecurityPledge,
) -> ExtractApplication:
    """Correct a returned application and file it again; the clock restarts."""
    application = own_application(session, application_id, applicant.id)
    _require_state(application, ApplicationState.RETURNED)
    dataset = session.get(Dataset, application.dataset_id)
    if dataset is None:
        raise NotFound(f"no application {application_id}")
    _check_complete(session, dataset, form, pledge)
    moment = now()
    application.form, application.pledge = form.to_json(), pledge.to_json()
    application.state, application.submitted_at = ApplicationState.SUBMITTED.value, moment
    application.due_at = add_working_days(moment, ANSWER_WORKING_DAYS)
    session.flush()
    _audit(audit, session, applicant.username, "application.resubmit", application, {})
    return application


def return_incomplete(
    session: Session, audit: AuditLog, *, application_id: int, reasons: str, actor: str
) -> ExtractApplication:
    """The steward's completeness check failed: send it back saying what to add."""
    return _answer(session, audit, application_id, ApplicationState.RETURNED, reasons, actor)


def reject(
    session: Session, audit: AuditLog, *, application_id: int, reasons: str, actor: str
) -> ExtractApplication:
    """Refuse the application, with reasons the applicant sees."""
    return _answer(session, audit, application_id, ApplicationState.REJECTED, reasons, actor)


def approve(
    session: Session,
    audit: AuditLog,
    *,
    application_id: int,
    actor: str,
    access_days: int = DEFAULT_ACCESS_DAYS,
    reasons: str = "",
) -> ExtractApplication:
    """Grant downloads of the de-identified extract for ``access_days`` days."""
    if not 1 <= access_days <= MAX_ACCESS_DAYS:
        raise InvalidInput(f"download access lasts 1 to {MAX_ACCESS_DAYS} days")
    return _answer(
        session, audit, application_id, ApplicationState.APPROVED, reasons, actor, access_days
    )


def _answer(
    session: Session,
    audit: AuditLog,
    application_id: int,
    state: ApplicationState,
    reasons: str,
    actor: str,
    access_days: int | None = None,
) -> ExtractApplication:
    application = _locked(session, application_id)
    _require_state(application, ApplicationState.SUBMITTED)
    if state != ApplicationState.APPROVED and len(reasons.strip()) < MIN_REASONS:
        raise InvalidInput(f"give the applicant reasons of at least {MIN_REASONS} characters")
    moment = now()
    application.state, application.reasons = state.value, reasons.strip()
    application.reviewed_by, application.decided_at = actor, moment
    if access_days is not None:
        application.access_until = moment + timedelta(days=access_days)
    session.flush()
    details = {"reasons": application.reasons, "access_days": access_days}
    _audit(audit, session, actor, f"application.{state.value}", application, details)
    return application


def report_usage(
    session: Session,
    audit: AuditLog,
    *,
    application_id: int,
    applicant: User,
    report: UsageReport,
) -> ExtractApplication:
    """The applicant's report of how the approved data was used."""
    application = own_application(session, application_id, applicant.id)
    _require_state(application, ApplicationState.APPROVED)
    application.usage_report = asdict(report)
    application.state, application.reported_at = ApplicationState.REPORTED.value, now()
    session.flush()
    _audit(audit, session, applicant.username, "application.report", application, {})
    return application


def require_download_allowed(application: ExtractApplication, moment: datetime | None = None):
    """Raise PermissionDenied unless the application is approved and its access not expired."""
    if application.state != ApplicationState.APPROVED or application.access_until is None:
        raise PermissionDenied("downloads need an approved application")
    if as_utc(application.access_until) <= (moment or now()):
        raise PermissionDenied("the download period of this approval has ended")


def own_application(session: Session, application_id: int, applicant_id: int):
    """The applicant's own application; another's is NotFound (its existence is not told)."""
    application = session.get(ExtractApplication, application_id)
    if application is None or application.applicant_id != applicant_id:
        raise NotFound(f"no application {application_id}")
    return application


def get_application(session: Session, application_id: int) -> ExtractApplication:
    """The application ``application_id``; NotFound if there is none."""
    application = session.get(ExtractApplication, application_id)
    if application is None:
        raise NotFound(f"no application {application_id}")
    return application


def applications_of(session: Session, applicant_id: int) -> list[ExtractApplication]:
    """An applicant's applications, newest first."""
    query = select(ExtractApplication).where(ExtractApplication.applicant_id == applicant_id)
    return list(session.scalars(query.order_by(ExtractApplication.id.desc())))


def applications_in(session: Session, *states: ApplicationState) -> list[ExtractApplication]:
    """The applications in any of ``states``, the soonest due first."""
    query = select(ExtractApplication).where(ExtractApplication.state.in_([*states]))
    return list(session.scalars(query.order_by(ExtractApplication.due_at)))


def _locked(session: Session, application_id: int) -> ExtractApplication:
    application = session.get(ExtractApplication, application_id, with_for_update=True)
    if application is None:
        raise NotFound(f"no application {application_id}")
    return application


def _require_state(application: ExtractApplication, state: ApplicationState) -> None:
    if application.state != state:
        label = STATE_LABELS[ApplicationState(application.state)]
        raise Conflict(f"application {application.id} is {application.state} ({label})")


def _audit(audit, session, actor, action, application, details) -> None:
    audit.append_in(
        session,
        actor=actor,
        action=action,
        target=f"application:{application.id}",
        details={"dataset_id": application.dataset_id, **details},
    )
