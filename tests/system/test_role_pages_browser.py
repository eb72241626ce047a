"""Role pages in a real browser (Debian's chromium via playwright): the steward's published
datasets with withdraw, a role signing in at another role's door, error pages with a way on in
both languages, the API docs with no CDN, and each page at 375 px wide. Screenshots go to
``test-artifacts/roles``. Each role's main journey, in Chinese and English, is in
``test_role_journeys``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest

from lab.db import transaction
from lab.identity import OrganisationKind, Role
from lab.identity.accounts import create_organisation, create_user
from lab.services import LabServices
from tests.system.browser import ARTIFACTS_ROOT, launched
from tests.system.browser import shot as save_shot
from tests.system.live_server import serving
from tests.system.portal_seed import STEWARD_PASSWORD, seed_portal

ARTIFACTS = ARTIFACTS_ROOT / "roles"
PASSWORD = "role pages password 1"
BANK = "青岛测试银行"
FIRM, FIRM_CODE = "青岛海湾测试有限公司", "91370202MA3C4F6Y23"
NARROW = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launched(ARTIFACTS) as chromium:
        yield chromium


@dataclass(frozen=True)
class World:
    lab: LabServices
    url: str


@pytest.fixture
def world(sqlite_lab: LabServices, tmp_path) -> Iterator[World]:
    """The small portal plus an auditor, a bank with an officer and an enterprise with its admin."""
    seed_portal(sqlite_lab, tmp_path)
    with transaction(sqlite_lab.sessions) as session:
        audit = sqlite_lab.audit
        create_organisation(session, audit, actor="t", name=BANK, kind=OrganisationKind.BANK)
        create_organisation(
            session,
            audit,
            actor="t",
            name=FIRM,
            kind=OrganisationKind.ENTERPRISE,
            credit_code=FIRM_CODE,
        )
        for username, role, org in (
            ("auditor1", Role.AUDITOR, None),
            ("banker1", Role.BANK_OPERATOR, BANK),
            ("firm1", Role.ENTERPRISE_ADMIN, FIRM),
        ):
            create_user(
                session,
                audit,
                actor="t",
                username=username,
                roles=[role],
                password=PASSWORD,
                organisation=org,
            )
    with serving(sqlite_lab) as url:
        yield World(sqlite_lab, url)


def _page(browser, world: World, **options):
    context = browser.new_context(base_url=world.url, locale="zh-CN", **options)
    return context.new_page()


def shot(page, name: str) -> None:
    save_shot(page, ARTIFACTS, name)


def sign_in(page, door: str, username: str, password: str = PASSWORD) -> None:
    page.goto(door)
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("button[type=submit]").last.click()
    page.wait_for_load_state()


def test_unknown_url_is_a_page_in_both_languages_with_a_way_on(browser, world: World) -> None:
    """Unknown URLs are portal-styled pages (zh, then en by the switch) that lead home."""
    page = _page(browser, world)
    answer = page.goto("/no-such-page")
    assert answer.status == 404 and "text/html" in answer.headers["content-type"]
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("#error-title").inner_text() == "页面不存在"
    assert page.locator("link[rel=icon]").count() == 1
    shot(page, "01-404-zh")
    page.locator("#lang-switch").click()
    page.wait_for_url("**lang=en")
    assert page.locator("#error-title").inner_text() == "Page not found"
    shot(page, "02-404-en")
    page.goto("/help")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Portal home").click()
    page.wait_for_url(f"{world.url}/")
    assert page.locator("html").get_attribute("lang") == "en"


def test_wrong_door_lands_each_role_on_its_own_home(browser, world: World) -> None:
    """An auditor at the steward's door lands on the auditor's page; the steward's page then
    answers 403 with a link home; a banker at the enterprise door lands on the bank page; a
    steward signing in on the portal lands on the steward's queue, not on 我的申请."""
    auditor = _page(browser, world)
    sign_in(auditor, "/steward/login", "auditor1")
    assert urlparse(auditor.url).path == "/auditor/"
    assert "审计员" in auditor.locator("[role=status]").inner_text()
    shot(auditor, "03-auditor-at-steward-door")
    answer = auditor.goto("/steward/")
    assert answer.status == 403 and auditor.locator("#error-title").inner_text() == "无权访问"
    shot(auditor, "04-403-steward-page-as-auditor")
    auditor.locator("#my-home").click()
    auditor.wait_for_url("**/auditor/")

    banker = _page(browser, world)
    sign_in(banker, "/enterprise/login", "banker1")
    assert urlparse(banker.url).path == "/bank/"
    answer = banker.goto("/enterprise/")
    assert answer.status == 403 and "text/html" in answer.headers["content-type"]
    assert banker.goto("/auditor/").status == 403

    steward = _page(browser, world)
    sign_in(steward, "/account/login", "steward", STEWARD_PASSWORD)
    assert urlparse(steward.url).path == "/steward/"
    steward.goto("/")
    assert steward.locator("#my-home").inner_text().startswith("我的主页")


def test_steward_lists_published_datasets_and_withdraws_one(browser, world: World) -> None:
    """The list shows each served dataset; withdrawing one (with a reason) stops the portal
    serving it at once, and the withdrawal is in the audit log, which the steward reads too."""
    steward = _page(browser, world)
    sign_in(steward, "/steward/login", "steward", STEWARD_PASSWORD)
    steward.get_by_role("link", name="已发布数据").click()
    table = steward.locator("#published")
    assert "共 3 个数据集" in table.inner_text()
    shot(steward, "10-steward-published")
    row = steward.locator("#dataset-bus-routes")
    row.locator("input[name=reason]").fill("线路数据有误，待交通局更正后重新发布")
    row.get_by_role("button", name="撤回").click()
    steward.wait_for_url("**/steward/datasets?done=withdrawn")
    assert steward.locator("#dataset-bus-routes").count() == 0
    shot(steward, "11-steward-withdrawn")
    answer = steward.goto("/datasets/bus-routes")
    assert answer.status == 404
    steward.goto("/steward/datasets")
    steward.get_by_role("link", name="审计日志").click()
    steward.wait_for_url("**/auditor/")
    assert "dataset.withdraw" in steward.locator("#entries").inner_text()
    withdrawn = [r for r in world.lab.audit.records() if r.action == "dataset.withdraw"]
    assert [r.target for r in withdrawn] == ["dataset:bus-routes"]
    assert "待交通局更正" in withdrawn[0].details


def test_api_docs_load_nothing_from_other_hosts(browser, world: World) -> None:
    """/docs renders Swagger UI's operations and /redoc its content; every answer the browser
    gets comes from this server (blob: URLs have no host)."""
    page = _page(browser, world)
    hosts: set[str] = set()
    page.on("response", lambda response: hosts.add(urlparse(response.url).netloc))
    page.goto("/docs")
    page.locator(".opblock").first.wait_for(timeout=15_000)
    page.goto("/redoc")
    page.get_by_text("City Data Lab").first.wait_for(timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert hosts - {""} == {urlparse(world.url).netloc}


NARROW_PAGES = {
    "portal": [
        "/",
        "/catalogue?q=交通",
        "/catalogue?q=空气 公交",
        "/datasets/air-quality-hourly",
        "/feedback",
        "/terms",
        "/nothing-here",
    ],
    "steward": ["/steward/", "/steward/datasets", "/steward/applications", "/steward/projects"],
    "auditor1": ["/auditor/"],
    "banker1": ["/bank/"],
    "firm1": ["/enterprise/"],
}
DOORS = {"steward": "/steward/login", "auditor1": "/auditor/login", "banker1": "/bank/login"}


def _overflow(page) -> dict:
    """The page's horizontal overflow, tables not in a scrolling box, and action buttons that
    cannot be brought fully into the 375 px view."""
    return page.evaluate(
        """() => {
        const width = document.documentElement.clientWidth;
        const loose = [...document.querySelectorAll('table')].filter(
            t => !t.closest('.table-wrap') && t.getBoundingClientRect().width > width);
        const cut = [];
        for (const b of document.querySelectorAll('button, a.button, input[type=submit]')) {
            if (!b.offsetParent) continue;
            b.scrollIntoView({block: 'center', inline: 'nearest'});
            const box = b.getBoundingClientRect();
            if (box.left < -1 || box.right > width + 1) cut.push(b.outerHTML.slice(0, 80));
        }
        window.scrollTo(0, 0);
        return {page: document.documentElement.scrollWidth - width,
                loose: loose.length, cut: cut};
    }"""
    )


@pytest.mark.parametrize("who", NARROW_PAGES)
def test_every_page_works_at_375_px(browser, world: World, who: str) -> None:
    """At 375 px no page scrolls sideways, wide tables scroll inside their box, and every
    action button can be brought fully into view."""
    page = _page(browser, world, viewport=NARROW)
    if who == "firm1":
        sign_in(page, "/enterprise/login", who)
    elif who != "portal":
        sign_in(page, DOORS[who], who, STEWARD_PASSWORD if who == "steward" else PASSWORD)
    for number, path in enumerate(NARROW_PAGES[who]):
        page.goto(path)
        found = _overflow(page)
        shot(page, f"375-{who}-{number}")
        assert found == {"page": 0, "loose": 0, "cut": []}, path


def teardown_module() -> None:
    """Leave no empty artifacts folder behind when no screenshot was taken."""
    if ARTIFACTS.exists() and not any(ARTIFACTS.iterdir()):
        shutil.rmtree(ARTIFACTS)
