"""Driving Debian's chromium through playwright (never `playwright install`), for browser tests.

``launched(artifacts)`` yields one headless browser, or skips (fails under CI) when chromium is
missing; ``shot`` saves a full-page screenshot under the test's artifacts folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.fixtures.services import service_missing

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS_ROOT = Path(__file__).parents[2] / "test-artifacts"


@contextmanager
def launched(artifacts: Path) -> Iterator[object]:
    """One headless chromium (Debian's package), screenshots going to ``artifacts``."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")
    if not Path(CHROMIUM).exists():
        service_missing(f"{CHROMIUM} missing: `make install` installs Debian's chromium")
    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def shot(page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
