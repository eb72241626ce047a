"""Metadata export: DCAT-AP JSON-LD and data.json list T1/T2 with their access levels, never T3+."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lab.api.app import create_app
from lab.services import LabServices
from opendata.dcat import access_level, periodicity
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
    assert CANARY not in answer.text


def test_dcat_catalogue_has_the_minimum_fields(client: TestClient) -> None:
    """Catalogue title, description, publisher; dataset title, description; accessURL."""
    answer = client.get("/catalog.jsonld")
    assert answer.headers["content-type"].startswith("application/ld+json")
    catalogue = answer.json()
    assert catalogue["@type"] == "dcat:Catalog"
    assert catalogue["dct:title"]["@value"] and catalogue["dct:description"]["@value"]
    assert catalogue["dct:publisher"]["foaf:name"]
    assert len(catalogue["dcat:dataset"]) == 2
    for dataset in catalogue["dcat:dataset"]:
        assert dataset["dct:title"]["@value"] and dataset["dct:description"]["@value"]
        assert all(d["dcat:accessURL"]["@id"] for d in dataset["dcat:distribution"])
    rights = {d["dct:identifier"]: d["dct:accessRights"]["@id"] for d in catalogue["dcat:dataset"]}
    assert rights["annual-reports"].endswith("RESTRICTED") and rights["air-quality"].endswith(
        "PUBLIC"
    )
    assert CANARY not in answer.text and "tax-secret" not in answer.text
