"""The CKAN-compatible Action API over HTTP: envelope, error types and codes, loose parameters."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.services import LabServices, open_services
from lab.settings import LabSettings
from opendata.ckan.shapes import group_name
from tests.unit.opendata.portal_app import seed_portal
from tests.unit.opendata.seed import CANARY, add_dataset

PREFIXES = ("/api/action", "/api/3/action")


@pytest.fixture
def client(sqlite_lab: LabServices, tmp_path) -> Iterator[TestClient]:
    seed_portal(sqlite_lab, tmp_path)
    with TestClient(create_app(sqlite_lab)) as test_client:
        yield test_client


def error_of(answer) -> dict:
    body = answer.json()
    assert body["success"] is False and body["help"].endswith(
        "help_show?name=" + answer.url.path.rsplit("/", 1)[-1]
    )
    return body["error"]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_envelope_on_get_and_post(client: TestClient, prefix: str) -> None:
    """GET and POST on both prefixes answer {help, success, result}."""
    got = client.get(f"{prefix}/package_list").json()
    posted = client.post(f"{prefix}/package_list", json={}).json()
    assert got["success"] is True and got["result"] == ["air-quality", "annual-reports"]
    assert posted["result"] == got["result"] and "help_show" in posted["help"]


def test_package_search_string_numbers_unknown_keys_and_paging(client: TestClient) -> None:
    """String numbers are read, unknown keys ignored, a page past the end is empty."""
    body = {
        "q": "*:*",
        "rows": "1",
        "start": "1",
        "sort": "metadata_modified desc",
        "frobnicate": 1,
    }
    result = client.post("/api/3/action/package_search", json=body).json()["result"]
    assert result["count"] == 2 and len(result["results"]) == 1
    past = client.get("/api/action/package_search", params={"rows": 5, "start": 10}).json()
    assert past["result"]["results"] == [] and past["result"]["count"] == 2


def test_package_search_fq_and_facets_hide_restricted(client: TestClient) -> None:
    """fq filters by CKAN field names; search_facets count only visible datasets."""
    params = {
        "fq": 'tags:空气 res_format:"CSV"',
        "facet.field": '["tags","organization","res_format"]',
    }
    result = client.get("/api/action/package_search", params=params).json()["result"]
    assert [p["name"] for p in result["results"]] == ["air-quality"]
    tags = {i["name"]: i["count"] for i in result["search_facets"]["tags"]["items"]}
    assert tags == {"空气": 1, "环境": 1} and result["facets"]["res_format"] == {
        "CSV": 1,
        "XLSX": 1,
        "JSON": 1,
        "PARQUET": 1,
    }
    everything = client.get(
        "/api/action/package_search",
        params={"facet.field": '["tags","organization","groups"]', "facet.limit": "-1"},
    )
    assert CANARY not in everything.text and "tax-secret" not in everything.text


def test_rows_beyond_the_cap_are_capped(client: TestClient) -> None:
    """rows above 1000 is cut to 1000, not refused."""
    for index in range(3):
        add_dataset(client.app.state.services, f"extra-{index}", f"附加{index}")
    result = client.get("/api/action/package_search", params={"rows": "5000"}).json()["result"]
    assert result["count"] == 5 and len(result["results"]) == 5


def test_package_show_and_resources(client: TestClient) -> None:
    """A T1 package lists its four formats with datastore; a T2 one an application resource."""
    package = client.get("/api/action/package_show", params={"id": "air-quality"}).json()["result"]
    assert [r["format"] for r in package["resources"]] == ["CSV", "XLSX", "JSON", "PARQUET"]
    assert all(r["datastore_active"] for r in package["resources"])
    assert {"key": "access_level", "value": "public"} in package["extras"]
    conditional = client.post("/api/action/package_show", json={"id": "annual-reports"}).json()[
        "result"
    ]
    assert [r["datastore_active"] for r in conditional["resources"]] == [False]
    resource = client.get("/api/action/resource_show", params={"id": "air-quality.csv"}).json()
    assert resource["result"]["url"].endswith("/datasets/air-quality/download/csv")


@pytest.mark.parametrize(
    ("action", "params"),
    [
        ("package_show", {"id": "tax-secret"}),
        ("package_show", {"id": "no-such"}),
        ("resource_show", {"id": "tax-secret.csv"}),
        ("datastore_search", {"resource_id": "tax-secret.csv"}),
        ("organization_show", {"id": f"税务局{CANARY}"}),
    ],
)
def test_restricted_and_unknown_are_not_found(
    client: TestClient, action: str, params: dict
) -> None:
    """Restricted things answer 404 "Not Found Error" exactly like missing ones, no canary."""
    answer = client.get(f"/api/action/{action}", params=params)
    assert answer.status_code == 404 and error_of(answer)["__type"] == "Not Found Error"
    assert CANARY not in answer.text


def test_authorization_errors(client: TestClient) -> None:
    """Write actions, a bad key and conditional rows answer 403 "Authorization Error"."""
    for answer in (
        client.post("/api/action/package_create", json={"name": "x"}),
        client.get("/api/action/package_list", headers={"Authorization": "not-a-key"}),
        client.get(
            "/api/action/datastore_search", params={"resource_id": "annual-reports.extract"}
        ),
    ):
        assert answer.status_code == 403 and error_of(answer)["__type"] == "Authorization Error"


def test_validation_and_search_query_errors(client: TestClient) -> None:
    """Bad parameters are 409 "Validation Error" naming the field; bad fq/sort are 400."""
    bad_rows = client.get("/api/action/package_search", params={"rows": "many"})
    assert bad_rows.status_code == 409 and error_of(bad_rows)["rows"] == [
        "Must be a natural number"
    ]
    missing = client.get("/api/action/package_show")
    assert missing.status_code == 409 and "id" in error_of(missing)
    bad_filter = client.post(
        "/api/action/datastore_search",
        json={"resource_id": "air-quality.csv", "filters": {"风速": 1}},
    )
    assert bad_filter.status_code == 409 and "风速" in error_of(bad_filter)["message"]
    for params in ({"fq": "colour:red"}, {"sort": "random desc"}):
        answer = client.get("/api/action/package_search", params=params)
        assert answer.status_code == 400 and error_of(answer)["__type"] == "Search Query Error"


def test_malformed_and_oversized_bodies_and_unknown_actions(client: TestClient) -> None:
    """Broken JSON and unknown actions are 400, bodies over 64 KB 413, all in CKAN's envelope."""
    broken = client.post(
        "/api/action/package_list",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert broken.status_code == 400 and "JSON" in error_of(broken)["message"]
    not_utf8 = client.post(
        "/api/action/package_list",
        content=b"\xff{}",
        headers={"Content-Type": "application/json"},
    )
    assert not_utf8.status_code == 400 and "UTF-8" in error_of(not_utf8)["message"]
    huge = client.post("/api/action/package_list", content=json.dumps({"q": "x" * 70_000}))
    assert huge.status_code == 413 and huge.json()["success"] is False
    unknown = client.get("/api/action/frobnicate")
    assert unknown.status_code == 400 and "not known" in error_of(unknown)["message"]


def test_datastore_search_filters_sort_limit(client: TestClient) -> None:
    """datastore_search filters (JSON in GET), sorts, caps limit and reports the total."""
    params = {
        "resource_id": "air-quality.csv",
        "filters": json.dumps({"监测站点": ["市南区站", "崂山区站"]}),
        "sort": "AQI desc",
        "limit": "5",
        "fields": "监测站点,AQI",
    }
    result = client.get("/api/action/datastore_search", params=params).json()["result"]
    assert result["total"] == 48 and len(result["records"]) == 5
    assert [f["id"] for f in result["fields"]] == ["监测站点", "AQI"]
    values = [r["AQI"] for r in result["records"]]
    assert values == sorted(values, reverse=True)
    capped = client.get(
        "/api/action/datastore_search", params={"resource_id": "air-quality", "limit": 99999}
    )
    assert capped.json()["result"]["limit"] == 1000


def test_organizations_groups_and_tags_count_visible_only(client: TestClient) -> None:
    """Departments, topics and tags with only restricted datasets are not listed."""
    orgs = client.get("/api/action/organization_list", params={"all_fields": "true"}).json()[
        "result"
    ]
    assert sorted(o["title"] for o in orgs) == ["市市场监管局", "市生态环境局"]
    shown = client.get(
        "/api/action/organization_show", params={"id": orgs[0]["name"], "include_datasets": "true"}
    )
    assert shown.json()["result"]["package_count"] == len(shown.json()["result"]["packages"]) == 1
    assert client.get("/api/action/group_list").json()["result"] == [group_name("生态环境")]
    assert client.get("/api/action/tag_list").json()["result"] == ["环境", "空气"]
    status = client.get("/api/action/status_show").json()["result"]
    assert status["ckan_version"] and "datastore" in status["extensions"]


def test_rate_limit_answers_in_ckan_shape(tmp_path) -> None:
    """Over the limit the CKAN routes answer 429 with Retry-After in CKAN's envelope."""
    services = open_services(LabSettings(home=tmp_path / "home", portal_rate_anonymous=2))
    try:
        with TestClient(create_app(services)) as client:
            answers = [client.get("/api/action/status_show") for _ in range(3)]
            assert [a.status_code for a in answers] == [200, 200, 429]
            assert (
                answers[2].json()["success"] is False
                and int(answers[2].headers["retry-after"]) >= 1
            )
    finally:
        services.close()


def test_openapi_documents_the_action_api(client: TestClient) -> None:
    """The app's OpenAPI schema builds (no duplicate operation ids) and lists /api/3/action."""
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/api/3/action/{name}"]) == {"get", "post"}
    assert "/api/action/{name}" not in paths
