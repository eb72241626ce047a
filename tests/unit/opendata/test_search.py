"""Catalogue search: Chinese of any length and English, ranking, facets, on both databases."""

from __future__ import annotations

import pytest

from lab.clock import now
from lab.db import transaction
from lab.db.models import Dataset
from lab.errors import InvalidInput
from lab.services import LabServices
from opendata.portal.search import SearchQuery, normalise, search
from opendata.portal.usage import record_view
from tests.unit.opendata.seed import CANARY, add_dataset


@pytest.fixture
def catalogue(lab: LabServices) -> LabServices:
    add_dataset(
        lab,
        "qingdao-air",
        "青岛市空气质量日报",
        title_en="Qingdao daily air quality",
        topic="生态环境",
        department="市生态环境局",
        tags=("空气", "环境"),
        age_days=3,
    )
    add_dataset(
        lab,
        "bus-routes",
        "公交线路",
        title_en="Bus routes",
        topic="交通出行",
        department="市交通运输局",
        tags=("交通",),
        description="青岛公交线路与站点",
        age_days=2,
    )
    add_dataset(
        lab,
        "qingyang-parks",
        "公园名录",
        title_en="Parks directory",
        topic="城市建设",
        department="市园林局",
        description="含青年公园",
        tags=("环境",),
        age_days=1,
    )
    add_dataset(lab, "annual", "企业年报信息", tier="T2", topic="市场监管", department="市场监管局")
    add_dataset(
        lab,
        "tax-secret",
        f"青岛空气质量纳税{CANARY}",
        tier="T3",
        topic=f"机密{CANARY}",
        department=f"税务{CANARY}",
        tags=(f"标签{CANARY}", "空气"),
    )
    add_dataset(lab, "repair-shops", "维修网点", title_en="Repair shops", age_days=5)
    return lab


def slugs(lab: LabServices, text: str = "", **kwargs) -> list[str]:
    with transaction(lab.sessions) as session:
        page = search(session, SearchQuery(text=text, **kwargs))
    return [d.slug for d in page.results]


def test_one_character_chinese_term(catalogue: LabServices) -> None:
    """青 (one character) matches every visible dataset holding it, title first, then newest."""
    assert slugs(catalogue, "青") == ["qingdao-air", "qingyang-parks", "bus-routes"]


def test_two_character_chinese_term(catalogue: LabServices) -> None:
    """青岛 (two characters, where trigram indexes fail) matches title and description."""
    assert slugs(catalogue, "青岛") == ["qingdao-air", "bus-routes"]


def test_three_plus_character_chinese_term(catalogue: LabServices) -> None:
    """空气质量 finds the air dataset and never the restricted one that also says it."""
    assert slugs(catalogue, "空气质量") == ["qingdao-air"]


def test_english_words_match_at_word_start(catalogue: LabServices) -> None:
    """'air' finds 'air quality' but not 'repair'; case and width are normalised."""
    assert slugs(catalogue, "AIR") == ["qingdao-air"]
    assert slugs(catalogue, "ｂｕｓ routes") == ["bus-routes"]
    assert slugs(catalogue, "pair") == []


def test_all_terms_must_match(catalogue: LabServices) -> None:
    """Several terms narrow the results (AND), in any field."""
    assert slugs(catalogue, "青岛 交通") == ["bus-routes"]


def test_title_outranks_keywords_outranks_body(catalogue: LabServices) -> None:
    """A title match beats keyword matches, which beat a newer body-only match."""
    add_dataset(catalogue, "env-report", "环境质量公报", age_days=9)
    add_dataset(catalogue, "noise", "噪声监测", description="声环境功能区", age_days=0)
    assert slugs(catalogue, "环境") == ["env-report", "qingyang-parks", "qingdao-air", "noise"]


def test_facets_count_only_visible_matches(catalogue: LabServices) -> None:
    """Facet counts cover the matching visible datasets; restricted values never appear."""
    with transaction(catalogue.sessions) as session:
        page = search(session, SearchQuery(text=""))
    assert page.total == 5
    assert dict(page.facets["tier"]) == {"T1": 4, "T2": 1}
    assert dict(page.facets["tags"]) == {"环境": 2, "空气": 1, "交通": 1}
    assert dict(page.facets["format"]) == {"csv": 5, "xlsx": 5, "json": 5, "parquet": 5}
    flat = repr(page)
    assert CANARY not in flat and "tax-secret" not in flat


def test_filters_combine_any_within_all_across(catalogue: LabServices) -> None:
    """Values of one facet are OR-ed, facets are AND-ed, and counts follow the filters."""
    query = {"tags": ("环境", "交通"), "tier": ("T1",)}
    with transaction(catalogue.sessions) as session:
        page = search(session, SearchQuery(filters=query, sort="title"))
    assert [d.slug for d in page.results] == ["bus-routes", "qingyang-parks", "qingdao-air"]
    assert dict(page.facets["department"]) == {"市交通运输局": 1, "市园林局": 1, "市生态环境局": 1}


def test_paging_sorting_and_popularity(catalogue: LabServices) -> None:
    """Offset/limit page through a stable order; sorting by views follows live usage."""
    everything = slugs(catalogue, sort="last_updated", limit=100)
    paged = [
        s for o in range(0, 6, 2) for s in slugs(catalogue, sort="last_updated", offset=o, limit=2)
    ]
    assert paged == everything and len(everything) == 5
    with transaction(catalogue.sessions) as session:
        record_view(session, "repair-shops")
    assert slugs(catalogue, sort="views")[0] == "repair-shops"


def test_changed_and_withdrawn_datasets_are_reindexed(catalogue: LabServices) -> None:
    """A retitled dataset is found by its new words; a dataset raised to T3 disappears."""
    with transaction(catalogue.sessions) as session:
        dataset = session.query(Dataset).filter_by(slug="repair-shops").one()
        dataset.title, dataset.updated_at = "自行车维修", now()
    assert slugs(catalogue, "自行车") == ["repair-shops"]
    add_dataset(catalogue, "later-secret", "自行车机密", tier="T3")
    assert slugs(catalogue, "自行车") == ["repair-shops"]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"filters": {"colour": ("red",)}}, "colour"),
        ({"sort": "random"}, "sort"),
        ({"limit": 5000}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_bad_queries_name_the_field(arguments: dict, field: str) -> None:
    """An unknown filter, sort or out-of-range page is refused naming the field."""
    with pytest.raises(InvalidInput, match=field):
        SearchQuery(**arguments)


def test_normalise_pads_words_and_folds_width() -> None:
    """Normalisation: NFKC, lower case, punctuation to single spaces, padded."""
    assert normalise("ＰＭ２.５，青岛-Air") == " pm2 5 青岛 air "
