"""Conditional-data applications: completeness, the answer clock, states, audit, access."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from lab.catalogue.portal_workflow.applications import (
    ApplicationState,
    SecurityPledge,
    UsageReport,
    approve,
    clock,
    get_application,
    reject,
    report_usage,
    require_download_allowed,
    resubmit_application,
    return_incomplete,
    submit_application,
)
from lab.catalogue.portal_workflow.working_days import working_days_between
from lab.clock import CITY_ZONE
from lab.db import transaction
from lab.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lab.identity.accounts import get_user
from lab.services import LabServices
from tests.unit.lab.catalogue.conditional import (
    add_applicant,
    complete_form,
    full_pledge,
    publish_conditional,
)


@pytest.fixture
def conditional(lab: LabServices, tmp_path) -> LabServices:
    publish_conditional(lab, tmp_path, "annual-bands")
    add_applicant(lab, "alice")
    return lab


def _submit(lab: LabServices, **form_changes) -> int:
    with transaction(lab.sessions) as session:
        return submit_application(
            session,
            lab.audit,
            slug="annual-bands",
            applicant=get_user(session, "alice"),
            form=complete_form(**form_changes),
            pledge=full_pledge(),
        ).id


def test_incomplete_application_is_refused_naming_the_gaps(conditional: LabServices) -> None:
    """A blank purpose and an unticked pledge item are named; nothing is stored."""
    with pytest.raises(InvalidInput) as refused, transaction(conditional.sessions) as session:
        submit_application(
            session,
            conditional.audit,
            slug="annual-bands",
            applicant=get_user(session, "alice"),
            form=complete_form(purpose="", contact_email="no-at-sign"),
            pledge=SecurityPledge(frozenset({"purpose_only"}), ""),
        )
    message = refused.value.message
    assert "数据用途" in message and "电子邮箱" in message and "承诺人签名" in message
    assert "不向任何第三方提供" in message
    with conditional.sessions() as session, pytest.raises(NotFound):
        get_application(session, 1)


def test_only_conditional_datasets_take_applications(conditional: LabServices, tmp_path) -> None:
    """An unknown slug is NotFound, with no hint whether a dataset of another tier exists."""
    with pytest.raises(NotFound), transaction(conditional.sessions) as session:
        submit_application(
            session,
            conditional.audit,
            slug="no-such-thing",
            applicant=get_user(session, "alice"),
            form=complete_form(),
            pledge=full_pledge(),
        )


def test_submission_starts_a_five_working_day_clock(conditional: LabServices) -> None:
    """Due at the end of the 5th working day; the clock stops once the steward answers."""
    application_id = _submit(conditional)
    with conditional.sessions() as session:
        application = get_application(session, application_id)
        submitted = application.submitted_at.replace(tzinfo=UTC)
        running = clock(application, submitted)
    assert running.working_days_left == 5 and not running.overdue and not running.stopped
    assert working_days_between(submitted, running.due_at) == 5
    assert running.due_at.astimezone(CITY_ZONE).time() == time(23, 59, 59)
    assert clock(application, running.due_at + timedelta(seconds=1)).overdue
    with transaction(conditional.sessions) as session:
        approve(session, conditional.audit, application_id=application_id, actor="steward")
        assert clock(get_application(session, application_id)).stopped


def test_return_resubmit_approve_report(conditional: LabServices) -> None:
    """Returned for completeness, corrected, approved, then the usage report closes it."""
    application_id = _submit(conditional)
    with transaction(conditional.sessions) as session:
        with pytest.raises(InvalidInput):
            return_incomplete(
                session,
                conditional.audit,
                application_id=application_id,
                reasons="",
                actor="steward",
            )
        return_incomplete(
            session,
            conditional.audit,
            application_id=application_id,
            reasons="请补充安全保障措施的具体技术手段。",
            actor="steward",
        )
    with transaction(conditional.sessions) as session:
        alice = get_user(session, "alice")
        resubmit_application(
            session,
            conditional.audit,
            application_id=application_id,
            applicant=alice,
            form=complete_form(security_measures="加密存储，双人复核，日志留存六个月。"),
            pledge=full_pledge(),
        )
        approve(
            session,
            conditional.audit,
            application_id=application_id,
            actor="steward",
            access_days=7,
        )
    with transaction(conditional.sessions) as session:
        application = get_application(session, application_id)
        require_download_allowed(application)
        with pytest.raises(PermissionDenied):
            require_download_allowed(application, datetime.now(UTC) + timedelta(days=8))
        report_usage(
            session,
            conditional.audit,
            application_id=application_id,
            applicant=get_user(session, "alice"),
            report=UsageReport("完成了各区从业人数结构分析报告。", "报告已提交主管部门", True),
        )
        assert application.state == ApplicationState.REPORTED
    actions = [r.action for r in conditional.audit.records()]
    for action in ("submit", "returned", "resubmit", "approved", "report"):
        assert f"application.{action}" in actions
    assert conditional.audit.verify().ok


def test_rejection_needs_reasons_and_ends_the_application(conditional: LabServices) -> None:
    """A rejection without reasons is refused; after one, no second answer and no download."""
    application_id = _submit(conditional)
    with transaction(conditional.sessions) as session:
        with pytest.raises(InvalidInput):
            reject(
                session,
                conditional.audit,
                application_id=application_id,
                reasons="不行",
                actor="steward",
            )
        reject(
            session,
            conditional.audit,
            application_id=application_id,
            reasons="申请用途与所申请数据无直接关系。",
            actor="steward",
        )
    with transaction(conditional.sessions) as session:
        with pytest.raises(Conflict):
            approve(session, conditional.audit, application_id=application_id, actor="steward")
        with pytest.raises(PermissionDenied):
            require_download_allowed(get_application(session, application_id))


def test_usage_report_needs_an_approval_and_the_owner(conditional: LabServices) -> None:
    """Before approval a report is a Conflict; another applicant cannot even see it."""
    application_id = _submit(conditional)
    add_applicant(conditional, "mallory")
    report = UsageReport("完成了各区从业人数结构分析报告。", "", True)
    with transaction(conditional.sessions) as session:
        with pytest.raises(Conflict):
            report_usage(
                session,
                conditional.audit,
                application_id=application_id,
                applicant=get_user(session, "alice"),
                report=report,
            )
        with pytest.raises(NotFound):
            report_usage(
                session,
                conditional.audit,
                application_id=application_id,
                applicant=get_user(session, "mallory"),
                report=report,
            )
