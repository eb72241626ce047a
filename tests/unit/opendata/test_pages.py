"""The portal's pages: Chinese by default, English on request, every section of a dataset page."""

from __future__ import annotations

import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.catalogue.dictionary import DataDictionary
from lab.catalogue.portal_workflow.feedback import open_feedback
from lab.services import LabServices
from tests.unit.lab.catalogue.conditional import publish_conditional
from tests.unit.opendata.seed import publish_table, write_csv

AIR_ROWS = [
    [f"2026-{1 + i % 9:02d}-{1 + i % 27:02d} {i % 24:02d}:00", "市南区", str(20 + i % 50), "良"]
    for i in range(300)
]


@pytest.fixture
def client(sqlite_lab: LabServices, tmp_path):
    path = write_csv(tmp_path / "air.csv", ["监测时间", "区", "AQI", "等级"], AIR_ROWS)
    publish_table(
        sqlite_lab,
        path,
        "air-quality-hourly",
        title="空气质量小时数据",
        title_en="Hourly air quality",
        topic="生态环境",
        tags=("空气质量",),
        update_frequency="hourly",
    )
    publish_conditional(sqlite_lab, tmp_path, "annual-bands")
    with TestClient(create_app(sqlite_lab)) as test_client:
        yield test_client


def test_home_is_chinese_with_search_and_datasets(client: TestClient) -> None:
    """The home page sets lang=zh-CN and lists the datasets, with a search form."""
    page = client.get("/")
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text
    assert 'role="search"' in page.text and "空气质量小时数据" in page.text
    assert "/portal/static/portal.css" in page.text and "http" not in page.text.split("<body")[0]


def test_english_switch_is_remembered(client: TestClient) -> None:
    """?lang=en renders English with lang=en and a cookie; later pages stay English."""
    english = client.get("/?lang=en")
    assert '<html lang="en">' in english.text and "City Open Data Portal" in english.text
    assert "Hourly air quality" in english.text
    assert '<html lang="en">' in client.get("/catalogue").text
    assert '<html lang="zh-CN">' in client.get("/catalogue?lang=zh").text


def test_catalogue_search_facets_and_sorting(client: TestClient) -> None:
    """Searching 空气质量 finds the dataset; facets and sort options are offered and applied."""
    found = client.get("/catalogue", params={"q": "空气质量"})
    assert "共 1 个数据集" in found.text and "/datasets/air-quality-hourly" in found.text
    for legend in ("主题", "部门", "开放属性", "格式", "更新频率", "标签"):
        assert f"<legend>{legend}</legend>" in found.text
    narrowed = client.get("/catalogue", params={"tier": "T2"})
    assert "/datasets/annual-bands" in narrowed.text
    assert "/datasets/air-quality-hourly" not in narrowed.text
    assert 'value="title" selected' in client.get("/catalogue?sort=title").text
    bad = client.get("/catalogue?sort=nonsense")
    assert bad.status_code == 400 and 'role="alert"' in bad.text


def test_dataset_page_has_every_section(client: TestClient) -> None:
    """Tier badge, frequency, last update, dictionary, quality, preview, chart, downloads, API."""
    page = client.get("/datasets/air-quality-hourly").text
    assert 'id="tier-badge">T1 · 无条件开放' in page
    assert 'id="frequency">每小时' in page and 'id="last-updated"' in page
    assert '<th scope="row">AQI</th><td>数值</td>' in page
    assert 'id="quality-summary">300 行 × 4 列' in page
    assert len(re.findall(r"<tr><td>2026-", page)) == 10
    assert "<svg" in page and "<polyline" in page
    for fmt in ("csv", "xlsx", "json", "parquet"):
        assert f'id="download-{fmt}"' in page
    assert "/api/datasets/air-quality-hourly/rows" in page and "package_show" in page
    assert 'id="views">1<' in page
    assert 'id="views">2<' in client.get("/datasets/air-quality-hourly").text


def test_page_shows_checksums_before_any_download(client: TestClient) -> None:
    """CSV, JSON and Parquet show size and SHA-256 at once (XLSX once built); they match."""
    page = client.get("/datasets/air-quality-hourly").text
    assert 'id="downloads">0<' in page and 'id="sha256-xlsx"' not in page
    for fmt in ("csv", "json", "parquet"):
        body = client.get(f"/datasets/air-quality-hourly/download/{fmt}").content
        assert f'id="sha256-{fmt}">{hashlib.sha256(body).hexdigest()}<' in page
    client.get("/datasets/air-quality-hourly/download/xlsx")
    page = client.get("/datasets/air-quality-hourly").text
    assert 'id="sha256-xlsx"' in page and 'id="downloads">4<' in page


def test_conditional_dataset_page_shows_no_rows_and_offers_an_application(client) -> None:
    """A T2 page has metadata and the apply link, never a preview, chart or open download."""
    page = client.get("/datasets/annual-bands").text
    assert "T2 · 有条件开放" in page and 'href="/apply/annual-bands"' in page
    assert 'id="preview"' not in page and "<svg" not in page and "download/csv" not in page


def test_unknown_dataset_is_a_404_page(client: TestClient) -> None:
    """An unknown slug answers 404 with the portal's page, in the visitor's language."""
    page = client.get("/datasets/does-not-exist")
    assert page.status_code == 404 and "页面不存在" in page.text


def test_departments_and_api_guide(client: TestClient) -> None:
    """Departments list their datasets; the API guide shows examples and the manifest key."""
    assert "市生态环境局" in client.get("/departments").text
    department = client.get("/departments/市生态环境局")
    assert "空气质量小时数据" in department.text and "企业年报" not in department.text
    assert client.get("/departments/无此部门").status_code == 404
    guide = client.get("/api-guide").text
    assert "package_search" in guide and re.search(r'id="manifest-key">[0-9a-f]{64}<', guide)


def test_feedback_shows_the_five_working_day_clock(client: TestClient) -> None:
    """A correction is stored and answered with its due date; a short one is refused inline."""
    form = client.get("/feedback?kind=correction&dataset=air-quality-hourly").text
    assert "5 个工作日" in form and 'value="correction" checked' in form
    short = client.post("/feedback", data={"kind": "suggestion", "message": "短", "contact": "x"})
    assert short.status_code == 400 and 'id="message-error">10–4000 个字' in short.text
    done = client.post(
        "/feedback",
        data={
            "kind": "correction",
            "dataset": "air-quality-hourly",
            "message": "2026-03-02 08:00 的 AQI 明显偏高，请核实。",
            "contact": "13800000000",
        },
    )
    assert done.status_code == 200 and 'id="due"' in done.text and "剩余 5 个工作日" in done.text
    with client.app.state.services.sessions() as session:
        assert [row.kind for row in open_feedback(session)] == ["correction"]
    restricted = client.post(
        "/feedback",
        data={
            "kind": "correction",
            "dataset": "no-such",
            "message": "这是一条测试内容的纠错。",
            "contact": "x@y.z",
        },
    )
    assert restricted.status_code == 400 and 'id="dataset-error"' in restricted.text


def test_feedback_posts_are_limited_per_address(client: TestClient) -> None:
    """Five notes a minute from one address are kept; the sixth is refused with Retry-After."""
    note = {"kind": "suggestion", "message": "希望增加更多公交实时数据。", "contact": "x@y.z"}
    answers = [client.post("/feedback", data=note) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert int(answers[5].headers["retry-after"]) >= 1
    with client.app.state.services.sessions() as session:
        assert len(open_feedback(session)) == 5


def test_dataset_page_maps_coordinates_and_draws_no_line_of_longitude(
    sqlite_lab: LabServices, tmp_path
) -> None:
    """A published table with time, longitude, latitude and an id → the page shows a map of
    its points (inline SVG, no external URL) with its text alternative, and no line."""
    rows = [
        [f"2026-{1 + i % 6:02d}-01", f"{120.30 + i / 1000:.4f}", f"{36.05 + i / 2000:.4f}", i]
        for i in range(40)
    ]
    path = write_csv(tmp_path / "stops.csv", ["日期", "经度", "纬度", "编号"], rows)
    dictionary = DataDictionary.from_pairs(
        [
            ("经度", "站点 WGS-84 经度（度）"),
            ("纬度", "站点 WGS-84 纬度（度）"),
            ("编号", "站点编号"),
        ]
    )
    publish_table(sqlite_lab, path, "stops", title="站点", dictionary=dictionary)
    with TestClient(create_app(sqlite_lab)) as client:
        page = client.get("/datasets/stops").text
        english = client.get("/datasets/stops?lang=en").text
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'class="chart chart-map"' in svg and svg.count("<circle") == 40
    assert "<polyline" not in page and "位置分布（经度、纬度）" in page
    assert "40 个点，经度 120.3–120.339，纬度 36.05–36.0695" in page
    assert "40 points, longitude 120.3–120.339, latitude 36.05–36.0695" in english
    assert "个点" not in english  # the summary follows the page's language
    assert not re.search(r"https?:", svg.replace('xmlns="http://www.w3.org/2000/svg"', ""))
