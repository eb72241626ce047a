"""Metadata export: DCAT-AP JSON-LD and data.json list T1/T2 with their access levels, never T3+;
controlled values are authority-table IRIs from the one mapping file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.services import LabServices
from opendata.portal.pod import access_level, periodicity
from opendata.vocabularies import authority, parse_authority
from opendata.vocabularies.authority import MAPPING_FILE
from tests.unit.opendata.portal_app import seed_portal
from tests.unit.opendata.seed import CANARY


@pytest.fixture
def client(sqlite_lab: LabServices, tmp_path) -> Iterator[TestClient]:
    seed_portal(sqlite_lab, tmp_path)
    with TestClient(create_app(sqlite_lab)) as test_client:
        yield test_client


def test_tiers_map_to_access_levels() -> None:
    """T1 public, T2 restricted public, anything stricter non-public."""
    assert [access_level(t) for t in ("T1", "T2", "T3", "T4", "T5")] == [
        "public",
        "restricted public",
        "non-public",
        "non-public",
        "non-public",
    ]
    assert periodicity("每日") == "R/P1D" and periodicity("不定期") == "irregular"
    assert periodicity("每两年一次") == "irregular"


def test_frequencies_map_to_the_eu_table() -> None:
    """English keys and Chinese names reach one EU frequency; anything else is UNKNOWN."""
    eu = "http://publications.europa.eu/resource/authority/frequency/"
    table = authority()
    assert table.frequency("每日").eu.iri == table.frequency("daily").eu.iri == f"{eu}DAILY"
    assert table.frequency("Yearly").eu.iri == f"{eu}ANNUAL"
    assert table.frequency("实时").eu.iri == f"{eu}UPDATE_CONT"
    assert table.frequency("每两年一次").eu.iri == f"{eu}UNKNOWN"


def test_the_mapping_file_refuses_a_code_it_does_not_define() -> None:
    """A topic mapped to an EU theme code the file does not list is a ValueError naming it."""
    shipped = MAPPING_FILE.read_text(encoding="utf-8")
    text = shipped.replace('"交通运输" = ["TRAN"]', '"交通运输" = ["TRANS"]')
    with pytest.raises(ValueError, match="TRANS"):
        parse_authority(text)


def test_data_json_lists_open_and_conditional_only(client: TestClient) -> None:
    """data.json has the T1 dataset with downloads and the T2 one with an access URL only."""
    answer = client.get("/data.json")
    catalogue = answer.json()
    levels = {d["title"]: d["accessLevel"] for d in catalogue["dataset"]}
    assert levels == {"青岛市空气质量日报": "public", "企业年报信息": "restricted public"}
    by_level = {d["accessLevel"]: d for d in catalogue["dataset"]}
    assert all("downloadURL" in x for x in by_level["public"]["distribution"])
    assert all("downloadURL" not in x for x in by_level["restricted public"]["distribution"])
    assert by_level["public"]["accrualPeriodicity"] == "R/P1D"
    assert by_level["public"]["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert by_level["restricted public"]["license"].endswith("/licences/conditional-use")
    assert CANARY not in answer.text


def test_dcat_catalogue_has_the_minimum_fields(client: TestClient) -> None:
    """Catalogue title, description, publisher; dataset title, description; accessURL."""
    answer = client.get("/catalog.jsonld")
    assert answer.headers["content-type"].startswith("application/ld+json")
    catalogue = answer.json()
    assert catalogue["@type"] == "dcat:Catalog"
    assert catalogue["dct:title"]["@value"] and catalogue["dct:description"]["@value"]
    assert catalogue["dct:publisher"]["foaf:name"]["@value"]
    assert len(catalogue["dcat:dataset"]) == 2
    for dataset in catalogue["dcat:dataset"]:
        assert dataset["dct:title"]["@value"] and dataset["dct:description"]["@value"]
        assert all(d["dcat:accessURL"]["@id"] for d in dataset["dcat:distribution"])
    by_slug = {d["dct:identifier"]: d for d in catalogue["dcat:dataset"]}
    rights = {slug: d["dct:accessRights"]["@id"] for slug, d in by_slug.items()}
    assert rights["annual-reports"].endswith("RESTRICTED") and rights["air-quality"].endswith(
        "PUBLIC"
    )
    assert CANARY not in answer.text and "tax-secret" not in answer.text
    air = by_slug["air-quality"]
    eu = "http://publications.europa.eu/resource/authority"
    assert air["dct:accrualPeriodicity"]["@id"] == f"{eu}/frequency/DAILY"
    formats = {d["dct:format"]["@id"] for d in air["dcat:distribution"]}
    assert formats == {f"{eu}/file-type/{code}" for code in ("CSV", "XLSX", "JSON", "PARQUET")}
    assert {d["dcat:mediaType"]["@id"] for d in air["dcat:distribution"]} >= {
        "https://www.iana.org/assignments/media-types/text/csv"
    }
    assert all(d["dct:license"]["@id"].endswith("CC_BY_4_0") for d in air["dcat:distribution"])


def test_dataset_pages_name_the_licence_the_export_names(client: TestClient) -> None:
    """The page links the dataset's licence (CC BY for T1, the use agreement for T2), and the
    agreement's page lists the pledge a conditional-data applicant signs."""
    open_page = client.get("/datasets/air-quality").text
    assert 'id="licence"><a href="https://creativecommons.org/licenses/by/4.0/"' in open_page
    conditional = client.get("/datasets/annual-reports").text
    assert "/licences/conditional-use" in conditional
    terms = client.get("/licences/conditional-use")
    assert terms.status_code == 200
    assert "不向任何第三方提供、转让或公开数据及其副本" in terms.text
    english = client.get("/licences/conditional-use?lang=en").text
    assert "Not give, transfer or publish the data" in english


def test_topics_form_a_concept_scheme(client: TestClient) -> None:
    """/themes.jsonld: a SKOS scheme whose concepts carry the Chinese topic names and their
    EU data themes; the dataset's dcat:theme names both."""
    scheme = client.get("/themes.jsonld").json()
    assert scheme["@type"] == "skos:ConceptScheme"
    concepts = {c["skos:prefLabel"]["@value"]: c for c in scheme["skos:hasTopConcept"]}
    eco = concepts["生态环境"]
    assert eco["skos:prefLabel"]["@language"] == "zh"
    env = "http://publications.europa.eu/resource/authority/data-theme/ENVI"
    assert eco["skos:exactMatch"] == [{"@id": env}]
    air = next(
        d
        for d in client.get("/catalog.jsonld").json()["dcat:dataset"]
        if d["dct:identifier"] == "air-quality"
    )
    assert {t["@id"] for t in air["dcat:theme"]} == {env, eco["@id"]}
