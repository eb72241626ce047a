"""The steward's pages: sign-in, queue, review, CSRF-checked forms, upload, negative list."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import NoMatchFound

from lab.app import create_app
from lab.catalogue.versions.datasets import DatasetMeta
from lab.db import transaction
from lab.db.models import DpMetadata
from lab.identity import Role
from lab.identity.accounts import create_user
from lab.ingest.pipeline import ingest
from lab.services import LabServices
from lab.web import steward
from tests.unit.lab.ingest import tables

PASSWORD = "steward password 1"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def pages_app(lab: LabServices) -> FastAPI:
    """The lab's app with the steward pages (included here until ``create_app`` wires them)."""
    app = create_app(lab)
    try:
        app.url_path_for("review", version_id=1)
    except NoMatchFound:
        app.include_router(steward.router)
    return app


def add_user(lab: LabServices, username: str, role: Role) -> None:
    with transaction(lab.sessions) as session:
        create_user(
            session, lab.audit, actor="test", username=username, roles=[role], password=PASSWORD
        )


def sign_in(client: TestClient, username: str = "steward"):
    form = {"username": username, "password": PASSWORD}
    return client.post("/steward/login", data=form, follow_redirects=False)


def csrf_of(client: TestClient, page: str = "/steward/") -> str:
    match = CSRF.search(client.get(page).text)
    assert match, f"no CSRF token on {page}"
    return match[1]


def ingested(lab: LabServices, path: Path, slug: str) -> int:
    """Ingest ``path`` straight through the domain (as the steward) and return the version id."""
    meta = DatasetMeta(title=f"测试数据 {slug}", department="市大数据局", slug=slug)
    with path.open("rb") as stream:
        return ingest(lab, stream, path.name, meta, actor="steward").version_id


def post(client: TestClient, path: str, data: dict, **kwargs):
    return client.post(path, data=data, follow_redirects=False, **kwargs)


@pytest.fixture
def client(sqlite_lab: LabServices):
    add_user(sqlite_lab, "steward", Role.STEWARD)
    with TestClient(pages_app(sqlite_lab)) as test_client:
        assert sign_in(test_client).status_code == 303
        yield test_client


def test_sign_in_page_signs_a_steward_in(sqlite_lab: LabServices) -> None:
    """The Chinese sign-in page refuses a wrong password inline and sets the session cookie."""
    add_user(sqlite_lab, "steward", Role.STEWARD)
    with TestClient(pages_app(sqlite_lab)) as anonymous:
        page = anonymous.get("/steward/login")
        assert page.status_code == 200 and 'lang="zh-CN"' in page.text
        assert '<label for="username">' in page.text and '<label for="password">' in page.text
        wrong = post(anonymous, "/steward/login", {"username": "steward", "password": "wrong!"})
        assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
        signed = sign_in(anonymous)
        assert signed.status_code == 303 and signed.headers["location"] == "/steward/"
        assert "HttpOnly" in signed.headers["set-cookie"]
        assert "SameSite=lax" in signed.headers["set-cookie"]
        assert "待审队列" in anonymous.get("/steward/").text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/steward/"),
        ("GET", "/steward/versions/1"),
        ("GET", "/steward/upload"),
        ("GET", "/steward/negative-list"),
        ("POST", "/steward/versions/1/decision"),
        ("POST", "/steward/versions/1/dp-metadata"),
        ("POST", "/steward/versions/1/publish"),
        ("POST", "/steward/upload"),
        ("POST", "/steward/negative-list"),
        ("POST", "/steward/negative-list/remove"),
        ("POST", "/steward/logout"),
    ],
)
def test_pages_send_strangers_to_sign_in_and_refuse_other_roles(
    sqlite_lab: LabServices, method: str, path: str
) -> None:
    """Without a (valid) session a page redirects to sign-in; a non-steward gets 403."""
    add_user(sqlite_lab, "analyst", Role.ANALYST)
    with TestClient(pages_app(sqlite_lab), follow_redirects=False) as browser:
        assert browser.request(method, path).headers["location"] == "/steward/login"
        browser.cookies.set("datalab_session", "cdl_forged_cookie")
        assert browser.request(method, path).status_code == 303
        browser.cookies.clear()
        assert sign_in(browser, "analyst").status_code == 303
        assert browser.request(method, path).status_code == 403


def test_review_page_shows_reasons_and_hides_restricted_values(
    client: TestClient, sqlite_lab: LabServices, tmp_path: Path
) -> None:
    """Queue and review pages show the proposal, each column's reasons and only safe values."""
    people = ingested(sqlite_lab, tables.person_table(tmp_path), "people")
    stops = ingested(sqlite_lab, tables.open_table(tmp_path), "stops")
    queue = client.get("/steward/")
    assert queue.status_code == 200 and f'href="/steward/versions/{people}"' in queue.text
    page = client.get(f"/steward/versions/{people}")
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    assert "T4 高敏·授权使用" in page.text and "逐列分级" in page.text
    assert '列名线索 <span lang="zh-CN">身份证</span>' in page.text
    assert "自然人姓名 <code>PERSON_NAME</code>" in page.text and "header cue" not in page.text
    assert "370202" not in page.text and "居民1" not in page.text and "13800000001" not in page.text
    assert '<label for="justification">' in page.text and "书面理由" in page.text
    open_page = client.get(f"/steward/versions/{stops}").text
    assert "站点1</span>（1）" in open_page and "T1 公开·无条件开放" in open_page


def test_decision_form_needs_its_csrf_token(
    client: TestClient, sqlite_lab: LabServices, tmp_path: Path
) -> None:
    """A decision without the session's CSRF token is refused (403); with it, it is recorded."""
    version = ingested(sqlite_lab, tables.open_table(tmp_path), "stops")
    action = f"/steward/versions/{version}/decision"
    assert post(client, action, {"tier": "T2"}).status_code == 403
    assert post(client, action, {"tier": "T2", "csrf_token": "0" * 64}).status_code == 403
    assert "待决定" in client.get(f"/steward/versions/{version}").text
    token = csrf_of(client, f"/steward/versions/{version}")
    done = post(client, action, {"tier": "T2", "csrf_token": token})
    assert done.status_code == 303
    assert done.headers["location"] == f"/steward/versions/{version}?done=decided"
    page = client.get(done.headers["location"]).text
    assert "分级决定已记录" in page and "已决定，待发布" in page
    assert [r.action for r in sqlite_lab.audit.records()].count("classification.raise") == 1
    assert sqlite_lab.audit.verify().ok


def test_lowering_without_justification_is_refused_inline(
    client: TestClient, sqlite_lab: LabServices, tmp_path: Path
) -> None:
    """Lowering without a justification is refused on the page; with one it is audited."""
    version = ingested(sqlite_lab, tables.person_table(tmp_path), "people")
    action = f"/steward/versions/{version}/decision"
    token = csrf_of(client, f"/steward/versions/{version}")
    refused = post(client, action, {"tier": "T3", "csrf_token": token})
    assert refused.status_code == 400 and 'role="alert"' in refused.text
    assert "须填写不少于 10 个字的书面理由" in refused.text
    reason = "发布前以密钥化假名替换姓名和证件号，经数据安全小组批准"
    lowered = post(client, action, {"tier": "T3", "justification": reason, "csrf_token": token})
    assert lowered.status_code == 303
    entry = next(r for r in sqlite_lab.audit.records() if r.action == "classification.lower")
    assert json.loads(entry.details)["justification"] == reason
    assert sqlite_lab.audit.verify().ok


def test_dp_form_then_publish(client: TestClient, sqlite_lab: LabServices, tmp_path: Path) -> None:
    """A T3 version gets its DP metadata through the form (fractional bounds only with a
    precision) and is published from its page."""
    version = ingested(sqlite_lab, tables.monthly_table(tmp_path), "tax")
    page = f"/steward/versions/{version}"
    token = csrf_of(client, page)
    post(client, f"{page}/decision", {"tier": "T3", "csrf_token": token})
    review = client.get(page).text
    assert "差分隐私元数据" in review and '<label for="privacy_unit">' in review
    assert 'id="low_3"' in review and 'id="low_0"' not in review  # bounds only for numbers
    assert "qingdao_district_name" in review
    form = {"csrf_token": token, "privacy_unit": "统一社会信用代码", "max_rows_per_unit": "12"}
    half = post(client, f"{page}/dp-metadata", {**form, "low_3": "0"})
    assert half.status_code == 400 and "须同时填写下限和上限" in half.text
    fractional = post(client, f"{page}/dp-metadata", {**form, "low_3": "0.5", "high_3": "9.5"})
    assert fractional.status_code == 400 and "请填写该列的精度" in fractional.text
    exact = {**form, "low_3": "0.5", "high_3": "9.5", "precision_3": "0.1"}
    assert post(client, f"{page}/dp-metadata", exact).status_code == 303
    assert 'value="0.1"' in client.get(page).text
    full = {**form, "low_3": "0", "high_3": "100000", "domain_2": "qingdao_district_name"}
    saved = post(client, f"{page}/dp-metadata", full)
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=dp-saved")
    assert 'value="100000.0"' in client.get(page).text
    published = post(client, f"{page}/publish", {"csrf_token": token})
    assert published.status_code == 303
    assert "已按决定的级别发布" in client.get(published.headers["location"]).text
    assert {"dp_metadata.set", "dataset.publish"} <= {r.action for r in sqlite_lab.audit.records()}
    assert sqlite_lab.audit.verify().ok


def test_dp_form_declares_a_month_range(
    client: TestClient, sqlite_lab: LabServices, tmp_path: Path
) -> None:
    """The form's generated-domain field takes a month range (shown back once saved); one too
    large, or typed beside a chosen code list, is refused inline with its reason."""
    version = ingested(sqlite_lab, tables.monthly_table(tmp_path), "tax")
    page = f"/steward/versions/{version}"
    token = csrf_of(client, page)
    post(client, f"{page}/decision", {"tier": "T3", "csrf_token": token})
    assert 'id="generated_1"' in client.get(page).text  # 所属期 is the second column
    form = {"csrf_token": token, "privacy_unit": "统一社会信用代码", "max_rows_per_unit": "12"}
    huge = post(
        client, f"{page}/dp-metadata", {**form, "generated_1": "days:1000-01-01:2026-12-31"}
    )
    assert huge.status_code == 400 and "超过上限 100,000 组" in huge.text
    both = {**form, "generated_1": "months:2026-01:2026-06", "domain_1": "gb4754_section"}
    refused = post(client, f"{page}/dp-metadata", both)
    assert refused.status_code == 400 and "只能保留一个" in refused.text
    months = {**form, "generated_1": "months:2026-01:2026-06", "domain_2": "qingdao_district_name"}
    assert post(client, f"{page}/dp-metadata", months).status_code == 303
    assert 'value="months:2026-01:2026-06"' in client.get(page).text
    with sqlite_lab.sessions() as s:
        assert s.get(DpMetadata, version).domains == {
            "所属期": "months:2026-01:2026-06",
            "所属区": "qingdao_district_name",
        }


def test_upload_page_ingests_and_rejects_prohibited_files(
    client: TestClient, sqlite_lab: LabServices, tmp_path: Path
) -> None:
    """The upload form ingests a file into review, rejects a T5 file and keeps entered fields."""
    token = csrf_of(client, "/steward/upload")
    fields = {"csrf_token": token, "title": "公交站点", "department": "市交通局"}

    def send(path: Path, data: dict):
        with path.open("rb") as handle:
            return post(client, "/steward/upload", data, files={"file": (path.name, handle)})

    accepted = send(tables.open_table(tmp_path), {**fields, "slug": "bus-stops"})
    assert accepted.status_code == 303 and accepted.headers["location"].endswith("done=ingested")
    assert "文件已接收" in client.get(accepted.headers["location"]).text
    staging = sqlite_lab.settings.home / "staging"
    awaiting = list(staging.iterdir())
    rejected = send(tables.prohibited_table(tmp_path), {**fields, "slug": "accounts"})
    assert rejected.headers["location"].endswith("done=rejected")
    page = client.get(rejected.headers["location"]).text
    assert "已拒绝" in page and "命中负面清单" in page and "分级决定" not in page
    assert list(staging.iterdir()) == awaiting  # only the accepted file's folder
    missing = send(tables.open_table(tmp_path), {**fields, "title": " ", "description": "说明文字"})
    assert missing.status_code == 400 and "请填写数据集名称" in missing.text
    assert "说明文字" in missing.text


def test_negative_list_page_adds_and_removes_entries(
    client: TestClient, sqlite_lab: LabServices
) -> None:
    """The negative-list page lists, adds, refuses a duplicate and removes an entry with a note."""
    page = client.get("/steward/negative-list")
    assert page.status_code == 200 and "CREDENTIAL" in page.text
    token = csrf_of(client, "/steward/negative-list")
    entry = {"csrf_token": token, "kind": "header", "value": "车架号", "reason": "车辆识别信息"}
    added = post(client, "/steward/negative-list", {**entry, "note": "加入车架号"})
    assert added.status_code == 303 and "车架号" in client.get(added.headers["location"]).text
    again = post(client, "/steward/negative-list", entry)
    assert again.status_code == 400 and "已在负面清单中" in again.text
    removal = {"csrf_token": token, "value": "车架号", "note": "误加"}
    removed = post(client, "/steward/negative-list/remove", removal)
    assert removed.status_code == 303 and "车架号" not in client.get("/steward/negative-list").text
    notes = [
        json.loads(r.details)["note"]
        for r in sqlite_lab.audit.records()
        if r.action == "guide.revise"
    ]
    assert len(notes) == 2 and notes[1].endswith("误加") and sqlite_lab.audit.verify().ok


def test_logout_ends_the_session(client: TestClient) -> None:
    """Signing out (with the CSRF token) revokes the session; pages then ask to sign in again."""
    token = csrf_of(client)
    signed_out = post(client, "/steward/logout", {"csrf_token": token})
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/steward/login"
    assert client.get("/steward/", follow_redirects=False).status_code == 303


def test_dp_form_declares_the_month_unique_per_unit(
    client: TestClient, sqlite_lab: LabServices, tmp_path: Path
) -> None:
    """The form's per-column checkbox declares the month unique per unit (checked once saved);
    the privacy unit itself cannot be, refused inline."""
    version = ingested(sqlite_lab, tables.monthly_table(tmp_path), "tax")
    page = f"/steward/versions/{version}"
    token = csrf_of(client, page)
    post(client, f"{page}/decision", {"tier": "T3", "csrf_token": token})
    form = {"csrf_token": token, "privacy_unit": "统一社会信用代码", "max_rows_per_unit": "12"}
    refused = post(client, f"{page}/dp-metadata", {**form, "unique_0": "on"})
    assert refused.status_code == 400 and "not a column besides the privacy unit" in refused.text
    assert post(client, f"{page}/dp-metadata", {**form, "unique_1": "on"}).status_code == 303
    assert 'id="unique_1" name="unique_1" checked' in client.get(page).text
    with sqlite_lab.sessions() as s:
        assert s.get(DpMetadata, version).unique_per_unit == ["所属期"]
