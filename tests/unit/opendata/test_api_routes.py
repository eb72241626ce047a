"""The portal's JSON API over HTTP: search, dataset, rows (JSON/CSV), errors and rate limits."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.services import LabServices, open_services
from lab.settings import LabSettings
from tests.unit.opendata.portal_app import seed_portal
from tests.unit.opendata.seed import CANARY, developer_key


@pytest.fixture
def client(sqlite_lab: LabServices, tmp_path) -> Iterator[TestClient]:
    seed_portal(sqlite_lab, tmp_path)
    with TestClient(create_app(sqlite_lab)) as test_client:
        yield test_client


def test_search_returns_visible_datasets_with_usage_and_facets(client: TestClient) -> None:
    """Search answers ranked datasets, live usage and facets without restricted values."""
    body = client.get("/api/datasets", params={"q": "空气质量"}).json()
    assert [d["slug"] for d in body["results"]] == ["air-quality"]
    assert body["results"][0]["usage"] == {"views": 0, "downloads": 0, "downloads_by_format": {}}
    everything = client.get("/api/datasets", params={"limit": "5000"})
    assert everything.status_code == 200 and everything.json()["total"] == 2
    assert CANARY not in everything.text and "tax-secret" not in everything.text
    tiered = client.get("/api/datasets", params=[("tier", "T2")]).json()
    assert [d["slug"] for d in tiered["results"]] == ["annual-reports"]


def test_unknown_and_restricted_datasets_are_the_same_404(client: TestClient) -> None:
    """Restricted and unknown datasets both give 404 in the lab's error shape."""
    for slug in ("tax-secret", "no-such"):
        for path in (f"/api/datasets/{slug}", f"/api/datasets/{slug}/rows"):
            answer = client.get(path)
            assert answer.status_code == 404, path
            assert answer.json()["error"]["code"] == "not_found"
            assert CANARY not in answer.text


def test_rows_pages_with_next_url_until_done(client: TestClient) -> None:
    """Following next_url walks every row once; each page respects the limit."""
    seen, url = [], "/api/datasets/air-quality/rows?_sort=-AQI&_limit=25"
    while url:
        page = client.get(url).json()
        assert len(page["rows"]) <= 25 and page["total"] == 120
        seen.extend(page["rows"])
        url = page["next_url"]
    assert len(seen) == 120 and len({(r["监测站点"], r["日期"], r["AQI"]) for r in seen}) == 120


def test_rows_filters_and_columns(client: TestClient) -> None:
    """Equals, range and null filters combine; _columns selects the columns returned."""
    params = {"监测站点": "崂山区站", "AQI__gte": "100", "_columns": "日期,AQI"}
    page = client.get("/api/datasets/air-quality/rows", params=params).json()
    assert page["rows"] and all(set(r) == {"日期", "AQI"} and r["AQI"] >= 100 for r in page["rows"])
    nulls = client.get("/api/datasets/air-quality/rows", params={"AQI__isnull": "true"}).json()
    assert nulls["total"] == 10 and all(r["AQI"] is None for r in nulls["rows"])


def test_rows_as_csv_are_defused_and_linked(client: TestClient) -> None:
    """CSV rows carry the total, a Link to the next page and defused formula cells."""
    answer = client.get("/api/datasets/air-quality/rows", params={"_format": "csv", "_limit": 4})
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["x-total-count"] == "120" and 'rel="next"' in answer.headers["link"]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["监测站点", "日期", "AQI", "空气质量等级"] and len(rows) == 5
    assert rows[4][3] == "'=HYPERLINK(1)"


def test_rows_limit_is_capped(client: TestClient) -> None:
    """Asking for more rows than the cap returns the cap, not an error."""
    page = client.get("/api/datasets/air-quality/rows", params={"_limit": 100000}).json()
    assert page["limit"] == 1000 and len(page["rows"]) == 120


def test_invalid_filter_is_400_naming_the_field(client: TestClient) -> None:
    """A filter on a missing column or with a non-number for a number column is 400."""
    for params, field in (({"风速__gt": "3"}, "风速"), ({"AQI__lt": "high"}, "AQI__lt")):
        answer = client.get("/api/datasets/air-quality/rows", params=params)
        assert answer.status_code == 400 and field in answer.json()["error"]["message"]


def test_conditional_rows_are_never_served(client: TestClient) -> None:
    """A T2 dataset's metadata is public; its rows are 403 with a pointer to apply."""
    assert client.get("/api/datasets/annual-reports").json()["tier"] == "T2"
    answer = client.get("/api/datasets/annual-reports/rows")
    assert answer.status_code == 403 and "apply" in answer.json()["error"]["message"]


@pytest.fixture
def limited(tmp_path) -> Iterator[LabServices]:
    services = open_services(
        LabSettings(home=tmp_path / "home", portal_rate_anonymous=3, portal_rate_keyed=6)
    )
    try:
        yield services
    finally:
        services.close()


def test_rate_limit_429_with_retry_after_and_keys_get_more(limited: LabServices, tmp_path) -> None:
    """Anonymous callers get 3 requests, a key 6; then 429 with Retry-After in the lab shape."""
    seed_portal(limited, tmp_path)
    key = developer_key(limited)
    with TestClient(create_app(limited)) as client:
        answers = [client.get("/api/datasets").status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        refused = client.get("/api/datasets/air-quality")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert refused.json()["error"]["code"] == "rate_limited"
        keyed = [
            client.get("/api/datasets", headers={"Authorization": f"Bearer {key}"}).status_code
            for _ in range(7)
        ]
        assert keyed == [200] * 6 + [429]
        bad = client.get(
            "/api/datasets", headers={"Authorization": "Bearer cdl_00000000_" + "x" * 43}
        )
        assert bad.status_code == 401
