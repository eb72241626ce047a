"""The data dictionary: sidecar parsing, its checks, and the steward's upload that stores it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from classification import Tier
from lab.catalogue.dictionary import DataDictionary, DictionaryEntry, parse_sidecar
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.publishing import publish
from lab.db import transaction
from lab.db.models import Dataset, DatasetVersion
from lab.errors import InvalidInput
from lab.services import LabServices
from tests.unit.lab.ingest import tables
from tests.unit.lab.web.test_steward_pages import client, csrf_of, post

__all__ = ["client"]  # the signed-in steward's client, a fixture shared with the page tests

STOPS_SIDECAR = (
    "column,description,unit\n"
    "站点名称,公交站点的站牌名称,\n"
    "所属区,站点所在的区（市）,\n"
    "经度,WGS-84 经度,度\n"
)


def test_csv_sidecar_with_english_or_chinese_headers() -> None:
    """Both header spellings read the same entries; the unit is kept; blank lines skipped."""
    english = parse_sidecar(STOPS_SIDECAR.encode(), "dict.csv")
    chinese = parse_sidecar(
        ("\ufeff字段名,说明,单位\n" + STOPS_SIDECAR.split("\n", 1)[1] + "\n").encode(), "d.CSV"
    )
    assert english == chinese
    assert english.entry("经度") == DictionaryEntry("经度", "WGS-84 经度", "度")
    assert english.entry("站点编号") is None


def test_json_sidecar_as_list_or_mapping() -> None:
    """A list of entries and a column → text object are both accepted."""
    listed = [{"column": "行业门类", "description": "门类字母", "code_list": "gb4754_section"}]
    parsed = parse_sidecar(json.dumps(listed).encode(), "d.json")
    assert parsed.entry("行业门类").label_of("F") == "批发和零售业"  # type: ignore[union-attr]
    mapped = parse_sidecar(json.dumps({"所属区": "区（市）"}).encode(), "d.json")
    assert mapped.to_json() == [
        {"column": "所属区", "description": "区（市）", "unit": "", "code_list": ""}
    ]


@pytest.mark.parametrize(
    ("raw", "name", "message"),
    [
        (b"a,b\n1,2\n", "d.csv", "needs the columns: column, description"),
        (b"column,description\n x ,\n", "d.csv", "has no description"),
        (b"column,description\nx,1\nx,2\n", "d.csv", "more than once"),
        (b"{not json", "d.json", "not valid JSON"),
        (b'[{"column": "x", "description": 3}]', "d.json", "must be text"),
        (b'[{"column":"x","description":"y","code_list":"nope"}]', "d.json", "unknown code list"),
        ("column,description\nx,是\n".encode("gbk"), "d.csv", "not UTF-8"),
        (b"column,description\n", "d.txt", ".csv or .json"),
    ],
)
def test_bad_sidecars_are_refused_saying_why(raw: bytes, name: str, message: str) -> None:
    """Every malformed sidecar is InvalidInput naming the problem."""
    with pytest.raises(InvalidInput, match=message):
        parse_sidecar(raw, name)


def test_stored_shape_round_trips() -> None:
    """What is stored with a version reads back as the same dictionary; None is empty."""
    dictionary = parse_sidecar(STOPS_SIDECAR.encode(), "d.csv")
    assert DataDictionary.from_json(dictionary.to_json()) == dictionary
    assert not DataDictionary.from_json(None)


def _upload(client: TestClient, table: Path, sidecar: tuple[str, bytes] | None, slug: str):
    token = csrf_of(client, "/steward/upload")
    data = {"csrf_token": token, "title": "公交站点", "department": "市交通局", "slug": slug}
    with table.open("rb") as handle:
        files = {"file": (table.name, handle)}
        if sidecar:
            files["dictionary"] = sidecar  # type: ignore[assignment]
        return post(client, "/steward/upload", data, files=files)


def _stored(lab: LabServices, slug: str) -> list[list[dict]]:
    with lab.sessions() as session:
        query = (
            select(DatasetVersion.dictionary)
            .join(Dataset, Dataset.id == DatasetVersion.dataset_id)
            .where(Dataset.slug == slug)
            .order_by(DatasetVersion.number)
        )
        return list(session.scalars(query))


def test_upload_stores_the_sidecar_with_the_version(
    client: TestClient, sqlite_lab: LabServices, tmp_path: Path
) -> None:
    """The upload form's dictionary file is stored with the new version, as given."""
    done = _upload(client, tables.open_table(tmp_path), ("d.csv", STOPS_SIDECAR.encode()), "stops")
    assert done.status_code == 303, done.text
    (stored,) = _stored(sqlite_lab, "stops")
    assert stored == parse_sidecar(STOPS_SIDECAR.encode(), "d.csv").to_json()
    review = client.get(done.headers["location"]).text
    assert "站点所在的区（市）" in review and "WGS-84 经度（度）" in review and "未说明" in review


def test_upload_refuses_a_dictionary_of_absent_columns_and_keeps_nothing(
    client: TestClient, sqlite_lab: LabServices, tmp_path: Path
) -> None:
    """A sidecar describing a column the file lacks: the form again with the column named,
    no dataset or version recorded and the staging area left empty."""
    sidecar = ("d.csv", b"column,description\n\xe8\xbd\xa6\xe6\xac\xa1,\xe8\xbd\xa6\xe6\xac\xa1\n")
    refused = _upload(client, tables.open_table(tmp_path), sidecar, "stops")
    assert refused.status_code == 400
    assert "describes columns the file does not have: 车次" in refused.text
    assert 'value="公交站点"' in refused.text
    with sqlite_lab.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Dataset)) == 0
    staging = sqlite_lab.settings.home / "staging"
    assert not staging.exists() or not list(staging.iterdir())


def test_a_new_version_without_a_sidecar_keeps_the_entries_that_still_apply(
    client: TestClient, sqlite_lab: LabServices, tmp_path: Path
) -> None:
    """Version 2 uploaded without a dictionary keeps the served version's entries."""
    first = tables.open_table(tmp_path)
    assert _upload(client, first, ("d.csv", STOPS_SIDECAR.encode()), "stops").status_code == 303
    with transaction(sqlite_lab.sessions) as session:
        version = session.scalars(select(DatasetVersion)).one()
        decide(
            session, sqlite_lab.audit, version=version, tier=Tier.T1, justification="", actor="s"
        )
    publish(sqlite_lab, version_id=version.id, actor="steward")
    again = tables.open_table(tmp_path, rows=50, name="stops-2.csv")
    assert _upload(client, again, None, "stops").status_code == 303
    first_stored, second_stored = _stored(sqlite_lab, "stops")
    assert second_stored == first_stored and len(second_stored) == 3
