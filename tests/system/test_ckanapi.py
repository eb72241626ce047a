"""The real ``ckanapi`` client against the portal served by uvicorn: it must just work."""

from __future__ import annotations

import json
from collections.abc import Iterator

import ckanapi
import pytest

from lab.services import LabServices
from tests.system.live_server import serving
from tests.unit.opendata.portal_app import seed_portal
from tests.unit.opendata.seed import CANARY, add_dataset, developer_key


@pytest.fixture
def portal(sqlite_lab: LabServices, tmp_path) -> Iterator[str]:
    seed_portal(sqlite_lab, tmp_path)
    for index in range(11):
        add_dataset(sqlite_lab, f"bus-line-{index:02d}", f"公交线路{index}", tags=("交通",))
    with serving(sqlite_lab) as url:
        yield url


def clients(url: str, **kwargs) -> list[ckanapi.RemoteCKAN]:
    """POST and GET clients on /api/action/ and /api/3/action/."""
    made = []
    for get_only in (False, True):
        for base in ("api/action/", "api/3/action/"):
            client = ckanapi.RemoteCKAN(url, get_only=get_only, **kwargs)
            client.base_url = base
            made.append(client)
    return made


def test_reads_work_over_get_and_post_on_both_prefixes(portal: str) -> None:
    """status_show, package_list/show/search, organizations, groups, tags, resources, datastore."""
    for ckan in clients(portal):
        with ckan:
            assert ckan.action.status_show()["site_title"]
            names = ckan.action.package_list()
            assert len(names) == 13 and "tax-secret" not in names
            air = ckan.action.package_show(id="air-quality")
            assert air["title"] == "青岛市空气质量日报"
            found = ckan.action.package_search(q="空气质量", rows="5", include_drafts="false")
            assert [p["name"] for p in found["results"]] == ["air-quality"]
            assert len(ckan.action.organization_list()) == 3
            assert ckan.action.group_list() and "交通" in ckan.action.tag_list()
            org = ckan.action.organization_show(id=air["organization"]["name"])
            assert org["package_count"] == 1
            resource = ckan.action.resource_show(id=air["resources"][0]["id"])
            assert resource["format"] == "CSV"
            # a query string cannot carry an object, so filters travel as JSON text (as in CKAN)
            filters = json.dumps({"监测站点": "崂山区站"}, ensure_ascii=False)
            rows = ckan.action.datastore_search(
                resource_id=resource["id"], filters=filters, limit="3"
            )
            assert rows["total"] == 24 and len(rows["records"]) == 3
            if not ckan.get_only:
                posted = ckan.action.datastore_search(
                    resource_id=resource["id"], filters={"监测站点": "崂山区站"}, limit=3
                )
                assert posted["records"] == rows["records"]


def test_paging_until_an_empty_page_terminates(portal: str) -> None:
    """A client paging with string numbers until an empty page sees every dataset once."""
    with ckanapi.RemoteCKAN(portal) as ckan:
        seen, start = [], 0
        while True:
            page = ckan.action.package_search(q="*:*", rows="5", start=str(start), sort="name asc")
            if not page["results"]:
                break
            seen.extend(p["name"] for p in page["results"])
            start += 5
        assert sorted(seen) == sorted(ckan.action.package_list()) and len(seen) == 13


def test_errors_map_to_ckanapi_exceptions(portal: str, sqlite_lab: LabServices) -> None:
    """NotFound for restricted/unknown, NotAuthorized for writes and bad keys, validation errors."""
    with ckanapi.RemoteCKAN(portal) as ckan:
        for name in ("tax-secret", "no-such-dataset"):
            with pytest.raises(ckanapi.NotFound) as missing:
                ckan.action.package_show(id=name)
            assert CANARY not in str(missing.value)
        with pytest.raises(ckanapi.NotAuthorized):
            ckan.action.package_create(name="new", title="新")
        with pytest.raises(ckanapi.NotAuthorized):
            ckan.action.datastore_search(resource_id="annual-reports.extract")
        with pytest.raises(ckanapi.ValidationError):
            ckan.action.package_search(rows="lots")
        with pytest.raises(ckanapi.SearchQueryError):
            ckan.action.package_search(fq="colour:red")
    with (
        ckanapi.RemoteCKAN(portal, apikey="not-a-valid-key") as keyed,
        pytest.raises(ckanapi.NotAuthorized),
    ):
        keyed.action.package_list()


def test_a_valid_key_is_accepted(portal: str, sqlite_lab: LabServices) -> None:
    """ckanapi's key (sent bare in Authorization) is a lab API token, accepted as such."""
    key = developer_key(sqlite_lab)
    with ckanapi.RemoteCKAN(portal, apikey=key) as ckan:
        assert len(ckan.action.package_list()) == 13
