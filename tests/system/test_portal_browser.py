"""The portal in a real browser (Debian's chromium driven by playwright): search in Chinese,
open a dataset, download its CSV and check it; the conditional-data journey from application to
approved download; the English switch; keyboard use. Screenshots go to ``test-artifacts/portal``
(gitignored), one per step, for reviewers.
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from collections.abc import Iterator

import httpx
import pytest

from lab.catalogue.portal_workflow.applications import PLEDGE_ITEMS
from lab.catalogue.t2_extracts.manifests import MANIFEST_NAME
from lab.catalogue.t2_extracts.tracing import trace_file
from lab.services import LabServices
from tests.system.browser import ARTIFACTS_ROOT, launched
from tests.system.browser import shot as save_shot
from tests.system.live_server import serving
from tests.system.portal_seed import STEWARD_PASSWORD, seed_portal

ARTIFACTS = ARTIFACTS_ROOT / "portal"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless chromium for the module (never downloaded: Debian's package)."""
    with launched(ARTIFACTS) as chromium:
        yield chromium


@pytest.fixture
def portal(sqlite_lab: LabServices, tmp_path) -> Iterator[tuple[LabServices, str]]:
    seed_portal(sqlite_lab, tmp_path)
    with serving(sqlite_lab) as url:
        yield sqlite_lab, url


@pytest.fixture
def page(browser, portal) -> Iterator[object]:
    context = browser.new_context(accept_downloads=True, base_url=portal[1], locale="zh-CN")
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def shot(page, name: str) -> None:
    save_shot(page, ARTIFACTS, name)


def test_search_open_and_download_csv(page, portal, tmp_path) -> None:
    """交通 and 空气质量 find their datasets; the CSV downloaded matches its SHA-256."""
    _lab, url = portal
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.get_by_role("searchbox").fill("交通")
    page.keyboard.press("Enter")
    page.wait_for_url("**/catalogue?q=*")
    assert page.locator("#result-count").inner_text() == "共 1 个数据集"
    assert page.get_by_role("link", name="公交线路信息").is_visible()
    shot(page, "01-search-交通")
    page.get_by_role("searchbox").fill("空气质量")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url("**q=%E7%A9%BA%E6%B0%94%E8%B4%A8%E9%87%8F*")
    page.get_by_role("link", name="空气质量小时数据").click()
    page.wait_for_url("**/datasets/air-quality-hourly")
    assert "T1 · 无条件开放" in page.locator("#tier-badge").inner_text()
    assert page.locator("svg.chart").count() == 1
    assert page.locator("#preview tbody tr").count() == 10
    shot(page, "02-dataset-空气质量")
    with page.expect_download() as started:
        page.locator("#download-csv").click()
    download = started.value
    assert download.suggested_filename == "空气质量小时数据-v1.csv"
    saved = tmp_path / "air.csv"
    download.save_as(saved)
    body = saved.read_bytes()
    assert body.decode("utf-8").splitlines()[0] == "监测时间,区,AQI"
    assert len(body.decode("utf-8").splitlines()) == 401
    page.reload()
    shown = page.locator("#sha256-csv").inner_text()
    assert shown == hashlib.sha256(body).hexdigest()
    assert httpx.get(f"{url}/datasets/air-quality-hourly/download/csv").content == body
    assert page.locator("#downloads").inner_text() == "1"
    shot(page, "03-dataset-after-download")


def test_english_switch(page) -> None:
    """The switch renders English with lang=en, keeps it across pages, and switches back."""
    page.goto("/datasets/bus-routes")
    page.locator("#lang-switch").click()
    page.wait_for_url("**lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Bus routes")
    assert page.get_by_role("heading", name="Data dictionary").is_visible()
    shot(page, "04-english-dataset")
    page.get_by_role("link", name="Catalogue").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "datasets" in page.locator("#result-count").inner_text()
    page.locator("#lang-switch").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def test_conditional_data_from_application_to_approved_download(browser, page, portal, tmp_path):
    """Register, apply with the form (columns ticked from the dictionary) and the pledge,
    steward sees the columns and approves, applicant downloads a fingerprinted ZIP holding only
    those columns that ``trace`` names."""
    lab, url = portal
    page.goto("/datasets/annual-bands")
    page.get_by_role("link", name="申请使用").click()
    page.wait_for_url("**/account/login?next=*")
    page.get_by_role("link", name="注册").last.click()
    page.fill("#username", "wangxm")
    page.fill("#display_name", "王小明")
    page.fill("#password", "applicant password 1")
    page.fill("#password_again", "applicant password 1")
    page.get_by_role("button", name="注册").click()
    page.wait_for_url("**/apply/annual-bands")
    fields = {
        "#organisation": "青岛海湾数据科技有限公司",
        "#contact_name": "王小明",
        "#contact_phone": "0532-88886666",
        "#contact_email": "wang@example.com",
        "#purpose": "研究各区中小企业从业人数结构，为企业服务政策评估提供依据。",
        "#scenario": "政策评估报告",
        "#security_measures": "专用内网计算机存放，访问留痕，项目结束后删除。",
        "#signer": "王小明",
    }
    for selector, value in fields.items():
        page.fill(selector, value)
    for key, _ in PLEDGE_ITEMS:
        page.check(f"input[name=pledge_{key}]")
    page.check("input[name=fields][value=所属区]")
    page.check("input[name=fields][value=从业人数区间]")
    shot(page, "05-application-form")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/account/applications/*")
    assert page.locator("#state").inner_text() == "已提交，待审核"
    assert "剩余 5 个工作日" in page.locator("#clock").inner_text()
    application_url = page.url.split("?")[0]
    shot(page, "06-application-submitted")

    steward_context = browser.new_context(base_url=url)
    steward = steward_context.new_page()
    steward.goto("/steward/login")
    steward.fill("#username", "steward")
    steward.fill("#password", STEWARD_PASSWORD)
    steward.get_by_role("button", name="登录").click()
    steward.goto("/steward/applications")
    steward.get_by_role("link", name="#1").click()
    assert steward.locator("#requested-columns").inner_text() == "所属区、从业人数区间"
    shot(steward, "07-steward-review")
    steward.check("input[value=approve]")
    steward.locator("#answer").click()
    assert steward.locator("#state").inner_text() == "已批准"
    steward_context.close()

    page.goto(application_url)
    assert page.locator("#state").inner_text() == "已批准"
    with page.expect_download() as started:
        page.locator("#download-extract").click()
    saved = tmp_path / "extract.zip"
    started.value.save_as(saved)
    assert started.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(saved) as archive:
        assert MANIFEST_NAME in archive.namelist()
        header = archive.read("annual-bands.csv").decode("utf-8-sig").splitlines()[0]
    assert header.split(",")[1:] == ["所属区", "从业人数区间"]
    traced = trace_file(lab, saved)
    assert traced.manifest_verified and traced.traced.recipient == "wangxm"
    shot(page, "08-approved-download")


def teardown_module() -> None:
    """Leave no empty artifacts folder behind when no screenshot was taken."""
    if ARTIFACTS.exists() and not any(ARTIFACTS.iterdir()):
        shutil.rmtree(ARTIFACTS)
