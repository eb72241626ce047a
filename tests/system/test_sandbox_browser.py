"""20: in real Chromium, a user logs in to the hub, opens a notebook, runs a DP query cell and
sees the table and the error-bar plot. The screenshot (also taken when the test fails) is saved
as test-artifacts/sandbox/browser-dp-query.png."""

from __future__ import annotations

import shutil

import httpx
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.fixtures.sandbox_hub import (
    ARTIFACTS,
    PASSWORD,
    skip_unless_isolation_possible,
    start_sandbox,
    stop_sandbox,
)
from tests.fixtures.services import service_missing

pytestmark = pytest.mark.timeout(300)
CHROMIUM = "/usr/bin/chromium"
QUERY = """import matplotlib.pyplot as plt
from sandbox.client import Lab, plot_with_error_bars
lab = Lab()
frame = lab.query('SELECT "所属区", COUNT(*) FROM tax GROUP BY "所属区"', epsilon=0.3)
plot_with_error_bars(frame)
plt.show()
frame"""


@pytest.fixture(scope="module")
def world():
    skip_unless_isolation_possible()
    if shutil.which(CHROMIUM) is None:
        service_missing("Debian chromium (`make install` installs it)")
    started = start_sandbox("browser")
    yield started
    stop_sandbox(started)


def _put_notebook(world, token: str) -> None:
    notebook = new_notebook(
        cells=[new_code_cell(QUERY)],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    answer = httpx.put(
        f"{world.hub.layout.url}/user/analyst/api/contents/dp_query.ipynb",
        headers={"Authorization": f"token {token}"},
        json={"type": "notebook", "content": nbformat.from_dict(notebook)},
        timeout=30,
    )
    assert answer.status_code in (200, 201), answer.text


def _run_first_cell(page) -> None:
    """Ctrl+Enter in the first cell until its plot appears (a keypress sent while the kernel
    connection is still settling can be lost; a re-run is answered from the release cache)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(4):
        page.click(".jp-Cell .jp-InputArea-editor >> nth=0")
        page.keyboard.press("Control+Enter")
        try:
            page.wait_for_selector(".jp-OutputArea-output img", timeout=20_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("the DP query cell never showed its plot")


def test_browser_login_notebook_dp_query(world) -> None:
    """20: login → server → notebook (its interface in Chinese, 15) → DP query cell → table and
    plot visible; screenshot."""
    from playwright.sync_api import sync_playwright

    url = world.hub.layout.browser_url  # the hub's own host name, as a user opens it
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{url}/hub/login")
            page.fill("input[name=username]", "analyst")
            page.fill("input[name=password]", PASSWORD)
            page.click("input[type=submit], button[type=submit]")
            page.wait_for_url("**/user/analyst/**", timeout=90_000)
            token = world.client.user_token("analyst")
            examples = _listing(world, token, "示例笔记本")
            _put_notebook(world, token)
            page.goto(f"{url}/user/analyst/notebooks/dp_query.ipynb")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            menus = page.inner_text(".lm-MenuBar")
            page.wait_for_selector(
                ".jp-Notebook-ExecutionIndicator[data-status=idle]", timeout=60_000
            )
            _run_first_cell(page)
            page.wait_for_selector(".jp-OutputArea-output table", timeout=30_000)
            rows = page.locator(".jp-OutputArea-output table tbody tr").count()
        finally:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "browser-dp-query.png"), full_page=True)
            browser.close()
    assert rows == 10
    assert {"文件", "编辑", "设置", "帮助"} <= set(menus.split()), menus  # the interface is Chinese
    assert {"public_data_portal.ipynb", "enterprise_industry_trends.ipynb"} <= examples


def _listing(world, token: str, folder: str) -> set[str]:
    """The names in a folder of the analyst's home, through the server's contents API."""
    answer = httpx.get(
        f"{world.hub.layout.url}/user/analyst/api/contents/{folder}",
        headers={"Authorization": f"token {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return {item["name"] for item in answer.json()["content"]}


def test_a_user_without_a_project_is_told_why_on_the_page(world) -> None:
    """15: the outsider (approved organisation, no approved project) signs in and the hub's page
    says in Chinese and English why no server starts, not "Failed to start your server"."""
    from playwright.sync_api import sync_playwright

    url = world.hub.layout.browser_url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        try:
            page.goto(f"{url}/hub/login")
            page.fill("input[name=username]", "outsider")
            page.fill("input[name=password]", PASSWORD)
            page.click("input[type=submit], button[type=submit]")
            page.wait_for_selector("text=没有获批的沙箱项目", timeout=60_000)
            text = page.inner_text("body")
        finally:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "browser-no-project.png"), full_page=True)
            browser.close()
    assert "请先在数据实验室申请沙箱项目" in text and "403 : 出错了" in text
    assert "您可以回到首页重新启动服务器" in text
    assert "no approved sandbox project" not in text  # one language per page
    assert "Failed to start your server" not in text


def test_hub_pages_are_chinese_with_the_english_switch(world) -> None:
    """15: the sign-in page is in Chinese; its English switch turns it (and, through the
    cookie, the next page) into English; screenshots of both."""
    from playwright.sync_api import sync_playwright

    url = world.hub.layout.browser_url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        try:
            page.goto(f"{url}/hub/login")
            page.wait_for_selector("text=用户名")
            chinese = page.inner_text("body")
            submit_zh = page.get_attribute("#login_submit", "value")
            page.screenshot(path=str(ARTIFACTS / "hub-login-zh.png"), full_page=True)
            page.click("#lang-switch")
            page.wait_for_selector("text=Username:")
            english = page.inner_text("body")
            submit_en = page.get_attribute("#login_submit", "value")
            page.screenshot(path=str(ARTIFACTS / "hub-login-en.png"), full_page=True)
            page.fill("input[name=username]", "outsider")
            page.fill("input[name=password]", PASSWORD)
            page.click("#login_submit")
            page.wait_for_selector("text=no approved sandbox project", timeout=60_000)
            refused = page.inner_text("body")
            page.screenshot(path=str(ARTIFACTS / "browser-no-project-en.png"), full_page=True)
        finally:
            browser.close()
    assert "登录" in chinese and "Sign in" not in chinese and submit_zh == "登录"
    assert "Sign in" in english and "用户名" not in english and submit_en == "Sign in"
    assert "中文" in english  # the switch back
    assert "您所在的机构" not in refused and "403 : error" in refused
