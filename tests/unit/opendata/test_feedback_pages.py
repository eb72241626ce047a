"""The 意见建议 / 数据纠错 pages through the real routes: rules stated, bad entries refused beside
their field with what was typed kept, 纠错 from a dataset page, datasets named by title, and the
answer read back by number and lookup code (only a hash kept, no enumeration, rate-limited)."""

from __future__ import annotations

import hashlib
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from classification import Tier
from lab.app import create_app
from lab.catalogue.portal_workflow.feedback import FEEDBACK_RULES
from lab.catalogue.portal_workflow.feedback_lookup import LOOKUP_RULES
from lab.db.models import AuditEntry, PortalFeedback
from lab.identity import Role
from lab.services import LabServices
from tests.unit.lab.web.test_steward_pages import add_user, csrf_of, sign_in
from tests.unit.opendata.seed import publish_table, write_csv

ROWS = [[f"2026-01-{1 + i % 28:02d}", "市南区", str(20 + i % 50)] for i in range(60)]
NOTE = {
    "kind": "correction",
    "message": "2026-01-03 市南区的 AQI 与监测站公布值不一致，请核实。",
    "contact": "138 0000 0000",
    "name": "张三",
}


@pytest.fixture
def client(sqlite_lab: LabServices, tmp_path):
    header = ["日期", "区", "AQI"]
    for slug, title, title_en, tier in (
        ("air-daily", "空气质量日数据", "Daily air quality", Tier.T1),
        ("noise-2025", "噪声监测", "", Tier.T1),
        ("noise-2026", "噪声监测", "", Tier.T1),
        ("clinic-visits", "门诊就诊记录", "", Tier.T3),
    ):
        path = write_csv(tmp_path / f"{slug}.csv", header, ROWS)
        unit = "区" if tier is Tier.T3 else None
        publish_table(
            sqlite_lab, path, slug, title=title, title_en=title_en, tier=tier, dp_unit=unit
        )
    add_user(sqlite_lab, "steward", Role.STEWARD)
    with TestClient(create_app(sqlite_lab)) as test_client:
        yield test_client


def _send(client: TestClient, **changes: str):
    return client.post("/feedback", data={**NOTE, **changes})


def _next_minute(client: TestClient) -> None:
    """Forget the feedback form's per-address allowance (5 a minute), as a minute's wait would."""
    del client.app.state.portal_feedback_limiter


def _number_and_code(page: str) -> tuple[str, str]:
    number = re.search(r'id="reference">(\d+)<', page)
    code = re.search(r'id="lookup-code"><code>([A-Z0-9-]+)<', page)
    assert number and code, page
    return number[1], code[1]


def test_the_form_states_each_rule_in_chinese_and_in_english(client: TestClient) -> None:
    """Each field's hint (zh and en) and HTML check come from the rule the server applies."""
    chinese = client.get("/feedback?lang=zh").text
    english = client.get("/feedback?lang=en").text
    for name in ("message", "contact", "name"):
        rule = FEEDBACK_RULES[name]
        assert f'id="{name}-hint">{rule.hint("zh")}<' in chinese
        assert f'id="{name}-hint">{rule.hint("en")}<' in english
    assert 'minlength="10" maxlength="4000"' in chinese
    assert 'pattern="(?:[\\s\\-]*(?:1' in chinese  # the phone-or-e-mail pattern
    lookup = client.get("/feedback/lookup?lang=en").text
    assert f'id="code-hint">{LOOKUP_RULES["code"].hint("en")}<' in lookup


def test_a_bad_phone_is_refused_beside_its_field_with_the_entries_kept(client: TestClient) -> None:
    """A contact that is neither a phone number nor an e-mail is named next to the field; the
    message, name and dataset typed are all still in the form, and nothing is stored."""
    refused = _send(client, contact="0532-123", dataset="air-daily")
    assert refused.status_code == 400
    assert re.search(r'id="contact-error">[^<]*手机号', refused.text)
    assert NOTE["message"] in refused.text and 'value="0532-123"' in refused.text
    assert 'value="张三"' in refused.text and 'value="air-daily"' in refused.text
    english = client.post("/feedback?lang=en", data={**NOTE, "contact": "12"})
    assert re.search(r'id="contact-error">E-mail, or a mobile', english.text)
    assert "see the notes beside them" in english.text
    with client.app.state.services.sessions() as session:
        assert session.scalars(select(PortalFeedback)).all() == []


def test_a_phone_number_is_kept_in_one_spelling(client: TestClient) -> None:
    """Spaces and dashes typed in a number are dropped; a landline keeps its area code apart."""
    assert _send(client, contact="138 0000-0000", dataset="air-daily").status_code == 200
    assert _send(client, contact="0532 8888 6666", dataset="air-daily").status_code == 200
    with client.app.state.services.sessions() as session:
        contacts = [row.contact for row in session.scalars(select(PortalFeedback))]
    assert contacts == ["13800000000", "0532-88886666"]


def test_correction_link_of_a_dataset_page_prefills_that_dataset(client: TestClient) -> None:
    """The dataset page's 数据纠错 link opens the form with the kind and the dataset chosen."""
    page = client.get("/datasets/air-daily").text
    link = re.search(r'<a href="(/feedback\?[^"]+)">数据纠错</a>', page)
    assert link, "no 数据纠错 link on the dataset page"
    form = client.get(link[1].replace("&amp;", "&")).text
    assert 'value="correction" checked' in form and 'value="air-daily"' in form
    assert 'id="chosen-dataset"' in form and "空气质量日数据" in form


def test_the_dataset_may_be_named_by_its_title(client: TestClient) -> None:
    """A Chinese or English title finds the dataset; an ambiguous, unknown or restricted one is
    a form error beside the dataset field."""
    assert _send(client, dataset="空气质量日数据").status_code == 200
    assert _send(client, dataset=" daily AIR quality ").status_code == 200
    with client.app.state.services.sessions() as session:
        slugs = [row.dataset_slug for row in session.scalars(select(PortalFeedback))]
    assert slugs == ["air-daily", "air-daily"]
    ambiguous = _send(client, dataset="噪声监测")
    assert ambiguous.status_code == 400 and 'id="dataset-error">有多个数据集' in ambiguous.text
    assert _send(client, dataset="noise-2026").status_code == 200
    _next_minute(client)
    for hidden in ("门诊就诊记录", "clinic-visits", "没有的数据"):
        unknown = _send(client, dataset=hidden)
        assert unknown.status_code == 400
        assert 'id="dataset-error">没有这个公开数据集' in unknown.text


def test_the_answer_is_read_with_the_number_and_code(client: TestClient) -> None:
    """Submission gives a number and code; the lookup shows the note waiting, then the answer
    the steward gave through the steward's page."""
    number, code = _number_and_code(_send(client, dataset="air-daily").text)
    waiting = client.post("/feedback/lookup", data={"number": number, "code": code})
    assert waiting.status_code == 200 and "待答复" in waiting.text
    assert NOTE["message"] in waiting.text
    assert sign_in(client).status_code == 303
    token = csrf_of(client, "/steward/feedback")
    answer = "已与监测站核对，1 月 3 日数据已更正，谢谢指出。"
    answered = client.post(
        f"/steward/feedback/{number}/answer",
        data={"answer_text": answer, "csrf_token": token},
        follow_redirects=False,
    )
    assert answered.status_code == 303
    typed = code.lower().replace("-", " ")  # case, spaces and dashes do not matter
    shown = client.post("/feedback/lookup?lang=en", data={"number": number, "code": typed})
    assert shown.status_code == 200 and 'id="note-answer">' + answer in shown.text
    assert "Answered" in shown.text


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(client: TestClient) -> None:
    """Nothing tells whether a number exists: both refusals are the same page, byte for byte."""
    number, code = _number_and_code(_send(client, dataset="air-daily").text)
    wrong = "ABCD-EFGH-JKLM-NPQR" if code != "ABCD-EFGH-JKLM-NPQR" else "ABCD-EFGH-JKLM-NPQS"
    wrong_code = client.post("/feedback/lookup", data={"number": number, "code": wrong})
    unknown = client.post("/feedback/lookup", data={"number": "987654", "code": code})
    assert wrong_code.status_code == unknown.status_code == 400
    assert "编号或查询码不正确" in wrong_code.text
    assert unknown.text.replace('value="987654"', f'value="{number}"') == wrong_code.text
    assert NOTE["message"] not in wrong_code.text
    too_long = client.post("/feedback/lookup", data={"number": "9" * 12, "code": code})
    assert too_long.status_code == 400 and 'id="number-error"' in too_long.text


def test_only_a_hash_of_the_code_is_stored(client: TestClient) -> None:
    """The code is in no table: the note's row holds its SHA-256 only, and the submission's
    audit entry (exported to auditors) holds neither."""
    number, code = _number_and_code(_send(client, dataset="air-daily").text)
    with client.app.state.services.sessions() as session:
        row = session.get(PortalFeedback, int(number))
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "feedback.submit"))
        details = entry.one().details
        assert row is not None and code not in repr(vars(row))
        assert row.lookup_sha256 == hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    assert code not in details and code.replace("-", "") not in details
    assert '"dataset":"air-daily"' in details and "sha256" not in details


def test_lookups_are_rate_limited_per_address(client: TestClient) -> None:
    """Guessing codes is slow: the eleventh lookup in a minute is refused with Retry-After."""
    attempts = [
        client.post("/feedback/lookup", data={"number": "1", "code": f"AAAA-AAAA-AAAA-AA{i:02d}"})
        for i in range(11)
    ]
    assert [a.status_code for a in attempts] == [400] * 10 + [429]
    assert int(attempts[10].headers["retry-after"]) >= 1
