"""Credit repair (信用修复): a steward's decision takes the penalty out of what banks are served."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lab.credit import refresh
from lab.credit.aggregates import Selection, aggregate, data_as_of, relation
from lab.credit.disputes import open_dispute
from lab.credit.mapping import shipped_mapping
from lab.credit.refresh import approved_repairs
from lab.credit.repairs import request_repair
from lab.credit.sources import BoundSource
from lab.db import transaction
from lab.db.models import AuditEntry, CreditProfileFeatures
from lab.identity import Role
from tests.unit.lab.credit.conftest import as_of_fallback
from tests.unit.lab.web.test_steward_pages import add_user, csrf_of, pages_app, post, sign_in

PENALTIES = "penalties"
PAGE = "/steward/credit"


def _repairable(sources: dict[str, BoundSource], as_of: date) -> list[tuple[str, str]]:
    """(credit code, 文号) of penalties past publicity decided within the last 24 months."""
    cut = (as_of - timedelta(days=730)).isoformat()
    sql = (
        'SELECT CAST("统一社会信用代码" AS VARCHAR), CAST("行政处罚决定书文号" AS VARCHAR) '
        f"FROM {relation(sources[PENALTIES].path)} WHERE \"信用修复状态\" = '公示期满' "
        f"AND CAST(\"处罚决定日期\" AS VARCHAR) >= '{cut}' ORDER BY 1, 2"
    )
    with duckdb.connect() as connection:
        return [tuple(row) for row in connection.execute(sql).fetchall()]


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as floats to 9 digits (a column's dtype depends on the other rows it was joined
    with, and DuckDB's parallel averages may differ in the last bits) and lists as sorted text
    (items decided the same day may come in either order)."""

    def normal(value):
        if isinstance(value, int | float | np.number):
            return float(f"{float(value):.9g}")
        if isinstance(value, list | np.ndarray):
            return str(sorted(str(item) for item in value))
        return str(value)

    return frame.map(normal)


def _refs(items) -> list[str]:
    return [] if items is None or isinstance(items, float) else [i["ref"] for i in list(items)]


@pytest.fixture(scope="module")
def as_of(demo_sources) -> date:
    return data_as_of(demo_sources, as_of_fallback())


def test_a_repaired_penalty_leaves_every_aggregate_of_its_enterprise_only(demo_sources, as_of):
    """Excluding one (code, 文号) lowers that firm's 24-month count by one and drops the item
    from its repairable list; every other enterprise's penalty aggregates stay identical."""
    code, ref = _repairable(demo_sources, as_of)[0]
    before = aggregate(demo_sources, as_of)
    after = aggregate(demo_sources, as_of, Selection(repaired=frozenset({(code, ref)})))
    assert after.loc[code, "penalties_24"] == before.loc[code, "penalties_24"] - 1
    assert ref not in _refs(after.loc[code, "repairable_penalties"])
    assert ref in _refs(before.loc[code, "repairable_penalties"])
    penalty_columns = [
        "penalties_12",
        "penalties_24",
        "penalties_public",
        "fines_12",
        "fines_24",
        "public_penalties",
        "repairable_penalties",
    ]
    unchanged = before.drop(index=code)[penalty_columns].sort_index()
    assert _normal(unchanged).equals(_normal(after.drop(index=code)[penalty_columns].sort_index()))


def test_selecting_codes_gives_the_same_row_as_the_whole_run(demo_sources, as_of) -> None:
    """One enterprise aggregated alone equals its row in the full aggregation."""
    code, _ref = _repairable(demo_sources, as_of)[0]
    whole = aggregate(demo_sources, as_of)
    alone = aggregate(demo_sources, as_of, Selection(codes=frozenset({code})))
    assert list(alone.index) == [code]
    assert _normal(alone.loc[[code], whole.columns]).equals(_normal(whole.loc[[code]]))


@pytest.fixture
def repair_world(world, demo_sources, as_of, monkeypatch):
    """The credit world, the sources read from the demo's files, and two repair requests."""

    @contextmanager
    def demo_files(_lab, _mapping):
        yield demo_sources

    monkeypatch.setattr(refresh, "valid_mapping", lambda _session: shipped_mapping())
    monkeypatch.setattr(refresh, "opened_sources", demo_files)
    pairs = _repairable(demo_sources, as_of)
    (code, ref), (other_code, other_ref) = pairs[0], next(p for p in pairs if p[0] != pairs[0][0])
    with transaction(world.lab.sessions) as session:
        ids = [
            request_repair(
                session,
                world.lab.audit,
                credit_code=c,
                penalty_reference=r,
                reason="处罚已履行完毕，公示期已满，申请信用修复。",
                actor="boss",
            ).id
            for c, r in ((code, ref), (other_code, other_ref))
        ]
    return world, ids, (code, ref), (other_code, other_ref)


def _stored(world, code: str) -> dict:
    with world.lab.sessions() as session:
        return session.get(CreditProfileFeatures, code).features


def _window_count(features: dict) -> str:
    block = features["scopes"]["licences_penalties"]["indicators"]["24"]
    return block["penalties_in_window"]


def test_approval_applies_at_once_and_rejection_changes_nothing(repair_world) -> None:
    world, (approved_id, rejected_id), (code, ref), (other_code, _other_ref) = repair_world
    waiting = world.client.get("/api/credit/repairs", headers=world.steward_headers).json()
    assert [r["id"] for r in waiting] == [approved_id, rejected_id]
    count_before, other_before = _window_count(_stored(world, code)), _stored(world, other_code)

    answer = world.client.post(
        f"/api/credit/repairs/{approved_id}/decision",
        json={"approve": True, "reasons": "核实处罚已履行且公示期满，准予修复。"},
        headers=world.steward_headers,
    )
    assert answer.status_code == 200 and answer.json()["state"] == "approved"
    features = _stored(world, code)
    assert ref not in [p["ref"] for p in features["enterprise"]["repairable_penalties"]]
    if count_before != "10+":
        assert int(_window_count(features)) == int(count_before) - 1

    refused = world.client.post(
        f"/api/credit/repairs/{rejected_id}/decision",
        json={"approve": False, "reasons": "处罚尚未履行完毕，不予修复。"},
        headers=world.steward_headers,
    )
    assert refused.status_code == 200 and refused.json()["state"] == "rejected"
    assert _stored(world, other_code) == other_before
    with world.lab.sessions() as session:
        assert approved_repairs(session) == frozenset({(code, ref)})
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("credit.repair.decide") == 2
    assert actions.count("credit.refresh.enterprise") == 1


def test_decisions_need_a_steward_reasons_and_a_waiting_request(repair_world) -> None:
    world, (repair_id, _), _pair, _other = repair_world
    url = f"/api/credit/repairs/{repair_id}/decision"
    body = {"approve": True, "reasons": "核实无误，准予修复。"}
    assert world.client.post(url, json=body, headers=world.bank_headers).status_code == 403
    short = world.client.post(url, json={**body, "reasons": "好"}, headers=world.steward_headers)
    assert short.status_code == 400
    assert world.client.post(url, json=body, headers=world.steward_headers).status_code == 200
    again = world.client.post(url, json=body, headers=world.steward_headers)
    assert again.status_code == 409
    missing = world.client.post(
        "/api/credit/repairs/99999/decision", json=body, headers=world.steward_headers
    )
    assert missing.status_code == 404


def test_steward_page_answers_disputes_and_decides_repairs(repair_world) -> None:
    """The page lists the open dispute and both requests; its forms (with CSRF) answer and
    decide, and the flash says so; without the token nothing changes."""
    world, (approved_id, rejected_id), (code, ref), _other = repair_world
    with transaction(world.lab.sessions) as session:
        dispute = open_dispute(
            session,
            world.lab.audit,
            credit_code=code,
            item="licences_penalties",
            reason="处罚信息与实际不符，请核实。",
            actor="boss",
        )
    add_user(world.lab, "page-steward", Role.STEWARD)
    with TestClient(pages_app(world.lab)) as browser:
        assert sign_in(browser, "page-steward").status_code == 303
        page = browser.get(PAGE).text
        assert ref in page and f"#{dispute.id} {code}" in page and f"#{rejected_id}" in page
        forged = post(browser, f"{PAGE}/repairs/{approved_id}/approve", {"reasons": "x" * 20})
        assert forged.status_code == 403
        token = csrf_of(browser, PAGE)
        answered = post(
            browser,
            f"{PAGE}/disputes/{dispute.id}/answer",
            {"csrf_token": token, "text": "经核实，处罚信息准确无误。"},
        )
        assert answered.headers["location"] == f"{PAGE}?done=dispute-answered"
        approved = post(
            browser,
            f"{PAGE}/repairs/{approved_id}/approve",
            {"csrf_token": token, "reasons": "核实处罚已履行且公示期满，准予修复。"},
        )
        assert approved.headers["location"] == f"{PAGE}?done=repair-approved"
        short = post(
            browser, f"{PAGE}/repairs/{rejected_id}/reject", {"csrf_token": token, "reasons": "不"}
        )
        assert short.status_code == 400 and "至少 10 个字" in short.text
        after = browser.get(f"{PAGE}?done=repair-approved").text
    assert "准予信用修复" in after and f"#{approved_id} " not in after
    assert f"#{rejected_id} " in after and f"#{dispute.id} {code}" not in after
    assert ref not in [p["ref"] for p in _stored(world, code)["enterprise"]["repairable_penalties"]]
