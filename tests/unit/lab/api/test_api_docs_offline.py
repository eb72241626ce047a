"""/docs (Swagger UI) and /redoc work without the internet: their pages name no other host and
every script and stylesheet they load is served by the app from the installed package."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.services import LabServices

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.fixture
def client(sqlite_lab: LabServices):
    with TestClient(create_app(sqlite_lab)) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_page_loads_only_local_assets(client: TestClient, path: str) -> None:
    """No absolute URL to another host in the page; each asset it names answers 200 with a
    script or stylesheet body; the spec it reads is the app's own /openapi.json."""
    page = client.get(path)
    assert page.status_code == 200
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", page.text), page.text
    assert not re.search(r"https?://(?!www\.w3\.org)", page.text)
    assets = ASSET.findall(page.text)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        kind = answer.headers["content-type"]
        assert kind.split(";")[0] in (
            "text/css",
            "text/javascript",
            "application/javascript",
            "image/svg+xml",
        ), (asset, kind)
        assert len(answer.content) > (100 if asset.endswith(".svg") else 1000), asset
    assert client.get("/openapi.json").json()["info"]["title"]
