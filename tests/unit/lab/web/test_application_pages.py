"""The steward's pages for applications and feedback: queue with clocks, answers audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.catalogue.portal_workflow.applications import (
    REASONS_RULE,
    get_application,
    submit_application,
)
from lab.catalogue.portal_workflow.feedback import (
    ANSWER_RULE,
    FeedbackKind,
    FeedbackNote,
    open_feedback,
    submit_feedback,
)
from lab.db import transaction
from lab.identity import Role
from lab.identity.accounts import get_user
from lab.services import LabServices
from tests.unit.lab.catalogue.conditional import (
    add_applicant,
    complete_form,
    full_pledge,
    publish_conditional,
)
from tests.unit.lab.web.test_steward_pages import add_user, csrf_of, post, sign_in


@pytest.fixture
def steward(sqlite_lab: LabServices, tmp_path):
    add_user(sqlite_lab, "steward", Role.STEWARD)
    publish_conditional(sqlite_lab, tmp_path, "annual-bands")
    add_applicant(sqlite_lab, "alice")
    with transaction(sqlite_lab.sessions) as session:
        submit_application(
            session,
            sqlite_lab.audit,
            slug="annual-bands",
            applicant=get_user(session, "alice"),
            form=complete_form(),
            pledge=full_pledge(),
        )
        submit_feedback(
            session,
            sqlite_lab.audit,
            FeedbackNote(
                FeedbackKind.CORRECTION,
                "张三",
                "zhang@example.com",
                "第 3 行的区划名称有误。",
                "annual-bands",
            ),
        )
    with TestClient(create_app(sqlite_lab)) as client:
        assert sign_in(client).status_code == 303
        yield client


def test_queue_lists_waiting_applications_with_their_clock(steward: TestClient) -> None:
    """The queue shows the application, its organisation and the working days left."""
    page = steward.get("/steward/applications").text
    assert "#1" in page and "青岛海湾数据科技有限公司" in page and "剩余 5 个工作日" in page
    detail = steward.get("/steward/applications/1").text
    assert "申请表各项与安全承诺书均已填写、签署" in detail and "不向任何第三方提供" in detail


def test_rejection_without_reasons_is_shown_inline(steward: TestClient) -> None:
    """Rejecting needs reasons: the page comes back with the error and nothing changes."""
    token = csrf_of(steward, "/steward/applications/1")
    answer = post(
        steward,
        "/steward/applications/1/answer",
        {"outcome": "reject", "reasons": "", "csrf_token": token},
    )
    assert answer.status_code == 400 and "reasons" in answer.text
    assert f'id="reasons-hint">{REASONS_RULE.hint_zh}<' in answer.text
    lab = steward.app.state.services
    with lab.sessions() as session:
        assert get_application(session, 1).state == "submitted"


def test_approval_is_audited_and_sets_the_access_period(steward: TestClient) -> None:
    """Approving for 10 days records who and until when, in the audit log."""
    token = csrf_of(steward, "/steward/applications/1")
    answer = post(
        steward,
        "/steward/applications/1/answer",
        {"outcome": "approve", "access_days": "10", "csrf_token": token},
    )
    assert answer.status_code == 303
    lab = steward.app.state.services
    with lab.sessions() as session:
        application = get_application(session, 1)
        assert application.state == "approved" and application.reviewed_by == "steward"
        assert (application.access_until - application.decided_at).days == 10
    approved = [r for r in lab.audit.records() if r.action == "application.approved"]
    assert len(approved) == 1 and approved[0].actor == "steward"


def test_feedback_is_answered_and_audited(steward: TestClient) -> None:
    """The steward answers a correction; the note closes and the answer is audited."""
    page = steward.get("/steward/feedback").text
    assert "数据纠错" in page and "剩余 5 个工作日" in page
    token = csrf_of(steward, "/steward/feedback")
    answered = post(
        steward,
        "/steward/feedback/1/answer",
        {"answer_text": "已核实并更正，感谢指出。", "csrf_token": token},
    )
    assert answered.status_code == 303
    lab = steward.app.state.services
    with lab.sessions() as session:
        assert open_feedback(session)[0].state == "answered"
    assert any(r.action == "feedback.answer" for r in lab.audit.records())


def test_a_short_answer_is_refused_with_the_rule_and_the_text_kept(steward: TestClient) -> None:
    """The answer's rule is stated beside it; a shorter answer is refused, its text kept."""
    page = steward.get("/steward/feedback").text
    assert f'id="answer-1-hint">{ANSWER_RULE.hint_zh}<' in page
    token = csrf_of(steward, "/steward/feedback")
    refused = post(
        steward, "/steward/feedback/1/answer", {"answer_text": "已改", "csrf_token": token}
    )
    assert refused.status_code == 400 and ">已改</textarea>" in refused.text
    assert f"答复：{ANSWER_RULE.hint_zh}" in refused.text


def test_forms_need_the_csrf_token(steward: TestClient) -> None:
    """An answer posted without the session's CSRF token is refused."""
    assert (
        post(steward, "/steward/applications/1/answer", {"outcome": "approve"}).status_code == 403
    )
