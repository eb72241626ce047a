"""Each role's main journey in a real browser (Debian's chromium via playwright), in Chinese and
in English: the citizen, the T2 applicant, the enterprise analyst, the bank officer, the steward
and the auditor. One live server serves the whole module; each journey saves a screenshot per
step as ``test-artifacts/<role>-<lang>-<step>.png`` and asserts what the person must see.

In English, a page's fixed wording (headings, labels, buttons, status lines, navigation) holds
no Chinese beyond the proper names and data values the journey names. The steward's and the
enterprise's pages exist in Chinese only so far: their English journeys check that those pages
say so (``<html lang="zh-CN">``) while the portal around them speaks English.

Selectors are accessible names and labels, so pages that change their layout keep the tests.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest

from lab.catalogue.portal_workflow.applications import FORM_FIELDS, PLEDGE_ITEMS
from lab.db import transaction
from lab.demo.identifiers import org_code_check_char, uscc_check_char
from lab.identity import OrganisationKind, Role
from lab.identity.accounts import create_organisation, create_user
from lab.services import LabServices, open_services
from lab.settings import LabSettings
from opendata.web.i18n import FORM_LABELS_EN
from tests.system.browser import ARTIFACTS_ROOT, launched
from tests.system.browser import shot as save_shot
from tests.system.live_server import serving
from tests.system.portal_seed import STEWARD_PASSWORD, seed_portal
from tests.unit.opendata.test_applicant_pages import APPLICATION

LANGS = ("zh", "en")
PASSWORD = "journey password 1"
BANK = "青岛journey银行"
CITY = ZoneInfo("Asia/Shanghai")
CJK = re.compile(r"[\u3400-\u9fff]")
# The fixed wording of a page: what a person reads to find their way, not the data shown.
WORDING = "h1, h2, h3, legend, label, button, nav, caption, thead th, [role=status], [role=alert]"
TYPED_FIELDS = (
    "organisation",
    "contact_name",
    "contact_phone",
    "contact_email",
    "purpose",
    "scenario",
    "security_measures",
)
SEED_TITLES = ("公交线路信息", "空气质量小时数据")


def credit_code(serial: int) -> str:
    """A valid unified social credit code for a test firm (Qingdao 市南区, a company)."""
    body = f"{73_000_000 + serial:08d}"
    first17 = "91370202" + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


# Each journey that touches credit gets its own firm, so the journeys stay independent.
FIRMS = {
    (journey, lang): (f"青岛{journey}{lang}测试有限公司", credit_code(n))
    for n, (journey, lang) in enumerate((j, lang) for j in ("enterprise", "bank") for lang in LANGS)
}


@dataclass(frozen=True)
class World:
    lab: LabServices
    url: str


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    """The small portal with an auditor, a bank and its officer, and one firm per journey."""
    work = tmp_path_factory.mktemp("journeys")
    lab = open_services(
        LabSettings(home=work / "home", database_url=f"sqlite:///{work / 'lab.db'}")
    )
    seed_portal(lab, work)
    with transaction(lab.sessions) as session:
        audit = lab.audit
        create_organisation(session, audit, actor="t", name=BANK, kind=OrganisationKind.BANK)
        people = [("auditor1", Role.AUDITOR, None), ("banker1", Role.BANK_OPERATOR, BANK)]
        for (journey, lang), (name, code) in FIRMS.items():
            kind = OrganisationKind.ENTERPRISE
            create_organisation(session, audit, actor="t", name=name, kind=kind, credit_code=code)
            people.append((f"firm-{journey}-{lang}", Role.ENTERPRISE_ADMIN, name))
        for username, role, org in people:
            create_user(
                session,
                audit,
                actor="t",
                username=username,
                roles=[role],
                password=PASSWORD,
                organisation=org,
            )
    with serving(lab) as url:
        yield World(lab, url)
    lab.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launched(ARTIFACTS_ROOT) as chromium:
        yield chromium


@pytest.fixture
def visit(browser, world: World):
    """Opens pages in fresh browser contexts (one person each), closed after the test."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(base_url=world.url, accept_downloads=True, **options)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def shot(page, role: str, lang: str, step: str) -> None:
    save_shot(page, ARTIFACTS_ROOT, f"{role}-{lang}-{step}")


def tr(lang: str, chinese: str, english: str) -> str:
    return english if lang == "en" else chinese


def choose_language(page, lang: str, path: str = "/") -> None:
    """Open ``path`` and, for English, use the page's language switch as a person would."""
    page.goto(path)
    if lang == "en":
        page.locator("#lang-switch").click()
        page.wait_for_url("**lang=en*")
    assert page.locator("html").get_attribute("lang") == tr(lang, "zh-CN", "en")


def assert_wording_in(page, lang: str, *allowed: str) -> None:
    """The page is in ``lang``: in English, its fixed wording holds no Chinese except the
    ``allowed`` names and values (dataset titles, an organisation's name, a column name) and
    data the page marks ``lang="zh-CN"``."""
    assert page.locator("html").get_attribute("lang") == tr(lang, "zh-CN", "en")
    if lang != "en":
        return
    texts = page.locator(WORDING).evaluate_all(
        """nodes => nodes.map(node => {
            const copy = node.cloneNode(true);  // data marked as Chinese is not wording
            copy.querySelectorAll('[lang="zh-CN"]').forEach(data => data.remove());
            return copy.textContent;
        })"""
    )
    for text in texts:
        for name in allowed:
            text = text.replace(name, "")
        assert not CJK.search(text), f"Chinese on an English page ({page.url}): {text!r}"


def sign_in(page, door: str, username: str, password: str = PASSWORD) -> None:
    """Sign in on ``door`` by its labelled fields, as the page names them in either language."""
    page.goto(door)
    page.get_by_label(re.compile("用户名|Username")).fill(username)
    page.get_by_label(re.compile("^(密码|Password)$")).fill(password)
    page.get_by_role("button", name=re.compile("^(登录|Sign in)$")).click()
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", LANGS)
def test_citizen_searches_opens_downloads_and_reports_an_error(visit, world, lang, tmp_path):
    """Search finds the air-quality data, its page shows tier, preview and checksum, the CSV
    downloaded matches that checksum, and 数据纠错 from the page files a note about it."""
    page = visit(locale=tr(lang, "zh-CN", "en-GB"))
    choose_language(page, lang)
    assert_wording_in(page, lang, *SEED_TITLES)
    shot(page, "citizen", lang, "1-home")
    page.get_by_role("searchbox").fill(tr(lang, "空气质量", "air quality"))
    page.get_by_role("button", name=tr(lang, "搜索", "Search")).first.click()
    page.wait_for_url("**/catalogue?q=*")
    assert page.locator("#result-count").inner_text() == tr(lang, "共 1 个数据集", "1 dataset")
    title = tr(lang, "空气质量小时数据", "Hourly air quality")
    assert_wording_in(page, lang, "市南区")
    assert page.get_by_role(
        "link", name=tr(lang, "生态环境", "Environment"), exact=True
    ).is_visible()
    shot(page, "citizen", lang, "2-search")
    page.get_by_role("link", name=title).click()
    page.wait_for_url("**/datasets/air-quality-hourly")
    assert page.get_by_role("heading", level=1).inner_text().startswith(title)
    assert tr(lang, "无条件开放", "Open") in page.locator("#tier-badge").inner_text()
    assert page.locator("#preview tbody tr").count() == 10
    assert page.locator("#licence a[rel=license]").inner_text()
    assert_wording_in(page, lang, "监测时间", "区", "AQI")
    shot(page, "citizen", lang, "3-dataset")
    with page.expect_download() as started:
        page.locator("#download-csv").click()
    saved = tmp_path / "air.csv"
    started.value.save_as(saved)
    assert (
        page.locator("#sha256-csv").inner_text() == hashlib.sha256(saved.read_bytes()).hexdigest()
    )
    page.get_by_role("link", name=tr(lang, "数据纠错", "Report an error"), exact=True).click()
    page.wait_for_url("**/feedback?*")
    assert "air-quality-hourly" in page.get_by_label(re.compile("数据集|Dataset")).input_value()
    page.get_by_label(re.compile("^(内容|Message)")).fill(
        tr(lang, "3 月 5 日 8 时的 AQI 与发布会通报不一致，请核对。", "The AQI at 8:00 on 5 March")
        + " — 0532"
    )
    page.get_by_label(re.compile("联系方式|Contact")).fill("citizen@example.com")
    assert page.get_by_role("radio", name=tr(lang, "数据纠错", "Data correction")).is_checked()
    shot(page, "citizen", lang, "4-feedback-form")
    page.get_by_role("button", name=tr(lang, "提交", "Send")).click()
    page.wait_for_load_state()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == tr(lang, "已收到，谢谢！", "Received — thank you!")
    assert re.search(r"(编号|Number) \d+", page.locator("[role=status]").inner_text())
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", page.locator("#lookup-code").inner_text())
    assert_wording_in(page, lang)
    shot(page, "citizen", lang, "5-feedback-sent")


def _fill_application(page, lang: str) -> None:
    """The T2 form by its labels (the official Chinese wording, or its English); the data
    items are picked as the form offers them (checkboxes of columns, else free text)."""
    chinese = dict(FORM_FIELDS)
    for name in (*TYPED_FIELDS, "signer"):
        label = FORM_LABELS_EN[name] if lang == "en" else chinese.get(name, "承诺人签名")
        page.get_by_label(label, exact=False).first.fill(APPLICATION[name])
    columns = page.locator("input[type=checkbox][name=fields], input[type=checkbox][name=columns]")
    if columns.count():
        columns.first.check()
    else:
        page.locator("#fields").fill("全部字段")
    for key, _ in PLEDGE_ITEMS:
        page.check(f"input[name=pledge_{key}]")


@pytest.mark.parametrize("lang", LANGS)
def test_applicant_applies_for_conditional_data_and_follows_its_status(visit, lang) -> None:
    """From the T2 dataset page: register, fill the form with its pledge, submit, and land
    on the application's status page with its state and answer clock."""
    page = visit(locale=tr(lang, "zh-CN", "en-GB"))
    choose_language(page, lang, "/datasets/annual-bands")
    page.get_by_role("link", name=tr(lang, "申请使用", "Apply for access")).click()
    page.wait_for_url("**/account/login?next=*")
    shot(page, "applicant", lang, "1-sign-in")
    page.get_by_role("link", name=tr(lang, "注册", "Register")).last.click()
    username = f"applicant{lang}"
    page.get_by_label(re.compile("用户名|Username")).fill(username)
    page.get_by_label(re.compile("^(姓名|Full name)")).fill("王小明")
    page.get_by_label(re.compile("^(密码|Password)$")).fill(PASSWORD)
    page.get_by_label(re.compile("再次输入密码|Password again")).fill(PASSWORD)
    page.get_by_role("button", name=tr(lang, "注册", "Register")).click()
    page.wait_for_url("**/apply/annual-bands")
    assert_wording_in(page, lang, "申请表", "承诺书")
    _fill_application(page, lang)
    shot(page, "applicant", lang, "2-form")
    page.get_by_role("button", name=tr(lang, "提交申请", "Submit")).click()
    page.wait_for_url("**/account/applications/*")
    assert page.locator("#state").inner_text() == tr(
        lang, "已提交，待审核", "Submitted, awaiting review"
    )
    assert tr(lang, "剩余 5 个工作日", "5 working days left") in page.locator("#clock").inner_text()
    assert_wording_in(page, lang)
    shot(page, "applicant", lang, "3-status")
    page.get_by_role("link", name=tr(lang, "我的申请", "My applications")).first.click()
    assert page.locator("main").get_by_role("link").filter(has_text="#").count() >= 1
    shot(page, "applicant", lang, "4-my-applications")


@pytest.mark.parametrize("lang", LANGS)
def test_enterprise_analyst_grants_a_consent_and_disputes_an_item(visit, world, lang) -> None:
    """Signed in at the enterprise door: a consent to the bank is signed and listed with its
    receipt; a dispute on one profile item is registered with its answer clock."""
    firm, _code = FIRMS[("enterprise", lang)]
    page = visit(locale=tr(lang, "zh-CN", "en-GB"))
    choose_language(page, lang)
    sign_in(page, "/enterprise/login", f"firm-enterprise-{lang}")
    assert urlparse(page.url).path == "/enterprise/"
    assert page.locator("html").get_attribute("lang") == tr(lang, "zh-CN", "en")
    assert firm in page.locator("body").inner_text()
    assert_wording_in(page, lang, firm, BANK)
    shot(page, "enterprise", lang, "1-home")
    page.get_by_role("link", name=tr(lang, "我的信用画像", "my credit profile")).first.click()
    page.wait_for_url("**/enterprise/profile")
    assert page.get_by_role("heading", level=1).inner_text() == tr(
        lang, "我的信用画像", "My credit profile"
    )
    assert_wording_in(page, lang, firm, BANK)
    shot(page, "enterprise", lang, "2-own-profile")
    page.goto(page.url.replace("/enterprise/profile", "/enterprise/"))
    page.get_by_label(tr(lang, "银行", "Bank"), exact=True).select_option(label=BANK)
    page.get_by_role("button", name=tr(lang, "签署授权", "Sign the consent")).click()
    page.wait_for_url("**/enterprise/?done=granted")
    consents = page.get_by_role("region", name=tr(lang, "授权列表", "Consents"))
    assert BANK in consents.inner_text()
    assert tr(lang, "已授权", "authorised") in consents.inner_text()
    assert "(UTC+8)" in consents.inner_text()
    shot(page, "enterprise", lang, "3-consent-granted")
    with page.expect_download() as receipt:
        consents.get_by_role(
            "link", name=tr(lang, "下载授权回执", "Download the receipt")
        ).first.click()
    assert receipt.value.suggested_filename.endswith(".json")
    disputes = page.get_by_role("region", name=tr(lang, "异议", "Disputes"))
    disputes.get_by_label(re.compile("^(项目|Item)")).select_option(index=0)
    disputes.get_by_label(re.compile("^(理由|Reason)")).fill(
        "该项纳税记录与税务机关出具的完税证明不一致。"
    )
    disputes.get_by_role("button", name=tr(lang, "提交异议", "File the dispute")).click()
    page.wait_for_url("**/enterprise/?done=disputed")
    assert (
        tr(lang, "异议已登记", "Dispute filed") in page.locator("[role=status]").first.inner_text()
    )
    raised = (
        page.get_by_role("region", name=tr(lang, "异议", "Disputes"))
        .get_by_role("row")
        .nth(1)
        .inner_text()
    )
    assert datetime.now(CITY).date().isoformat() in raised
    page.get_by_role("link", name=tr(lang, "撤销…", "Revoke…")).first.click()
    page.wait_for_url("**/enterprise/consents/*/revoke")
    assert BANK in page.locator("#revoke-bank").inner_text()
    shot(page, "enterprise", lang, "4-revoke-confirm")
    page.get_by_role("button", name=tr(lang, "确认撤销", "Revoke it")).click()
    page.wait_for_url("**/enterprise/?done=*")
    assert (
        tr(lang, "已撤销", "revoked")
        in page.get_by_role("region", name=tr(lang, "授权列表", "Consents")).inner_text()
    )
    shot(page, "enterprise", lang, "5-disputed-and-revoked")
    username = f"firm-enterprise-{lang}"
    actions = {r.action for r in world.lab.audit.records() if r.actor == username}
    assert {"credit.consent.grant", "credit.dispute.open", "credit.consent.revoke"} <= actions


@pytest.mark.parametrize("lang", LANGS)
def test_bank_officer_requests_a_consent_then_a_profile(visit, lang) -> None:
    """The officer asks a firm for a consent; once the firm approves, the consent is held and
    a profile request shows its result, its line in the request list and the limit use."""
    _firm, code = FIRMS[("bank", lang)]
    officer = visit(locale=tr(lang, "zh-CN", "en-GB"))
    choose_language(officer, lang)
    sign_in(officer, "/bank/login", "banker1")
    assert urlparse(officer.url).path == "/bank/"
    assert_wording_in(officer, lang, BANK)
    shot(officer, "bank", lang, "1-home")
    officer.get_by_label(re.compile("统一社会信用代码|credit code", re.I)).first.fill(code)
    officer.get_by_role("button", name=tr(lang, "发送申请", "Send request")).click()
    officer.wait_for_url("**/bank/?done=requested*")
    assert code in officer.locator("#asked").inner_text()
    assert_wording_in(officer, lang, BANK)
    shot(officer, "bank", lang, "2-consent-requested")

    firm = visit()
    sign_in(firm, "/enterprise/login", f"firm-bank-{lang}")
    firm.get_by_role("button", name="同意").click()
    firm.wait_for_url("**/enterprise/?done=approved")

    officer.goto("/bank/")
    held = officer.get_by_role("region", name=tr(lang, "所持授权", "Consents held"))
    assert code in held.inner_text() and "(UTC+8)" in held.inner_text()
    used_before = officer.locator("#limit-bank_day td").nth(1).inner_text()
    mine = held.get_by_role("row", name=re.compile(code))
    mine.get_by_role("button", name=tr(lang, "查询画像", "Request profile")).click()
    officer.wait_for_load_state()
    result = officer.get_by_role("region", name=tr(lang, "本次查询结果", "This request's result"))
    assert tr(lang, "无法提供画像", "Profile unavailable") in result.inner_text()
    assert tr(lang, "未提供", "Not served") in officer.locator("#requests").inner_text()
    assert int(officer.locator("#limit-bank_day td").nth(1).inner_text()) == int(used_before) + 1
    assert_wording_in(officer, lang, BANK)
    shot(officer, "bank", lang, "3-profile-result")


@pytest.mark.parametrize("lang", LANGS)
def test_steward_lands_home_and_reads_datasets_queue_and_audit_log(visit, lang) -> None:
    """Signing in on the portal lands the steward on the steward's home; the published list
    shows versions and usage; the review queue and the audit log open from the steward's
    pages."""
    page = visit(locale=tr(lang, "zh-CN", "en-GB"))
    choose_language(page, lang)
    page.get_by_role("link", name=tr(lang, "登录", "Sign in")).first.click()
    sign_in(page, page.url, "steward", STEWARD_PASSWORD)
    assert urlparse(page.url).path == "/steward/"
    assert_wording_in(page, lang)
    shot(page, "steward", lang, "1-home")
    page.goto("/datasets/bus-routes")
    page.goto("/steward/")
    page.get_by_role("link", name=tr(lang, "已发布数据", "Published data")).click()
    published = page.locator("#published")
    assert tr(lang, "共 3 个数据集", "3 datasets") in published.inner_text()
    bus = page.locator("#dataset-bus-routes").locator("td")
    assert bus.nth(3).inner_text() == "v1 / 1" and int(bus.nth(6).inner_text()) >= 1
    assert_wording_in(page, lang)
    shot(page, "steward", lang, "2-published")
    page.get_by_role(
        "link", name=tr(lang, "有条件开放申请", "Conditional-data applications")
    ).first.click()
    assert page.get_by_role("heading", level=1).is_visible()
    assert_wording_in(page, lang)
    shot(page, "steward", lang, "3-applications")
    page.get_by_role("link", name=tr(lang, "审计日志", "Audit log")).first.click()
    page.wait_for_url("**/auditor/*")
    page.get_by_label(tr(lang, "类别", "Kind")).select_option("dataset")
    page.locator("#filters").get_by_role("button").click()
    page.wait_for_url("**kind=dataset*")
    assert "dataset:bus-routes" in page.locator("#entries").inner_text()
    assert_wording_in(page, lang)
    shot(page, "steward", lang, "4-audit-log")


@pytest.mark.parametrize("lang", LANGS)
def test_auditor_browses_filters_verifies_and_exports(visit, lang, tmp_path) -> None:
    """Filter the log by kind, verify the chain, export the filtered entries as CSV."""
    page = visit(locale=tr(lang, "zh-CN", "en-GB"))
    choose_language(page, lang)
    sign_in(page, "/auditor/login", "auditor1")
    assert urlparse(page.url).path == "/auditor/"
    first_time = page.locator("#entries tbody td:nth-child(2)").first.inner_text()
    assert (
        first_time.endswith("(UTC+8)") and first_time[:10] == datetime.now(CITY).date().isoformat()
    )
    assert_wording_in(page, lang)
    shot(page, "auditor", lang, "1-log")
    page.get_by_label(tr(lang, "类别", "Kind")).select_option("dataset")
    page.locator("#filters").get_by_role("button").click()
    page.wait_for_url("**kind=dataset*")
    actions = page.locator("#entries tbody td:nth-child(4)").all_inner_texts()
    assert actions and all(a.startswith("dataset.") for a in actions)
    shot(page, "auditor", lang, "2-filtered")
    with page.expect_download() as started:
        page.locator("#export-csv").click()
    saved = tmp_path / "audit.csv"
    started.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert rows and all(r["action"].startswith("dataset.") for r in rows)
    page.get_by_role("button", name=tr(lang, "验证", "Verify")).click()
    page.wait_for_url("**/auditor/verify*")
    assert tr(lang, "哈希链完整", "The chain holds") in page.locator("#verify-result").inner_text()
    assert_wording_in(page, lang)
    shot(page, "auditor", lang, "3-verified")
