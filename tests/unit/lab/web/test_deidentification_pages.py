"""The steward's version page for a T2 decision: search, the top solutions side by side with a
10-row preview, pick one (audited), publish; no solution is shown with the blocking column."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from classification import Tier
from lab.catalogue.versions.datasets import get_version
from lab.catalogue.versions.decisions import decide
from lab.db import transaction
from lab.identity import Role
from lab.services import LabServices
from tests.unit.lab.catalogue.people import write_people
from tests.unit.lab.ingest import tables
from tests.unit.lab.web.test_steward_pages import (
    add_user,
    csrf_of,
    ingested,
    pages_app,
    post,
    sign_in,
)

SOLUTION = re.compile(r'<article class="solution" aria-label="方案 (\d)">')


@pytest.fixture
def client(sqlite_lab: LabServices):
    add_user(sqlite_lab, "steward", Role.STEWARD)
    with TestClient(pages_app(sqlite_lab)) as test_client:
        assert sign_in(test_client).status_code == 303
        yield test_client


def _decided_t2(lab: LabServices, path, slug: str) -> int:
    version_id = ingested(lab, path, slug)
    with transaction(lab.sessions) as session:
        decide(
            session,
            lab.audit,
            version=get_version(session, version_id),
            tier=Tier.T2,
            justification="de-identified extract for labour research",
            actor="steward",
        )
    return version_id


def test_search_pick_and_publish_from_the_page(client: TestClient, sqlite_lab, tmp_path):
    """Searching shows up to three solutions with 10 preview rows each and no direct
    identifier; picking one records it (audited) and publishing makes the version T2."""
    version_id = _decided_t2(sqlite_lab, write_people(tmp_path), "people")
    page = f"/steward/versions/{version_id}"
    token = csrf_of(client, page)
    form = {"csrf_token": token, "k": "10", "l": "2", "max_suppression_percent": "5"}
    shown = post(client, f"{page}/deidentify", form)
    assert shown.status_code == 200, shown.text
    ranks = SOLUTION.findall(shown.text)
    assert ranks[:1] == ["1"] and len(ranks) <= 3
    first = shown.text.split('aria-label="方案 1"')[1].split("</article>")[0]
    assert first.count("<tr>") == 11  # header + 10 preview rows
    assert "身份证号" not in first and "姓名" not in first
    levels = dict(re.findall(r'name="(level_\d)" value="(\d)"', first))
    picked = post(client, f"{page}/deidentification", {**form, **levels})
    assert picked.status_code == 303 and picked.headers["location"].endswith("done=deidentified")
    assert "已选方案" in client.get(page).text
    published = post(client, f"{page}/publish", {"csrf_token": token})
    assert published.status_code == 303, published.text
    with sqlite_lab.sessions() as session:
        version = get_version(session, version_id)
        assert version.state == "published" and version.deidentification["chosen_by"] == "steward"
    assert "dataset.deidentify" in [r.action for r in sqlite_lab.audit.records()]


def test_no_solution_names_the_blocking_column_on_the_page(
    client: TestClient, sqlite_lab, tmp_path
):
    """A century of birth dates in 40 rows: the page says 出生日期 blocks it and what would work."""
    rows = [
        [f"{1920 + i * 100 // 40}-05-0{1 + i % 9}", "男" if i % 2 else "女", "台东街道", 3000 + i]
        for i in range(40)
    ]
    path = tables.write_csv(tmp_path / "c.csv", ["出生日期", "性别", "街道", "月收入"], rows)
    version_id = _decided_t2(sqlite_lab, path, "century")
    page = f"/steward/versions/{version_id}"
    form = {"csrf_token": csrf_of(client, page), "k": "10", "l": "2"}
    shown = post(client, f"{page}/deidentify", form)
    assert shown.status_code == 409
    assert "出生日期 blocks it" in shown.text and "k = 4 would work" in shown.text
    assert not SOLUTION.search(shown.text)
