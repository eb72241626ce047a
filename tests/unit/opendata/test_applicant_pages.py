"""The conditional-data journey through the pages: register, apply, steward answers, download,
report — with CSRF, ownership and the answer clock checked on the way."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lab.app import create_app
from lab.catalogue.portal_workflow.applications import PLEDGE_ITEMS
from lab.catalogue.t2_extracts.fingerprint import RECORD_ID_COLUMN
from lab.catalogue.t2_extracts.manifests import MANIFEST_NAME
from lab.db import transaction
from lab.db.models import ExtractApplication
from lab.identity import Role
from lab.identity.accounts import USERNAME_RULE, create_user
from lab.services import LabServices
from tests.unit.lab.catalogue.conditional import HEADERS, publish_conditional

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')
PASSWORD = "applicant password 1"
APPLICATION = {
    "organisation": "青岛海湾数据科技有限公司",
    "contact_name": "王小明",
    "contact_phone": "0532-88886666",
    "contact_email": "wang@example.com",
    "purpose": "研究各区中小企业从业人数结构，为企业服务政策评估提供依据。",
    "scenario": "政策评估报告",
    "fields": list(HEADERS),
    "period_months": "6",
    "security_measures": "专用内网计算机存放，访问留痕，项目结束后删除。",
    "signer": "王小明",
    **{f"pledge_{key}": "yes" for key, _ in PLEDGE_ITEMS},
}


@pytest.fixture
def lab(sqlite_lab: LabServices, tmp_path) -> LabServices:
    publish_conditional(sqlite_lab, tmp_path, "annual-bands")
    with transaction(sqlite_lab.sessions) as session:
        create_user(
            session,
            sqlite_lab.audit,
            actor="test",
            username="steward",
            roles=[Role.STEWARD],
            password="steward password 1",
        )
    return sqlite_lab


def _csrf(client: TestClient, page: str) -> str:
    match = CSRF.search(client.get(page).text)
    assert match, page
    return match[1]


def _register(client: TestClient, username: str) -> None:
    answer = client.post(
        "/account/register",
        data={
            "username": username,
            "password": PASSWORD,
            "password_again": PASSWORD,
            "display_name": "王小明",
            "next": "/apply/annual-bands",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/apply/annual-bands"


def _apply(client: TestClient, **changes: str):
    token = _csrf(client, "/apply/annual-bands")
    return client.post(
        "/apply/annual-bands",
        data={**APPLICATION, **changes, "csrf_token": token},
        follow_redirects=False,
    )


def _steward_answers(lab: LabServices, application_id: int, **form: str) -> None:
    with TestClient(create_app(lab)) as steward:
        steward.post(
            "/steward/login", data={"username": "steward", "password": "steward password 1"}
        )
        queue = steward.get("/steward/applications").text
        assert f"#{application_id}" in queue and "剩余" in queue
        token = _csrf(steward, f"/steward/applications/{application_id}")
        answered = steward.post(
            f"/steward/applications/{application_id}/answer",
            data={**form, "csrf_token": token},
            follow_redirects=False,
        )
        assert answered.status_code == 303, answered.text


def test_apply_needs_a_signed_in_visitor(lab: LabServices) -> None:
    """An anonymous visitor is sent to sign in and brought back to the form."""
    with TestClient(create_app(lab)) as client:
        answer = client.get("/apply/annual-bands", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/account/login?next=%2Fapply%2Fannual-bands"


def test_incomplete_form_is_shown_again_with_the_gaps(lab: LabServices) -> None:
    """A missing pledge item and purpose are named inline; what was typed is kept."""
    with TestClient(create_app(lab)) as client:
        _register(client, "alice")
        answer = _apply(client, purpose="", pledge_no_onward_sharing="")
        assert answer.status_code == 400
        assert "数据用途" in answer.text and "不向任何第三方提供" in answer.text
        assert 'value="王小明"' in answer.text


def test_a_bad_phone_is_refused_beside_its_field_with_the_entries_kept(lab: LabServices) -> None:
    """A phone number that is neither a mobile nor a landline with area code is named beside
    its field; everything typed (the number too) stays in the form; nothing is filed."""
    with TestClient(create_app(lab)) as client:
        _register(client, "alice")
        refused = _apply(client, contact_phone="8888666")
        assert refused.status_code == 400
        assert re.search(r'id="contact_phone-error">手机号', refused.text)
        assert 'value="8888666"' in refused.text and APPLICATION["purpose"] in refused.text
        assert 'id="purpose-error"' not in refused.text
        filed = _apply(client, contact_phone="138 0000 0000")
        assert filed.status_code == 303
    with lab.sessions() as session:
        stored = session.scalars(select(ExtractApplication)).one().form
    assert stored["contact_phone"] == "13800000000"


def test_the_application_form_states_its_rules_before_submission(lab: LabServices) -> None:
    """数据用途 ≥ 20 characters and the phone's forms are stated beside the fields, in Chinese
    and in English, and carried as the HTML checks the browser applies."""
    with TestClient(create_app(lab)) as client:
        _register(client, "alice")
        chinese = client.get("/apply/annual-bands?lang=zh").text
        english = client.get("/apply/annual-bands?lang=en").text
    assert 'id="purpose-hint">至少 20 个字' in chinese
    assert 'id="purpose-hint">At least 20 characters' in english
    assert 'id="contact_phone-hint">手机号' in chinese and "0532-88886666" in chinese
    assert 'id="contact_phone-hint">Mobile' in english
    assert re.search(r'<textarea id="purpose" name="purpose" required minlength="20"', chinese)
    assert re.search(r'<input type="tel" id="contact_phone" [^>]*pattern="', chinese)


def test_registration_refuses_a_short_password_beside_its_field(lab: LabServices) -> None:
    """The password rule is stated on the form and a short password is refused next to it,
    the username typed kept."""
    with TestClient(create_app(lab)) as client:
        form = client.get("/account/register?lang=en").text
        assert 'id="password-hint">At least 10 characters' in form
        assert 'id="username-hint">2 to 64 lower-case' in form
        data = {"username": "bob", "password": "short", "password_again": "shorter"}
        refused = client.post("/account/register?lang=zh", data=data)
    assert refused.status_code == 400 and 'id="password-error">至少 10 位' in refused.text
    assert 'id="password_again-error">两次输入的密码不一致' in refused.text
    assert 'value="bob"' in refused.text


def test_the_application_form_speaks_english_when_asked(lab: LabServices) -> None:
    """In English every label and undertaking of the 申请表 and 承诺书 is English (the column
    picker's column names are the data's own, so they stay as the dataset names them)."""
    with TestClient(create_app(lab)) as client:
        _register(client, "alice")
        english = client.get("/apply/annual-bands?lang=en").text
        chinese = client.get("/apply/annual-bands?lang=zh").text
    labels = re.findall(r"<label[^>]*>(.*?)</label>", english, flags=re.S)
    form_labels = [label for label in labels if 'name="fields"' not in label]
    assert form_labels and not [
        label for label in form_labels if re.search(r"[\u4e00-\u9fff]", label)
    ]
    assert "Data items needed" in english and "Tick the columns you need" in english
    assert "Purpose of use" in english and "Delete every copy" in english
    assert "数据用途" in chinese and "使用期限届满后删除全部数据副本" in chinese


def test_form_without_csrf_token_is_refused(lab: LabServices) -> None:
    """A forged cross-site post (no CSRF token) files nothing."""
    with TestClient(create_app(lab)) as client:
        _register(client, "alice")
        forged = client.post("/apply/annual-bands", data=APPLICATION)
        assert forged.status_code == 403
        assert "还没有申请" in client.get("/account/applications").text


def test_journey_apply_return_resubmit_approve_download_report(lab: LabServices) -> None:
    """Return for completeness, resubmission, approval, a traceable ZIP and the report."""
    with TestClient(create_app(lab)) as client:
        _register(client, "alice")
        filed = _apply(client)
        assert filed.status_code == 303
        application_id = int(filed.headers["location"].split("/")[3].split("?")[0])
        page = client.get(f"/account/applications/{application_id}").text
        assert "已提交，待审核" in page and "剩余 5 个工作日" in page
        _steward_answers(
            lab, application_id, outcome="return", reasons="请补充安全保障措施的具体技术手段。"
        )
        page = client.get(f"/account/applications/{application_id}").text
        assert "材料不完整，已退回补正" in page and "具体技术手段" in page
        token = _csrf(client, f"/account/applications/{application_id}")
        again = client.post(
            f"/account/applications/{application_id}/resubmit",
            data={**APPLICATION, "csrf_token": token},
            follow_redirects=False,
        )
        assert again.status_code == 303
        _steward_answers(lab, application_id, outcome="approve", access_days="14")
        page = client.get(f"/account/applications/{application_id}").text
        assert "已批准" in page and 'id="download-extract"' in page
        token = _csrf(client, f"/account/applications/{application_id}")
        copy = client.post(
            f"/account/applications/{application_id}/download", data={"csrf_token": token}
        )
        assert copy.status_code == 200 and copy.headers["content-type"] == "application/zip"
        assert "filename*=UTF-8''" in copy.headers["content-disposition"]
        with zipfile.ZipFile(BytesIO(copy.content)) as archive:
            assert MANIFEST_NAME in archive.namelist()
            data = archive.read("annual-bands.csv").decode("utf-8-sig")
        assert data.startswith(RECORD_ID_COLUMN)
        short = client.post(
            f"/account/applications/{application_id}/report",
            data={"summary": "用完了", "results": "报告一份", "csrf_token": token},
        )
        assert short.status_code == 400 and 'id="summary-error">至少 10 个字' in short.text
        assert ">用完了</textarea>" in short.text and ">报告一份</textarea>" in short.text
        report = client.post(
            f"/account/applications/{application_id}/report",
            data={
                "summary": "完成了各区从业人数结构分析。",
                "results": "报告一份",
                "copies_deleted": "yes",
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert report.status_code == 303
        assert "已提交使用报告" in client.get(f"/account/applications/{application_id}").text
    actions = [record.action for record in lab.audit.records()]
    assert actions.count("extract.download") == 1 and "application.report" in actions


def test_another_applicant_cannot_see_or_download(lab: LabServices) -> None:
    """Bob gets 404 for Alice's application and cannot download her extract."""
    with TestClient(create_app(lab)) as alice:
        _register(alice, "alice")
        filed = _apply(alice)
        application_id = int(filed.headers["location"].split("/")[3].split("?")[0])
    _steward_answers(lab, application_id, outcome="approve")
    with TestClient(create_app(lab)) as bob:
        _register(bob, "bobby")
        hidden = bob.get(f"/account/applications/{application_id}")
        assert hidden.status_code == 404 and "页面不存在" in hidden.text
        assert bob.get("/apply/no-such-dataset").status_code == 404
        token = _csrf(bob, "/account/applications")
        stolen = bob.post(
            f"/account/applications/{application_id}/download", data={"csrf_token": token}
        )
        assert stolen.status_code == 404


def test_sign_in_attempts_are_limited_per_account_and_address(lab: LabServices) -> None:
    """Five wrong passwords at one account from one address, then 429 with Retry-After."""
    with TestClient(create_app(lab)) as client:
        wrong = {"username": "steward", "password": "not the password"}
        answers = [client.post("/account/login", data=wrong) for _ in range(6)]
        other = client.post("/account/login", data={**wrong, "username": "someone"})
    assert [a.status_code for a in answers[:5]] == [401] * 5
    assert answers[5].status_code == 429 and int(answers[5].headers["retry-after"]) >= 1
    assert "登录尝试过多" in answers[5].text
    assert other.status_code == 401


def test_sign_in_form_states_the_username_rule(lab: LabServices) -> None:
    """The sign-in form states the username rule in the page's language, as its pattern too."""
    with TestClient(create_app(lab)) as client:
        chinese = client.get("/account/login?lang=zh").text
        english = client.get("/account/login?lang=en").text
    assert f'id="username-hint">{USERNAME_RULE.hint("zh")}<' in chinese
    assert f'id="username-hint">{USERNAME_RULE.hint("en")}<' in english
    assert re.search(
        r'<input type="text" id="username" name="username" required [^>]*pattern=', english
    )
