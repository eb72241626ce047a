"""Issue 21 end to end through the steward API: the 3,001-person table publishes as T2.

k and l of every published extract are measured here with a plain counter of our own, not with
the lattice search or ``classification.anonymity``; suppressed rows must be exactly the rows of
the classes that fail at the chosen levels, and every generalised value must come from the
declared hierarchy.
"""

from __future__ import annotations

import io
import re
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from classification.hierarchies import load_hierarchies
from lab.db.models import DatasetVersion
from lab.identity import Role
from lab.services import LabServices
from tests.unit.lab.api.test_steward_api import bearer, steward_app, upload
from tests.unit.lab.catalogue.people import people_rows, write_people
from tests.unit.lab.cli.shell import datalab
from tests.unit.lab.ingest import tables

META = {"title": "青岛市居民就业与收入（测试）", "department": "市人社局", "slug": "people"}
JUSTIFICATION = {"tier": "T2", "justification": "de-identified extract for labour research"}
QIS = ("出生日期", "性别", "街道")
HIERARCHY_OF = {"出生日期": "birth_date", "性别": "gender", "街道": "street"}
INCOME = 6


@pytest.fixture
def client(lab: LabServices):
    with TestClient(steward_app(lab)) as test_client:
        test_client.headers.update(bearer(lab, "steward", Role.STEWARD))
        yield test_client


def _ingest_and_decide(client: TestClient, path: Path, meta: dict = META) -> int:
    version_id = upload(client, path, **meta).json()["version_id"]
    decided = client.post(f"/api/steward/versions/{version_id}/decision", json=JUSTIFICATION)
    assert decided.status_code == 200, decided.text
    return version_id


def _own_counts(rows: list[tuple], qi_positions: list[int], sensitive: int):
    """Class sizes and distinct sensitive values per class, counted plainly."""
    sizes, values = Counter(), defaultdict(set)
    for row in rows:
        key = tuple(row[i] for i in qi_positions)
        sizes[key] += 1
        values[key].add(row[sensitive])
    return sizes, {key: len(found) for key, found in values.items()}


def _published_extract(lab: LabServices, version_id: int) -> list[tuple]:
    with lab.sessions() as session:
        objects = session.get(DatasetVersion, version_id).objects
    table = pq.read_table(io.BytesIO(lab.store.read_bytes(objects["data.parquet"])))
    return table.column_names, [tuple(r.values()) for r in table.to_pylist()]


def test_people_refused_then_published_as_t2(client: TestClient, lab: LabServices, tmp_path):
    """The 3,001 people: refused with the fixed generalisation, then published as T2 with the
    steward's chosen solution; k ≥ 10, l ≥ 2 and ≤ 5% suppression, counted independently."""
    version_id = _ingest_and_decide(client, write_people(tmp_path))
    refused = client.post(f"/api/steward/versions/{version_id}/publish")
    assert refused.status_code == 409
    assert "smallest class has 1 rows, needs ≥ 10; 1,053 of 1,053 classes" in refused.text

    found = client.post(f"/api/steward/versions/{version_id}/deidentify", json={})
    assert found.status_code == 200, found.text
    proposal = found.json()
    assert proposal["quasi_identifiers"] == list(QIS)
    assert proposal["sensitive"] == ["月收入"]
    assert proposal["limits"] == {"k": 10, "l": 2, "max_suppression": 0.05}
    top = proposal["solutions"]
    assert len(top) == proposal["minimal_solutions"] >= 1
    losses = [s["information_loss"] for s in top]
    assert losses == sorted(losses)
    for solution in top[:3]:
        assert len(solution["preview"]["rows"]) == 10
        assert "姓名" not in solution["preview"]["columns"]
    assert all(solution["preview"] is None for solution in top[3:])

    best = top[0]
    chosen = client.put(
        f"/api/steward/versions/{version_id}/deidentification", json={"levels": best["levels"]}
    )
    assert chosen.status_code == 200, chosen.text
    published = client.post(f"/api/steward/versions/{version_id}/publish")
    assert published.status_code == 200, published.text
    assert published.json()["tier"] == "T2"

    columns, extract = _published_extract(lab, version_id)
    assert "姓名" not in columns and "身份证号" not in columns
    qi_positions = [columns.index(best_header) for best_header in _headers(columns)]
    sizes, diversity = _own_counts(extract, qi_positions, columns.index("月收入"))
    assert min(sizes.values()) >= 10
    assert min(diversity.values()) >= 2
    assert len(extract) >= 3001 * 0.95
    assert len(extract) == 3001 - best["suppressed"]
    _assert_exact_suppression(extract, columns, best["levels"])

    record = client.get(f"/api/steward/versions/{version_id}").json()["deidentification"]
    assert record["levels"] == best["levels"] and record["chosen_by"] == "steward"
    actions = [r.action for r in lab.audit.records()]
    assert "dataset.deidentify" in actions and actions[-1] == "dataset.publish"
    assert '"suppressed"' in lab.audit.records()[-1].details


def _headers(columns: list[str]) -> list[str]:
    """The extract's three generalised columns, in table order (they may have been renamed)."""
    kept = {"就业状态", "月收入"}
    return [c for c in columns if c not in kept]


def _assert_exact_suppression(extract: list[tuple], columns: list[str], levels: dict) -> None:
    """The extract is the original table generalised by the declared hierarchies, minus exactly
    the rows of classes that fail k = 10 or l = 2 — in the original order, nothing else lost."""
    hs = load_hierarchies()
    by_name = {h.name: h for h in hs.hierarchies}
    positions = {"出生日期": 2, "性别": 3, "街道": 4}
    generalised = []
    for row in people_rows():
        qi = tuple(
            hs.generalise(by_name[HIERARCHY_OF[c]], row[positions[c]], levels[c]) for c in QIS
        )
        generalised.append((*qi, row[5], row[INCOME]))
    sizes, diversity = _own_counts(generalised, [0, 1, 2], 4)
    expected = [r for r in generalised if sizes[r[:3]] >= 10 and diversity[r[:3]] >= 2]
    assert [tuple(r) for r in extract] == expected
    declared = _declared_labels(levels)
    for row in extract:
        for position, column in enumerate(QIS):
            assert declared[column](row[position]), (column, row[position])


def _declared_labels(levels: dict):
    """Independent readings of the packaged hierarchies file: what each level may hold."""
    path = Path(__file__).parents[4] / "classification" / "guide" / "hierarchies.toml"
    data = tomllib.loads(path.read_text("utf-8"))
    districts = {d["name"] for d in data["region"]["districts"]}
    streets = {s for d in data["region"]["districts"] for s in d["streets"]}
    birth = {
        0: r"\d{4}-\d\d-\d\d",
        1: r"\d{4}-\d\d",
        2: r"\d{4}",
        3: r"\d{4}-\d{4}",
        4: r"\d{4}-\d{4}",
    }
    street_levels = {0: streets, 1: districts, 2: {data["region"]["city"]}}
    width = {3: 5, 4: 10}.get(levels["出生日期"])

    def birth_ok(value: str) -> bool:
        if not re.fullmatch(birth[levels["出生日期"]], value):
            return False
        if width is None:
            return True
        start, end = (int(v) for v in value.split("-"))
        return start % width == 0 and end == start + width - 1

    return {
        "出生日期": birth_ok,
        "性别": lambda v: v in ({"男", "女"} if levels["性别"] == 0 else {"*"}),
        "街道": lambda v: v in street_levels[levels["街道"]],
    }


def test_no_solution_is_refused_naming_the_blocking_column(client: TestClient, tmp_path):
    """Birth dates spread over a century leave every decade under k: the search is refused,
    naming 出生日期 and a limit that would work; nothing is recorded."""
    rows = [
        [f"{1920 + i * 100 // 40}-05-0{1 + i % 9}", "男" if i % 2 else "女", "台东街道", 3000 + i]
        for i in range(40)
    ]
    path = tables.write_csv(tmp_path / "century.csv", ["出生日期", "性别", "街道", "月收入"], rows)
    version_id = _ingest_and_decide(client, path, {**META, "slug": "century"})
    refused = client.post(f"/api/steward/versions/{version_id}/deidentify", json={})
    assert refused.status_code == 409
    message = refused.json()["error"]["message"]
    assert "出生日期 blocks it — without it 0 rows (0.0%) would be suppressed" in message
    assert "no suppression limit works at k = 10; k = 4 would work within the limit" in message
    chosen = client.put(
        f"/api/steward/versions/{version_id}/deidentification",
        json={"levels": {"出生日期": 4, "性别": 1, "街道": 2}},
    )
    assert chosen.status_code == 409


def test_cli_deidentify_chooses_and_publishes(tmp_path) -> None:
    """``datalab dataset deidentify ID --choose 1`` records the best solution; publish applies it;
    bad limits are one clear line."""
    from lab.services import open_services
    from lab.settings import LabSettings

    home = tmp_path / "home"
    lab = open_services(LabSettings(home=home))
    try:
        with TestClient(steward_app(lab)) as client:
            client.headers.update(bearer(lab, "steward", Role.STEWARD))
            version_id = _ingest_and_decide(client, write_people(tmp_path, count=600))
    finally:
        lab.close()
    command = ("dataset", "deidentify", str(version_id), "--k", "5")
    listed = datalab(home, *command)
    assert listed.returncode == 0, listed.stderr
    assert "minimal solution(s) for k = 5" in listed.stdout and " 1. " in listed.stdout
    bad = datalab(home, *command, "--max-suppression", "1.5")
    assert bad.returncode == 2 and "max_suppression" in bad.stderr
    chosen = datalab(home, *command, "--choose", "1")
    assert chosen.returncode == 0, chosen.stderr
    published = datalab(home, "dataset", "publish", str(version_id))
    assert published.returncode == 0, published.stderr
    assert "as T2" in published.stdout
    lab = open_services(LabSettings(home=home))
    try:
        with lab.sessions() as session:
            version = session.get(DatasetVersion, version_id)
            assert version.state == "published" and version.deidentification["k"] == 5
        columns, extract = _published_extract(lab, version_id)
        sizes, diversity = _own_counts(
            extract, [columns.index(c) for c in _headers(columns)], columns.index("月收入")
        )
        assert min(sizes.values()) >= 5 and min(diversity.values()) >= 2
        assert len(extract) == 600 - version.deidentification["suppressed"]
    finally:
        lab.close()


def test_steward_edits_hierarchies_as_revisions(client: TestClient, lab: LabServices, tmp_path):
    """A malformed edit is refused and stores nothing; a good one is the newest revision (audited),
    the search uses it, and a choice made under the old hierarchies must be made again."""
    version_id = _ingest_and_decide(client, write_people(tmp_path, count=600))
    best = client.post(f"/api/steward/versions/{version_id}/deidentify", json={"k": 5}).json()
    chosen = client.put(
        f"/api/steward/versions/{version_id}/deidentification",
        json={"k": 5, "levels": best["solutions"][0]["levels"]},
    )
    assert chosen.status_code == 200
    text = client.get("/api/steward/guide/hierarchies").json()["text"]
    bad = client.put("/api/steward/guide/hierarchies", json={"text": text + "\nversion = 2"})
    assert bad.status_code == 400 and "sections[19]" in bad.json()["error"]["message"]
    broken = client.put("/api/steward/guide/hierarchies", json={"text": "[[hierarchies]"})
    assert broken.status_code == 400 and "TOML" in broken.json()["error"]["message"]
    edited = text.replace('version = "2026.1-h1"', 'version = "2026.1-h2"').replace(
        'levels = ["street", "district", "city"]\nheaders = ["", "所在区市", "所在城市"]',
        'levels = ["street", "district"]\nheaders = ["", "所在区市"]',
    )
    assert edited.count("2026.1-h2") == 1 and edited != text
    saved = client.put(
        "/api/steward/guide/hierarchies", json={"text": edited, "note": "no city level"}
    )
    assert saved.status_code == 200 and saved.json()["version"] == "2026.1-h2"
    assert client.get("/api/steward/guide/hierarchies").json()["version"] == "2026.1-h2"
    assert [r.action for r in lab.audit.records()][-1] == "hierarchies.revise"
    again = client.post(f"/api/steward/versions/{version_id}/deidentify", json={"k": 5}).json()
    assert all(s["level_names"]["街道"] != "city" for s in again["solutions"])
    stale = client.post(f"/api/steward/versions/{version_id}/publish")
    assert stale.status_code == 409 and "hierarchies changed" in stale.text
