"""Every error status the app answers, as a browser and as an API client sees it, over HTTP.

A browser (``Accept: text/html``, a page path) gets an HTML page — never raw JSON — with the
status, in the page's language, with links on; the same request from a program
(``Accept: application/json``), and anything under ``/api/``, gets the lab's one JSON error
shape (the CKAN-compatible API keeps CKAN's). 500 and 503 come from a test router mounted the
way plug-in routers are, since no real route fails on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta

import httpx
import pytest
from fastapi import APIRouter

from lab.db import transaction
from lab.errors import LabError, ServiceUnavailable
from lab.http.errors import _CODES as HTTP_CODES
from lab.identity import Role, TokenKind
from lab.identity.accounts import create_user, get_user, issue_token
from lab.services import LabServices, open_services
from lab.settings import LabSettings
from lab.web.error_pages import STATUS_TEXTS
from tests.system.live_server import serving
from tests.system.portal_seed import STEWARD_PASSWORD, seed_portal

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PROGRAM = {"Accept": "application/json"}
AUDITOR_PASSWORD = "auditor password 1"
JSON_SHAPE = {"code", "message", "request_id"}
CJK = re.compile(r"[\u3400-\u9fff]")

failing = APIRouter()


@failing.get("/test-failure/crash")
@failing.get("/api/test-failure/crash")
def crash() -> None:
    raise RuntimeError("an unexpected fault with data 918273645 in its text")


@failing.get("/test-failure/busy")
@failing.get("/api/test-failure/busy")
def busy() -> None:
    raise ServiceUnavailable("the object store cannot be reached")


@dataclass
class Site:
    url: str
    steward_token: str
    cookies: dict[str, httpx.Cookies] = field(default_factory=dict)


def _signed_in(url: str, login_path: str, username: str, password: str) -> httpx.Cookies:
    with httpx.Client(base_url=url) as client:
        client.post(login_path, data={"username": username, "password": password})
        return client.cookies


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """The small portal served over HTTP, with a steward's API token and an auditor's cookie."""
    work = tmp_path_factory.mktemp("errors")
    lab: LabServices = open_services(
        LabSettings(home=work / "home", database_url=f"sqlite:///{work / 'lab.db'}")
    )
    seed_portal(lab, work)
    with transaction(lab.sessions) as session:
        create_user(
            session,
            lab.audit,
            actor="test",
            username="auditor1",
            roles=[Role.AUDITOR],
            password=AUDITOR_PASSWORD,
        )
        token = issue_token(
            session,
            lab.audit,
            actor="test",
            user=get_user(session, "steward"),
            kind=TokenKind.API,
            name="errors",
            lifetime=timedelta(hours=1),
        ).plain
    with serving(lab, extra_routers=[failing]) as url:
        found = Site(url, token)
        found.cookies["auditor"] = _signed_in(url, "/auditor/login", "auditor1", AUDITOR_PASSWORD)
        yield found
    lab.close()


@dataclass(frozen=True)
class Case:
    """One way to meet ``status``: a request, and who is signed in (a cookie) if anyone."""

    status: int
    method: str
    path: str
    who: str | None = None
    data: dict | None = None
    headers: dict | None = None


# Each status the app produces, met through a page path (a browser may land there).
PAGE_CASES = [
    Case(400, "GET", "/auditor/export.xml", who="auditor"),
    Case(401, "GET", "/auth/me"),
    Case(403, "GET", "/steward/", who="auditor"),
    Case(404, "GET", "/no-such-page"),
    Case(404, "GET", "/help"),
    Case(405, "GET", "/steward/logout"),
    Case(416, "GET", "/datasets/bus-routes/download/csv", headers={"Range": "bytes=99999999-"}),
    Case(422, "POST", "/steward/login", data={}),
    Case(500, "GET", "/test-failure/crash"),
    Case(503, "GET", "/test-failure/busy"),
]
# The API side of each status, including those met only there (409, 413, 429 of the API).
API_CASES = [
    Case(400, "GET", "/api/datasets/bus-routes/rows?_size=x"),
    Case(401, "GET", "/api/projects"),
    Case(403, "GET", "/api/steward/versions", who="auditor"),
    Case(404, "GET", "/api/nothing-here"),
    Case(405, "DELETE", "/api/credit/signing-key"),
    Case(409, "POST", "/api/steward/versions/1/publish", who="steward-token"),
    Case(422, "POST", "/api/credit/receipts/verify", data={}),
    Case(500, "GET", "/api/test-failure/crash"),
    Case(503, "GET", "/api/test-failure/busy"),
]


def _send(site: Site, case: Case, accept: dict[str, str], **extra_headers) -> httpx.Response:
    headers = {**accept, **(case.headers or {}), **extra_headers}
    cookies = site.cookies.get(case.who or "")
    if case.who == "steward-token":
        headers["Authorization"] = f"Bearer {site.steward_token}"
    with httpx.Client(base_url=site.url, cookies=cookies) as client:
        if case.method == "POST" and case.path.startswith("/api/"):
            return client.post(case.path, json=case.data, headers=headers)
        return client.request(case.method, case.path, data=case.data, headers=headers)


def _assert_json_error(answer: httpx.Response, status: int) -> None:
    assert answer.status_code == status, answer.text[:300]
    assert answer.headers["content-type"].startswith("application/json")
    assert set(answer.json()["error"]) == JSON_SHAPE


@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: f"{c.status}-{c.path}")
def test_browser_gets_an_html_page_and_a_program_json(site: Site, case: Case) -> None:
    """The page answer is HTML in Chinese with the status, a way on and no JSON; the same
    request from a program gets the JSON shape."""
    page = _send(site, case, BROWSER)
    assert page.status_code == case.status
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page.text
    assert f"错误代码 {case.status}" in page.text
    assert 'href="/"' in page.text and 'href="/catalogue"' in page.text
    assert '{"error"' not in page.text and "918273645" not in page.text
    _assert_json_error(_send(site, case, PROGRAM), case.status)


def _english(case: Case) -> Case:
    joiner = "&" if "?" in case.path else "?"
    return replace(case, path=f"{case.path}{joiner}lang=en")


@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: f"{c.status}-{c.path}")
def test_english_page_for_every_status(site: Site, case: Case) -> None:
    """With English chosen, the same page is wholly English: the status's own title, the
    status number and the links on, with no Chinese in the page's main text."""
    page = _send(site, _english(case), BROWSER)
    assert page.status_code == case.status and '<html lang="en">' in page.text
    assert STATUS_TEXTS[case.status].title[1] in page.text and f"Status {case.status}" in page.text
    main = page.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert not CJK.search(main), main
    assert 'href="/"' in main or 'href="/"' in page.text


# Statuses met by their own tests below (a page's 409 form, the 429 limit, CKAN's 413).
MET_ELSEWHERE = {409, 413, 429}


def test_every_status_the_app_can_answer_has_a_case() -> None:
    """Each status the lab's errors, the HTTP edge's codes or the error pages know is met by
    a case here, so a new status cannot arrive without its HTML and JSON answers tested."""
    raised = {error.http_status for error in _subclasses(LabError)} | set(HTTP_CODES)
    known = raised | set(STATUS_TEXTS)
    met = {c.status for c in PAGE_CASES} | {c.status for c in API_CASES} | MET_ELSEWHERE
    assert known <= met, sorted(known - met)
    assert known <= set(STATUS_TEXTS), "every status needs its page title and text"


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found)) | {cls}


@pytest.mark.parametrize("case", API_CASES, ids=lambda c: f"{c.status}-{c.path}")
def test_api_paths_answer_json_even_to_a_browser(site: Site, case: Case) -> None:
    """Under /api/ the answer is the JSON shape whatever the Accept header says."""
    for accept in (BROWSER, PROGRAM):
        answer = _send(site, case, accept)
        _assert_json_error(answer, case.status)
        assert "918273645" not in answer.text


def test_sign_in_flood_is_a_page_for_browsers_and_json_for_programs(site: Site) -> None:
    """429: the portal's registration limit answers a page to a browser, JSON to a program."""
    form = {"username": "x", "password": "p", "password_again": "p"}
    with httpx.Client(base_url=site.url) as client:
        answers = [client.post("/account/register", data=form, headers=BROWSER) for _ in range(12)]
        limited = [a for a in answers if a.status_code == 429]
        assert limited and limited[-1].headers["content-type"].startswith("text/html")
        assert "请求过于频繁" in limited[-1].text
        program = client.post("/account/register", data=form, headers=PROGRAM)
    _assert_json_error(program, 429)


def test_ckan_payload_too_large_keeps_the_ckan_shape(site: Site) -> None:
    """413 exists only on the CKAN-compatible API, which answers CKAN's own error envelope."""
    body = b'{"q": "' + b"x" * 2_000_000 + b'"}'
    for accept in (BROWSER, PROGRAM):
        answer = httpx.post(
            f"{site.url}/api/3/action/package_search",
            content=body,
            headers={**accept, "Content-Type": "application/json"},
        )
        assert answer.status_code == 413
        assert answer.json()["success"] is False


def test_english_page_and_remembered_choice(site: Site) -> None:
    """?lang=en renders the error page in English and keeps the choice for the next page."""
    with httpx.Client(base_url=site.url, headers=BROWSER) as client:
        english = client.get("/no-such-page?lang=en")
        assert english.status_code == 404 and '<html lang="en">' in english.text
        assert "Page not found" in english.text and "Status 404" in english.text
        assert re.search(r'id="lang-switch"[^>]*>中文<', english.text)
        again = client.get("/help")
        assert '<html lang="en">' in again.text


def test_chinese_page_hides_english_developer_messages(site: Site) -> None:
    """The lab's English message for a 400 is shown on the English page only."""
    case = PAGE_CASES[0]
    chinese = _send(site, case, BROWSER)
    assert "export format" not in chinese.text
    english = _send(site, Case(400, "GET", f"{case.path}?lang=en", who="auditor"), BROWSER)
    assert "export format: csv or jsonl" in english.text


def test_robots_and_favicon(site: Site) -> None:
    """/robots.txt keeps crawlers off role pages and APIs; the favicon answers in both forms."""
    robots = httpx.get(f"{site.url}/robots.txt")
    assert robots.status_code == 200 and robots.headers["content-type"].startswith("text/plain")
    assert "Disallow: /steward/" in robots.text and "Disallow: /api/" in robots.text
    icon = httpx.get(f"{site.url}/favicon.ico")
    assert icon.status_code == 200 and icon.content[:4] == b"\x00\x00\x01\x00"
    svg = httpx.get(f"{site.url}/favicon.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")


def test_portal_pages_keep_developer_english_off_chinese_pages(site: Site) -> None:
    """A portal page's inline error is the domain's message said in the page's language
    (``lab.web.domain_messages``): Chinese on a Chinese page, English on an English one."""
    with httpx.Client(base_url=site.url, headers=BROWSER) as client:
        chinese = client.get("/datasets/tax-monthly")
        assert chinese.status_code == 404 and "no open dataset" not in chinese.text
        assert "没有开放数据集“tax-monthly”" in chinese.text
        english = client.get("/datasets/tax-monthly?lang=en")
        assert "No open dataset &#39;tax-monthly&#39;" in english.text


def test_conflict_on_a_steward_form_is_a_page(site: Site) -> None:
    """409 from a page's form (withdrawing a dataset twice) is the steward's page with the
    reason inline, in Chinese — HTML, not JSON."""
    with httpx.Client(base_url=site.url, headers=BROWSER, follow_redirects=True) as client:
        client.post("/steward/login", data={"username": "steward", "password": STEWARD_PASSWORD})
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/steward/").text)
        form = {"csrf_token": csrf[1], "reason": "数据来源需要复核，暂停提供"}
        first = client.post("/steward/datasets/air-quality-hourly/withdraw", data=form)
        assert first.status_code == 200 and "已撤回" in first.text
        again = client.post("/steward/datasets/air-quality-hourly/withdraw", data=form)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in again.text and '{"error"' not in again.text


@pytest.mark.parametrize("before", ["x", "²", "9" * 40])
def test_auditor_page_refuses_a_malformed_page_marker(site: Site, before: str) -> None:
    """A junk ``before`` is a 400 shown on the auditor's page, never a 500."""
    case = Case(400, "GET", f"/auditor/?before={before}", who="auditor")
    answer = _send(site, case, BROWSER)
    assert answer.status_code == 400 and 'id="entries"' in answer.text
