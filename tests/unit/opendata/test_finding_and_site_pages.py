"""What a visitor meets around the search: English plurals, matched terms marked, help when
nothing matches, 热门 and 最新 as two different lists, and the about/contact/privacy/terms pages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.db import transaction
from lab.services import LabServices
from opendata.portal.usage import record_download, record_view
from opendata.web.highlight import marked
from tests.unit.opendata.seed import add_dataset


@pytest.fixture
def lab(sqlite_lab: LabServices) -> LabServices:
    """Air quality (older) and bus routes (newer), on different topics."""
    add_dataset(
        sqlite_lab,
        "air-quality",
        "空气质量日报",
        title_en="Daily air quality",
        topic="生态环境",
        description="各区空气质量指数 AQI。",
        age_days=30,
    )
    add_dataset(
        sqlite_lab,
        "bus-routes",
        "公交线路",
        title_en="Bus routes",
        topic="交通出行",
        description="线路、站点与票价。",
        age_days=1,
    )
    return sqlite_lab


@pytest.fixture
def client(lab: LabServices):
    with TestClient(create_app(lab)) as test_client:
        yield test_client


def _count(page: str) -> str:
    return re.search(r'id="result-count"[^>]*>([^<]*)<', page)[1]


def test_english_counts_say_one_dataset_and_two_datasets(client: TestClient) -> None:
    """ "1 dataset" for one hit, "2 datasets" for two; Chinese needs no plural."""
    assert _count(client.get("/catalogue?q=bus&lang=en").text) == "1 dataset"
    assert _count(client.get("/catalogue?lang=en").text) == "2 datasets"
    assert _count(client.get("/catalogue?q=公交&lang=zh").text) == "共 1 个数据集"


def test_search_marks_the_matched_terms(client: TestClient) -> None:
    """Each term is marked in the result's title and description, in either language."""
    chinese = client.get("/catalogue?q=空气 AQI").text
    assert "<mark>空气</mark>质量日报" in chinese and "<mark>AQI</mark>" in chinese
    english = client.get("/catalogue?q=air&lang=en").text
    assert "Daily <mark>air</mark> quality" in english
    assert "<mark>" not in client.get("/").text


def test_marking_escapes_the_text_and_anchors_ascii_terms() -> None:
    """The text is escaped (a title cannot inject markup); "air" is not marked in "repair"."""
    assert (
        str(marked("<b>Air</b> repair", ("air",))) == "&lt;b&gt;<mark>Air</mark>&lt;/b&gt; repair"
    )
    assert str(marked("a<b", ())) == "a&lt;b"


def test_no_hit_search_suggests_terms_that_find_something_and_topics(client) -> None:
    """空气 公交 matches no one dataset: each word alone is offered with its count, and the
    topics; a phrase with no hit is tried by its two-character pieces, the first 20 only."""
    page = client.get("/catalogue", params={"q": "空气 公交"}).text
    assert 'id="suggestions"' in page
    assert 'href="/catalogue?q=%E7%A9%BA%E6%B0%94">空气</a> <span class="meta">(1)' in page
    assert ">公交</a>" in page
    assert 'href="/catalogue?topic=%E4%BA%A4%E9%80%9A%E5%87%BA%E8%A1%8C">交通出行</a>' in page
    phrase = client.get("/catalogue", params={"q": "公交车辆"}).text
    assert ">公交</a>" in phrase and ">车辆</a>" not in phrase
    rare = "".join(chr(0x4E00 + i) for i in range(60))  # 一丁丂七… found in no dataset
    long = client.get("/catalogue", params={"q": rare + "公交"}).text
    assert ">公交</a>" not in long and ">交通出行</a>" in long  # only the first 20 pieces tried
    found = client.get("/catalogue", params={"q": "公交"}).text
    assert 'id="suggestions"' not in found


def _first_title(page: str, section: str) -> str:
    return re.search(rf'id="{section}".*?<h3><a [^>]*>([^<]*)<', page, re.S)[1]


def test_popular_and_latest_are_different_lists(client: TestClient, lab) -> None:
    """With no use yet 热门 says so instead of repeating 最新; once the older dataset is viewed
    and downloaded it leads 热门 while 最新 still leads with the newest publication."""
    fresh = client.get("/").text
    assert "还没有浏览或下载记录" in fresh and _first_title(fresh, "latest") == "公交线路"
    with transaction(lab.sessions) as session:
        record_view(session, "air-quality")
        record_download(session, "air-quality", "csv")
    used = client.get("/").text
    assert _first_title(used, "popular") == "空气质量日报"
    assert _first_title(used, "latest") == "公交线路"
    assert "公交线路" not in used.split('id="popular"')[1].split('id="latest"')[0]


@pytest.mark.parametrize(
    ("path", "chinese", "english"),
    [
        ("/about", "关于我们", "About"),
        ("/contact", "联系我们", "Contact"),
        ("/privacy", "隐私说明", "Privacy"),
        ("/terms", "使用条款", "Terms of use"),
    ],
)
def test_site_pages_in_both_languages_linked_from_every_page(client, path, chinese, english):
    """Each standing page answers in Chinese and English, and every portal page links it."""
    zh = client.get(path)
    assert zh.status_code == 200 and f'<h1 id="info-title">{chinese}</h1>' in zh.text
    en = client.get(f"{path}?lang=en")
    assert '<html lang="en">' in en.text and f'<h1 id="info-title">{english}</h1>' in en.text
    assert not re.search(r"[\u3400-\u9fff]", en.text.split("<main")[1].split("</main>")[0])
    assert f'href="{path}"' in client.get("/catalogue").text


def test_terms_page_links_both_licences(client: TestClient) -> None:
    """The terms name the open licence and the conditional-use licence."""
    page = client.get("/terms").text
    assert 'href="/licences/conditional-use"' in page and "CC" in page


def test_english_pages_name_topics_and_departments_in_english(client: TestClient) -> None:
    """Facets, cards and the departments list are English on English pages; the links keep
    the stored Chinese value, so filters still work; Chinese pages are unchanged."""
    english = client.get("/catalogue?lang=en").text
    assert ">Transport</a>" in english and ">Environment</a>" in english
    assert "Big Data Bureau" in english and ">交通出行<" not in english
    assert 'href="/catalogue?topic=%E4%BA%A4%E9%80%9A%E5%87%BA%E8%A1%8C"' in english
    filtered = client.get("/catalogue", params={"topic": "交通出行", "lang": "en"}).text
    assert _count(filtered) == "1 dataset"
    assert "Big Data Bureau" in client.get("/departments?lang=en").text
    assert ">交通出行</a>" in client.get("/catalogue?lang=zh").text
