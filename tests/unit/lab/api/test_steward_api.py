"""The steward API: ingest → review → decide → DP metadata → publish, and the negative list."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import NoMatchFound

from lab.api.routes import steward
from lab.app import create_app
from lab.db import transaction
from lab.identity import Role, TokenKind
from lab.identity.accounts import create_user, issue_token
from lab.services import LabServices
from tests.unit.lab.ingest import tables

ROUTES = {
    ("POST", "/api/steward/ingest"),
    ("POST", "/api/steward/classify"),
    ("GET", "/api/steward/versions"),
    ("GET", "/api/steward/versions/{version_id}"),
    ("POST", "/api/steward/versions/{version_id}/decision"),
    ("PUT", "/api/steward/versions/{version_id}/dp-metadata"),
    ("POST", "/api/steward/versions/{version_id}/publish"),
    ("GET", "/api/steward/guide/negative-list"),
    ("POST", "/api/steward/guide/negative-list"),
    ("DELETE", "/api/steward/guide/negative-list/{value}"),
    ("POST", "/api/steward/versions/{version_id}/deidentify"),
    ("PUT", "/api/steward/versions/{version_id}/deidentification"),
    ("GET", "/api/steward/guide/hierarchies"),
    ("PUT", "/api/steward/guide/hierarchies"),
    ("POST", "/api/steward/projects/{project_id}/decision"),
    ("PUT", "/api/steward/projects/{project_id}/budgets/{dataset}"),
    ("GET", "/api/steward/organisations/{organisation_id}/budgets"),
    ("PUT", "/api/steward/organisations/{organisation_id}/budgets/{scope}"),
}
META = {"title": "青岛市企业月度纳税", "department": "市税务局", "slug": "monthly-tax"}


def steward_app(lab: LabServices) -> FastAPI:
    """The lab's app with the steward API (included here until ``create_app`` wires it)."""
    app = create_app(lab)
    try:
        app.url_path_for("ingest_file")
    except NoMatchFound:
        app.include_router(steward.router)
    return app


def bearer(lab: LabServices, username: str, role: Role) -> dict[str, str]:
    """An Authorization header for a new user holding ``role``."""
    with transaction(lab.sessions) as session:
        user = create_user(session, lab.audit, actor="test", username=username, roles=[role])
        minted = issue_token(
            session,
            lab.audit,
            actor="test",
            user=user,
            kind=TokenKind.API,
            name="test",
            lifetime=timedelta(hours=1),
        )
    return {"Authorization": f"Bearer {minted.plain}"}


@pytest.fixture
def client(lab: LabServices):
    with TestClient(steward_app(lab)) as test_client:
        test_client.headers.update(bearer(lab, "steward", Role.STEWARD))
        yield test_client


def upload(client: TestClient, path: Path, route: str = "ingest", **fields: str):
    with path.open("rb") as handle:
        return client.post(
            f"/api/steward/{route}", files={"file": (path.name, handle)}, data=fields
        )


def staging_left(lab: LabServices) -> list[Path]:
    root = lab.settings.home / "staging"
    return list(root.iterdir()) if root.exists() else []


def actions(lab: LabServices) -> list[str]:
    return [record.action for record in lab.audit.records()]


def test_every_route_needs_a_signed_in_steward(lab: LabServices) -> None:
    """Each steward route answers 401 to anonymous callers and 403 to other roles."""
    app = steward_app(lab)
    paths = app.openapi()["paths"]
    declared = {
        (method.upper(), path)
        for path in paths
        if path.startswith("/api/steward")
        for method in paths[path]
    }
    assert declared == ROUTES
    analyst = bearer(lab, "analyst", Role.ANALYST)
    with TestClient(app) as anonymous:
        for method, template in sorted(ROUTES):
            path = template.format(
                version_id=1,
                value="CREDENTIAL",
                project_id=1,
                dataset="tax",
                organisation_id=1,
                scope="dataset:tax",
            )
            assert anonymous.request(method, path).status_code == 401, path
            refused = anonymous.request(method, path, headers=analyst)
            assert refused.status_code == 403, path
            assert refused.json()["error"]["code"] == "permission_denied"


def test_restricted_table_goes_from_ingest_to_publication(
    client: TestClient, lab: LabServices, tmp_path: Path
) -> None:
    """A T3 table is ingested, reviewed, confirmed, given DP metadata (its month unique per unit)
    and published, all audited."""
    ingested = upload(client, tables.monthly_table(tmp_path), **META)
    assert ingested.status_code == 201
    outcome = ingested.json()
    assert outcome["classification"]["tier"] == "T3" and not outcome["rejected"]
    version_id = outcome["version_id"]
    queue = client.get("/api/steward/versions", params={"state": "proposed"}).json()
    assert [v["id"] for v in queue] == [version_id]
    detail = client.get(f"/api/steward/versions/{version_id}").json()
    assert detail["proposed_tier"] == "T3" and detail["dp_metadata"] is None
    assert {c["name"] for c in detail["profile"]} == {
        c["name"] for c in detail["classification"]["columns"]
    }
    assert all(c["reasons"] for c in detail["classification"]["columns"])
    decided = client.post(f"/api/steward/versions/{version_id}/decision", json={"tier": "T3"})
    assert decided.json() == {
        "version_id": version_id,
        "decision": "confirm",
        "tier": "T3",
        "state": "decided",
    }
    declaration = {
        "privacy_unit": "统一社会信用代码",
        "max_rows_per_unit": 12,
        "bounds": {"应纳税额（元）": [0, 100000]},
        "domains": {"所属区": "qingdao_district_name"},
        "unique_per_unit": ["所属期"],
    }
    dp = client.put(f"/api/steward/versions/{version_id}/dp-metadata", json=declaration)
    assert dp.status_code == 200 and dp.json()["bounds"] == {"应纳税额（元）": [0.0, 100000.0]}
    assert dp.json()["unique_per_unit"] == ["所属期"]
    published = client.post(f"/api/steward/versions/{version_id}/publish")
    assert published.status_code == 200 and published.json()["state"] == "published"
    assert staging_left(lab) == []
    assert {
        "dataset.ingest",
        "classification.confirm",
        "dp_metadata.set",
        "dataset.publish",
    } <= set(actions(lab))
    assert lab.audit.verify().ok


def test_lowering_needs_a_justification_and_is_audited(
    client: TestClient, lab: LabServices, tmp_path: Path
) -> None:
    """Lowering without a justification is a 400; with one it is recorded with its reason."""
    version_id = upload(client, tables.person_table(tmp_path), **META).json()["version_id"]
    decision = f"/api/steward/versions/{version_id}/decision"
    refused = client.post(decision, json={"tier": "T3"})
    assert refused.status_code == 400 and "justification" in refused.json()["error"]["message"]
    reason = "姓名与证件号将在发布前以密钥化假名替换，经数据安全小组批准"
    lowered = client.post(decision, json={"tier": "T3", "justification": reason})
    assert lowered.status_code == 200 and lowered.json()["decision"] == "lower"
    entry = next(r for r in lab.audit.records() if r.action == "classification.lower")
    assert json.loads(entry.details)["justification"] == reason
    assert entry.actor == "steward" and entry.target == f"dataset-version:{version_id}"
    assert lab.audit.verify().ok


def test_prohibited_file_is_rejected_and_nothing_is_staged(
    client: TestClient, lab: LabServices, tmp_path: Path
) -> None:
    """A T5 file is answered as rejected with reasons, leaves no staged file, cannot be decided."""
    response = upload(client, tables.prohibited_table(tmp_path), **META)
    assert response.status_code == 201
    outcome = response.json()
    assert outcome["rejected"] and outcome["classification"]["tier"] == "T5"
    assert any("negative list" in r for r in outcome["classification"]["reasons"])
    assert staging_left(lab) == []
    detail = client.get(f"/api/steward/versions/{outcome['version_id']}").json()
    assert detail["state"] == "rejected"
    decide = client.post(
        f"/api/steward/versions/{outcome['version_id']}/decision", json={"tier": "T4"}
    )
    assert decide.status_code == 409
    assert "dataset.reject" in actions(lab) and lab.audit.verify().ok


def test_classify_records_and_keeps_nothing(
    client: TestClient, lab: LabServices, tmp_path: Path
) -> None:
    """Classify answers the proposal with reasons but stores no version, audit entry or file."""
    before = actions(lab)
    response = upload(client, tables.person_table(tmp_path), route="classify")
    assert response.status_code == 200
    result = response.json()
    assert result["tier"] == "T4" and {c["name"] for c in result["columns"]} == {
        "姓名",
        "身份证号",
        "手机号",
    }
    assert client.get("/api/steward/versions").json() == []
    assert actions(lab) == before and staging_left(lab) == []


def test_negative_list_entry_rejects_then_releases_a_header(
    client: TestClient, lab: LabServices, tmp_path: Path
) -> None:
    """A header added to the negative list makes a file T5 until the entry is removed."""
    stops = tables.open_table(tmp_path)
    assert upload(client, stops, route="classify").json()["tier"] == "T1"
    entry = {
        "kind": "header",
        "value": "站点名称",
        "reason": "测试：站点名称暂不开放",
        "note": "演练",
    }
    added = client.post("/api/steward/guide/negative-list", json=entry)
    assert added.status_code == 201
    assert "站点名称" in {e["value"] for e in added.json()["entries"]}
    assert upload(client, stops, route="classify").json()["tier"] == "T5"
    listed = client.get("/api/steward/guide/negative-list").json()
    assert listed["guide_version"] == added.json()["guide_version"] != "2026.2"
    removed = client.delete(
        "/api/steward/guide/negative-list/站点名称", params={"note": "演练结束"}
    )
    assert removed.status_code == 200
    assert "站点名称" not in {e["value"] for e in removed.json()["entries"]}
    assert upload(client, stops, route="classify").json()["tier"] == "T1"
    notes = [
        json.loads(r.details)["note"] for r in lab.audit.records() if r.action == "guide.revise"
    ]
    assert notes == [
        "negative list + header '站点名称': 演练",
        "negative list - '站点名称': 演练结束",
    ]
    assert lab.audit.verify().ok


def test_oversized_upload_is_refused_cleanly(lab: LabServices, tmp_path: Path) -> None:
    """A file over ``ingest_max_bytes`` is a clear 400 leaving no version and no staged file."""
    small = dataclasses.replace(
        lab, settings=lab.settings.model_copy(update={"ingest_max_bytes": 1024})
    )
    with TestClient(steward_app(small)) as client:
        client.headers.update(bearer(lab, "steward", Role.STEWARD))
        response = upload(client, tables.open_table(tmp_path, rows=200), **META)
        assert response.status_code == 400
        assert "1024-byte ingest limit" in response.json()["error"]["message"]
        assert client.get("/api/steward/versions").json() == []
    assert staging_left(lab) == []


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        (
            "POST",
            "/api/steward/guide/negative-list",
            {"kind": "category", "value": "NO_SUCH", "reason": "x"},
            400,
        ),
        (
            "POST",
            "/api/steward/guide/negative-list",
            {"kind": "category", "value": "CREDENTIAL", "reason": "登录凭证不予采集"},
            400,
        ),
        (
            "POST",
            "/api/steward/guide/negative-list",
            {"kind": "regex", "value": "x", "reason": "x"},
            422,
        ),
        ("DELETE", "/api/steward/guide/negative-list/不存在", None, 400),
        ("GET", "/api/steward/versions/999", None, 404),
        ("POST", "/api/steward/versions/999/decision", {"tier": "T2"}, 404),
        ("POST", "/api/steward/versions/1/decision", {"tier": "T5"}, 400),
        (
            "PUT",
            "/api/steward/versions/1/dp-metadata",
            {"privacy_unit": "站点编号", "max_rows_per_unit": 1},
            409,
        ),
        ("POST", "/api/steward/versions/1/publish", None, 409),
    ],
)
def test_refusals_are_clear_errors(
    client: TestClient, tmp_path: Path, method: str, path: str, body: dict | None, status: int
) -> None:
    """Bad guide edits, unknown versions and out-of-order steps get 4xx in the one error shape."""
    assert upload(client, tables.open_table(tmp_path), **META).json()["version_id"] == 1
    response = client.request(method, path, json=body)
    assert response.status_code == status
    assert set(response.json()["error"]) == {"code", "message", "request_id"}


def test_bounds_whose_contribution_overflows_64_bits_are_refused_when_declared(
    client: TestClient, tmp_path: Path
) -> None:
    """max rows × |bound| beyond 2⁶³ − 1 could never be summed: a 400 naming the column and the
    largest bound that fits, and nothing is stored (no audit entry, no metadata)."""
    version_id = upload(client, tables.monthly_table(tmp_path), **META).json()["version_id"]
    client.post(f"/api/steward/versions/{version_id}/decision", json={"tier": "T3"})
    declaration = {
        "privacy_unit": "统一社会信用代码",
        "max_rows_per_unit": 4,
        "bounds": {"应纳税额（元）": [-(3 * 10**18), 10**9]},
        "domains": {"所属区": "qingdao_district_name"},
    }
    refused = client.put(f"/api/steward/versions/{version_id}/dp-metadata", json=declaration)
    assert refused.status_code == 400
    message = refused.json()["error"]["message"]
    assert "'应纳税额（元）'" in message and "within 2305843009213693951" in message
    assert client.get(f"/api/steward/versions/{version_id}").json()["dp_metadata"] is None
    fitting = {**declaration, "bounds": {"应纳税额（元）": [-(2 * 10**18), 10**9]}}
    accepted = client.put(f"/api/steward/versions/{version_id}/dp-metadata", json=fitting)
    assert accepted.status_code == 200
