"""The feedback journey in a real browser: 数据纠错 from a dataset page, the browser applying the
same phone rule the server does (the ``pattern`` must compile in Chromium), the number and code
given, and the note read back with them. Screenshots go to ``test-artifacts/feedback``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lab.services import LabServices
from tests.system.browser import ARTIFACTS_ROOT, launched, shot
from tests.system.live_server import serving
from tests.system.portal_seed import seed_portal

ARTIFACTS = ARTIFACTS_ROOT / "feedback"


@pytest.fixture
def page(sqlite_lab: LabServices, tmp_path) -> Iterator[object]:
    seed_portal(sqlite_lab, tmp_path)
    with serving(sqlite_lab) as url, launched(ARTIFACTS) as browser:
        context = browser.new_context(base_url=url, locale="zh-CN")
        try:
            yield context.new_page()
        finally:
            context.close()


def _pattern_refuses(page, selector: str, value: str) -> bool:
    page.fill(selector, value)
    return page.locator(selector).evaluate("field => field.validity.patternMismatch")


def test_correction_from_a_dataset_page_to_its_answer_lookup(page) -> None:
    """纠错 opens prefilled; the browser refuses a bad phone and takes good ones; the receipt's
    number and code open the note."""
    page.goto("/datasets/bus-routes")
    page.get_by_role("link", name="数据纠错", exact=True).click()
    assert page.locator('input[value="correction"]').is_checked()
    assert page.locator("#dataset").input_value() == "bus-routes"
    assert "公交线路信息" in page.locator("#chosen-dataset").inner_text()
    assert _pattern_refuses(page, "#contact", "0532-123")
    assert not _pattern_refuses(page, "#contact", "0532 8888 6666")
    assert not _pattern_refuses(page, "#contact", "138-0000-0000")
    assert not _pattern_refuses(page, "#contact", "zhang@example.cn")
    page.fill("#message", "第 12 路的末班车时间与站牌不一致，请核实。")
    shot(page, ARTIFACTS, "01-correction-form")
    page.get_by_role("button", name="提交").click()
    number = page.locator("#reference").inner_text()
    code = page.locator("#lookup-code").inner_text()
    shot(page, ARTIFACTS, "02-receipt-with-code")
    page.get_by_role("link", name="查询答复").click()
    assert _pattern_refuses(page, "#number", "12a")
    page.fill("#number", number)
    page.fill("#code", code)
    page.get_by_role("button", name="查询").click()
    assert "待答复" in page.locator("#note-state").inner_text()
    shot(page, ARTIFACTS, "03-lookup-waiting")
