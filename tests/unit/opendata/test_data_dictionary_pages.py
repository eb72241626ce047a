"""The data dictionary through the portal's routes: the dataset page, search, the CKAN API, and
the T2 application that ticks columns from it and receives only those, codes labelled."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.catalogue.dictionary import DataDictionary, DictionaryEntry
from lab.catalogue.t2_extracts.fingerprint import RECORD_ID_COLUMN
from lab.catalogue.t2_extracts.manifests import MANIFEST_NAME
from lab.identity import Role
from lab.services import LabServices
from tests.unit.lab.catalogue.conditional import publish_conditional
from tests.unit.lab.web.test_steward_pages import add_user
from tests.unit.opendata.seed import publish_table, write_csv
from tests.unit.opendata.test_applicant_pages import (
    APPLICATION,
    _csrf,
    _register,
    _steward_answers,
)

STOPS = [[f"站点{i}", ("市南区", "市北区", "李沧区")[i % 3], str(10 + i % 40)] for i in range(120)]
STOP_DICTIONARY = DataDictionary(
    (
        DictionaryEntry("站点名称", "公交站牌上的站点名称"),
        DictionaryEntry("所属区", "站点所在的区（市）"),
        DictionaryEntry("日均上车人次", "工作日平均每日上车人次", "人次"),
    )
)
SECTIONS = ("F", "L", "C", "I")
SECTION_DICTIONARY = DataDictionary(
    (
        DictionaryEntry("所属区", "报送企业住所所在的区（市）"),
        DictionaryEntry("行业门类", "国民经济行业分类门类字母", code_list="gb4754_section"),
    )
)


@pytest.fixture
def lab(sqlite_lab: LabServices, tmp_path: Path) -> LabServices:
    header = ["站点名称", "所属区", "日均上车人次"]
    described = write_csv(tmp_path / "stops.csv", header, STOPS)
    bare = write_csv(tmp_path / "bare.csv", header, STOPS)
    publish_table(
        sqlite_lab, described, "bus-stops", title="公交站点客流", dictionary=STOP_DICTIONARY
    )
    publish_table(sqlite_lab, bare, "bus-stops-bare", title="公交站点客流（旧）")
    publish_conditional(
        sqlite_lab, tmp_path, "annual-sections", industries=SECTIONS, dictionary=SECTION_DICTIONARY
    )
    add_user(sqlite_lab, "steward", Role.STEWARD)
    return sqlite_lab


def _dictionary_rows(page: str) -> dict[str, list[str]]:
    """The dataset page's dictionary table: column → its cells, tags stripped."""
    section = page.split('id="dictionary-heading"', 1)[1].split("</section>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section, flags=re.S)[1:]:
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        rows[cells[0]] = cells[1:]
    return rows


def test_dataset_page_shows_the_dictionary_and_the_category_apart(lab: LabServices) -> None:
    """Each column's description and unit come from the dataset's dictionary; the category is
    its own column; an undescribed dataset says "暂无说明", never the category's name."""
    with TestClient(create_app(lab)) as client:
        described = _dictionary_rows(client.get("/datasets/bus-stops").text)
        bare = _dictionary_rows(client.get("/datasets/bus-stops-bare").text)
        english = client.get("/datasets/bus-stops-bare?lang=en").text
    district = described["所属区"]
    assert district[1] == "站点所在的区（市）"
    assert "企业登记公开信息" in district[3] and "ENTERPRISE_REGISTER_FIELD" in district[3]
    assert described["日均上车人次"][1:3] == ["工作日平均每日上车人次", "人次"]
    assert bare["所属区"][1] == "暂无说明" and "企业登记公开信息" in bare["所属区"][3]
    assert "No description" in english


def test_search_matches_the_dictionary_never_a_category_name(lab: LabServices) -> None:
    """企业 (only in 所属区's category name) finds neither bus dataset; the dictionary's own
    words find the described one."""
    with TestClient(create_app(lab)) as client:
        enterprise = client.get("/catalogue", params={"q": "企业"}).text
        dictionary_words = client.get("/catalogue", params={"q": "站牌上"}).text
    assert 'href="/datasets/bus-stops"' not in enterprise
    assert 'href="/datasets/bus-stops-bare"' not in enterprise
    assert 'href="/datasets/bus-stops"' in dictionary_words
    assert 'href="/datasets/bus-stops-bare"' not in dictionary_words


def test_ckan_and_json_api_carry_the_dictionary(lab: LabServices) -> None:
    """package_show's resources and datastore_search's fields hold each column's dictionary
    entry as CKAN's DataStore data dictionary does (info.label/notes, plus unit)."""
    with TestClient(create_app(lab)) as client:
        package = client.get("/api/action/package_show", params={"id": "bus-stops"}).json()
        resource = package["result"]["resources"][0]
        rows = client.get(
            "/api/action/datastore_search", params={"resource_id": resource["id"], "limit": 1}
        ).json()["result"]
        api = client.get("/api/datasets/bus-stops").json()
    fields = {f["id"]: f["info"] for f in resource["fields"]}
    assert fields["所属区"] == {"label": "所属区", "notes": "站点所在的区（市）"}
    assert fields["日均上车人次"]["unit"] == "人次"
    store = {f["id"]: f.get("info", {}) for f in rows["fields"]}
    assert store["站点名称"]["notes"] == "公交站牌上的站点名称"
    columns = {c["name"]: c for c in api["columns"]}
    assert columns["所属区"]["description"] == "站点所在的区（市）"
    assert columns["所属区"]["category"] == "ENTERPRISE_REGISTER_FIELD"


def _apply(client: TestClient, fields: list[str], **changes: str):
    token = _csrf(client, "/apply/annual-sections")
    return client.post(
        "/apply/annual-sections",
        data={**APPLICATION, **changes, "fields": fields, "csrf_token": token},
        follow_redirects=False,
    )


def test_form_offers_the_dictionary_and_refuses_unknown_columns(lab: LabServices) -> None:
    """The form has one checkbox per extract column with its description; a column the dataset
    does not have is a 400 naming it, with everything entered kept."""
    with TestClient(create_app(lab)) as client:
        _register(client, "alice")
        form = client.get("/apply/annual-sections").text
        refused = _apply(client, ["所属区", "身份证号"], scenario="各区行业结构研究")
        empty = _apply(client, [])
    boxes = re.findall(r'name="fields" value="([^"]+)"', form)
    assert boxes[:2] == ["所属区", "行业门类"] and "报送批次" in boxes
    assert '<textarea id="fields"' not in form and "国民经济行业分类门类字母" in form
    assert re.search(r"附 <span lang=\"zh-CN\">行业门类名称</span>", form)
    assert refused.status_code == 400
    assert "以下数据项不存在：身份证号" in refused.text
    assert "各区行业结构研究" in refused.text
    assert re.search(r'value="所属区"\s+checked', refused.text)
    assert not re.search(r'value="行业门类"\s+checked', refused.text)
    assert empty.status_code == 400 and "所需数据项" in empty.text
    assert re.search(r'id="fields-error">至少选择一项<', empty.text)  # said beside the picker


def test_extract_holds_exactly_the_approved_columns_with_labels(lab: LabServices) -> None:
    """Apply for 所属区 and 行业门类 → the steward sees them → approve → the downloaded ZIP's CSV
    has exactly those columns (plus the record number), 行业门类 followed by its names."""
    with TestClient(create_app(lab)) as client:
        _register(client, "alice")
        filed = _apply(client, ["行业门类", "所属区"])
        assert filed.status_code == 303, filed.text
        application_id = int(filed.headers["location"].split("/")[3].split("?")[0])
        with TestClient(create_app(lab)) as steward:
            steward.post(
                "/steward/login", data={"username": "steward", "password": "steward password 1"}
            )
            review = steward.get(f"/steward/applications/{application_id}").text
        requested = re.search(r'id="requested-columns">(.*?)</td>', review)
        assert requested and requested[1] == "行业门类、所属区"
        _steward_answers(lab, application_id, outcome="approve", access_days="14")
        token = _csrf(client, f"/account/applications/{application_id}")
        copy = client.post(
            f"/account/applications/{application_id}/download", data={"csrf_token": token}
        )
    assert copy.status_code == 200
    with zipfile.ZipFile(io.BytesIO(copy.content)) as archive:
        data = archive.read("annual-sections.csv").decode("utf-8-sig")
        assert MANIFEST_NAME in archive.namelist()
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0] == [RECORD_ID_COLUMN, "所属区", "行业门类", "行业门类名称"]
    assert len(rows) == 201
    labels = {(row[2], row[3]) for row in rows[1:]}
    assert labels == {
        ("F", "批发和零售业"),
        ("L", "租赁和商务服务业"),
        ("C", "制造业"),
        ("I", "信息传输、软件和信息技术服务业"),
    }
