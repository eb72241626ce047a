"""The gateway path end to end: priced and reserved before data, cached, keys complete, generic."""

from __future__ import annotations

import pytest

from lab.db import transaction
from lab.db.models import QueryRelease
from lab.gateway.engine import DuckDBEngine
from lab.gateway.errors import QueryRejected
from lab.gateway.ledger import BudgetExhausted
from lab.gateway.projects import apply_for_project, approve_project
from lab.gateway.service import DpGateway
from lab.identity import OrganisationKind
from lab.identity.accounts import create_organisation
from lab.reference import public_code_list
from lab.services import LabServices
from tests.unit.lab.gateway.restricted import publish_tax_table

TAX = '"应纳税额（元）"'


class CountingEngine:
    """Wraps the real engine and counts its runs (our own extension point)."""

    def __init__(self, inner) -> None:
        self.inner, self.runs = inner, 0

    def run(self, compiled, sources):
        self.runs += 1
        return self.inner.run(compiled, sources)

    def close(self):
        self.inner.close()


def _open_gateway(sqlite_lab: LabServices, tmp_path, *, units: int, epsilon: float, inner=None):
    publish_tax_table(sqlite_lab, tmp_path, units=units)
    with transaction(sqlite_lab.sessions) as s:
        org = create_organisation(
            s, sqlite_lab.audit, actor="t", name="银行", kind=OrganisationKind.BANK
        )
        project = apply_for_project(
            s,
            sqlite_lab.audit,
            organisation_id=org.id,
            title="基准",
            purpose="district tax benchmark",
            actor="banker",
        )
        approve_project(
            s, sqlite_lab.audit, project=project, budgets={"tax": epsilon}, actor="steward"
        )
        project_id = project.id
    engine = CountingEngine(inner or DuckDBEngine())
    return DpGateway(sqlite_lab, engine), engine, project_id


@pytest.fixture
def gateway(sqlite_lab: LabServices, tmp_path):
    opened = _open_gateway(sqlite_lab, tmp_path, units=40, epsilon=1.0)
    yield opened
    opened[0].tables.close()


@pytest.fixture
def wide_gateway(sqlite_lab: LabServices, tmp_path):
    """400 enterprises over 4 months: every month is held by many units."""
    opened = _open_gateway(sqlite_lab, tmp_path, units=400, epsilon=4.0)
    yield opened
    opened[0].tables.close()


def _ask(gw: DpGateway, project_id: int, sql: str, eps: float = 0.25, delta: float = 0.0):
    return gw.query(
        project_id=project_id, slug="tax", sql=sql, epsilon=eps, delta=delta, actor="analyst"
    )


def test_grouped_answer_has_every_public_key(gateway) -> None:
    """COUNT and AVG by district: all 10 districts, each value inside its interval, ε charged."""
    gw, _, project_id = gateway
    answer = _ask(
        gw, project_id, f'SELECT "所属区", COUNT(*), AVG({TAX}) FROM tax GROUP BY "所属区"'
    )
    assert sorted(r["所属区"] for r in answer.rows) == sorted(
        public_code_list("qingdao_district_name")
    )
    for row in answer.rows:
        for name in ("count(*)", f"avg({TAX.strip(chr(34))})"):
            assert row[f"{name}_low"] <= row[name] <= row[f"{name}_high"]
    assert answer.budget_left == pytest.approx(0.75) and not answer.cached


def test_repeat_is_cached_and_free(gateway) -> None:
    """The same query again returns the identical answer, charges nothing, runs nothing."""
    gw, engine, project_id = gateway
    sql = f"SELECT SUM({TAX}) FROM tax"
    first = _ask(gw, project_id, sql)
    second = _ask(gw, project_id, sql)
    assert second.cached and second.rows == first.rows and engine.runs == 1
    assert second.budget_left == first.budget_left


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM tax",
        'SELECT "所属区" FROM tax',
        "SELECT COUNT(*) FROM tax; DROP TABLE tax",
        'SELECT SUM("所属期") FROM tax',
        'SELECT COUNT(*) FROM tax GROUP BY "所属期"',
    ],
)
def test_rejections_touch_nothing_and_charge_nothing(gateway, sql) -> None:
    """Rejected queries never reach the engine and leave the budget untouched."""
    gw, engine, project_id = gateway
    with pytest.raises(QueryRejected):
        _ask(gw, project_id, sql)
    assert engine.runs == 0
    with gw.lab.sessions() as s:
        assert s.query(QueryRelease).count() == 0


def test_budget_exhaustion_refuses_before_data(gateway) -> None:
    """A query beyond the budget is refused without running."""
    gw, engine, project_id = gateway
    with pytest.raises(BudgetExhausted):
        _ask(gw, project_id, "SELECT COUNT(*) FROM tax", eps=1.5)
    assert engine.runs == 0


def test_a_newly_published_version_is_queried(gateway, tmp_path) -> None:
    """Metadata kept per version never pins a query to a version no longer served."""
    gw, _, project_id = gateway
    _ask(gw, project_id, "SELECT COUNT(*) FROM tax", eps=0.1)
    (tmp_path / "v2").mkdir()
    newer = publish_tax_table(gw.lab, tmp_path / "v2", units=40)
    _ask(gw, project_id, "SELECT COUNT(*) FROM tax", eps=0.1)
    with gw.lab.sessions() as s:
        versions = [r.version_id for r in s.query(QueryRelease).order_by(QueryRelease.id)]
    assert versions[1] == newer != versions[0]


def test_estimate_cost_needs_no_data(gateway) -> None:
    """The cost of a query is known from the plan alone."""
    gw, engine, _ = gateway
    cost = gw.estimate_cost(slug="tax", sql=f"SELECT COUNT(*), MEDIAN({TAX}) FROM tax", epsilon=0.4)
    assert cost.epsilon == 0.4 and engine.runs == 0


BY_MONTH = f'SELECT "所属期", COUNT(*), SUM({TAX}) FROM tax GROUP BY "所属期"'


def test_keys_without_domain_are_released_by_partition_selection(wide_gateway) -> None:
    """Months (no public code list) held by 400 units each are released, with δ charged."""
    gw, _, project_id = wide_gateway
    answer = _ask(gw, project_id, BY_MONTH, eps=1.0, delta=1e-6)
    assert sorted(r["所属期"] for r in answer.rows) == [f"2026-0{m}" for m in range(1, 5)]
    for row in answer.rows:
        assert row["count(*)_low"] <= row["count(*)"] <= row["count(*)_high"]
    assert (answer.epsilon, answer.delta) == (1.0, 1e-6)
    assert answer.budget_left == pytest.approx(3.0) and answer.delta_left == 0.0
    assert gw.estimate_cost(slug="tax", sql=BY_MONTH, epsilon=1.0, delta=1e-6).delta == 1e-6


def test_partition_selection_without_delta_is_rejected_for_free(wide_gateway) -> None:
    """Grouping by a key without a public domain at δ = 0 is refused before any charge."""
    gw, engine, project_id = wide_gateway
    with pytest.raises(QueryRejected, match="delta"):
        _ask(gw, project_id, BY_MONTH, eps=1.0)
    assert engine.runs == 0 and gw.ledger.state(1).spent == 0


def test_delta_budget_is_never_overspent(wide_gateway) -> None:
    """Once δ is spent, another selection query is refused uncharged; pure-ε queries go on."""
    gw, engine, project_id = wide_gateway
    _ask(gw, project_id, BY_MONTH, eps=1.0, delta=1e-6)
    with pytest.raises(BudgetExhausted):
        _ask(gw, project_id, 'SELECT "所属期", COUNT(*) FROM tax GROUP BY "所属期"', 1.0, 1e-6)
    assert engine.runs == 1 and gw.ledger.state(1).spent == pytest.approx(1.0)
    answer = _ask(gw, project_id, "SELECT COUNT(*) FROM tax", eps=0.5, delta=1e-6)
    assert answer.delta == 0.0 and answer.budget_left == pytest.approx(2.5)
