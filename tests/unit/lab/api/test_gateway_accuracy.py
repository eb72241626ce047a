"""Accuracy first, over HTTP: ``POST /api/gateway/cost`` gives each aggregate's 95% half-width
before anything is spent, solves for the ε (or ρ) a target needs, and never charges anything."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lab.app import create_app
from lab.db.models import OrganisationBudget, PrivacyBudget, QueryRelease
from lab.gateway.zcdp import implied_epsilon
from lab.services import open_services
from lab.settings import LabSettings
from tests.unit.lab.gateway.restricted import publish_tax_table, sandbox_token

AMOUNT = "应纳税额（元）"
SQL = f'SELECT "所属区", COUNT(*), SUM("{AMOUNT}"), AVG("{AMOUNT}") FROM tax GROUP BY "所属区"'
COUNT_SQL = 'SELECT "所属区", COUNT(*) FROM tax GROUP BY "所属区"'


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The tax table (4 rows per unit, amounts in [0, 1e9]), a pure-ε project and a zCDP one."""
    folder = tmp_path_factory.mktemp("accuracy")
    lab = open_services(LabSettings(home=folder / "home"))
    try:
        publish_tax_table(lab, folder, units=30)
        pure = sandbox_token(lab, epsilon=5.0, username="pure")
        zcdp = sandbox_token(lab, rho=0.5, username="zcdp")
        with TestClient(create_app(lab)) as client:
            yield lab, client, {"pure": pure, "zcdp": zcdp}
    finally:
        lab.close()


def _post(client: TestClient, token: str, route: str, **body) -> dict:
    response = client.post(
        f"/api/gateway/{route}",
        json={"dataset": "tax", **body},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _ledger(lab) -> tuple:
    """Everything a charge would change: budgets at every level and the releases."""
    with lab.sessions() as s:
        return (
            s.execute(select(PrivacyBudget.spent_micro, PrivacyBudget.rho_spent_micro)).all(),
            s.execute(select(OrganisationBudget.spent_micro)).all(),
            s.scalar(select(func.count()).select_from(QueryRelease)),
        )


def _half_widths(answer: dict, label: str) -> set[float]:
    return {row[f"{label}_high"] - row[label] for row in answer["rows"]}


@pytest.mark.parametrize(("kind", "spend"), [("pure", {"epsilon": 0.9}), ("zcdp", {"rho": 0.09})])
def test_cost_gives_the_half_widths_the_answer_then_shows(served, kind, spend) -> None:
    """A count's and a sum's half-width from /cost are exactly those of the answer's intervals;
    the mean gives its parts; asking /cost charged nothing at any level."""
    lab, client, tokens = served
    before = _ledger(lab)
    cost = _post(client, tokens[kind], "cost", sql=SQL, **spend)
    assert _ledger(lab) == before
    assert cost["accounting"] == kind
    accuracy = {a["aggregate"]: a for a in cost["accuracy"]}
    assert set(accuracy) == {"count(*)", f"sum({AMOUNT})", f"avg({AMOUNT})"}
    assert accuracy[f"avg({AMOUNT})"]["half_width"] is None
    assert set(accuracy[f"avg({AMOUNT})"]["parts"]) == {"count", "sum"}
    answer = _post(client, tokens[kind], "query", sql=SQL, **spend)
    assert _half_widths(answer, "count(*)") == {accuracy["count(*)"]["half_width"]}
    assert _half_widths(answer, f"sum({AMOUNT})") == {accuracy[f"sum({AMOUNT})"]["half_width"]}


def test_zcdp_cost_shows_rho_and_the_epsilon_it_implies(served) -> None:
    """Under zCDP the cost is ρ, shown with the ε it implies at the project's δ (OpenDP)."""
    _, client, tokens = served
    cost = _post(client, tokens["zcdp"], "cost", sql=COUNT_SQL, rho=0.02)
    assert cost["rho"] == 0.02 and cost["delta"] == 1e-6
    assert cost["epsilon"] == implied_epsilon(20_000, 10**6)


@pytest.mark.parametrize(("kind", "unit"), [("pure", "epsilon"), ("zcdp", "rho")])
def test_a_target_accuracy_gives_the_least_budget_that_reaches_it(served, kind, unit) -> None:
    """ "What ε gives ±20 on this count?": the answer reaches ±20, one unit less does not, and
    the search charged nothing."""
    lab, client, tokens = served
    before = _ledger(lab)
    cost = _post(client, tokens[kind], "cost", sql=SQL, target_half_width=20, aggregate="count(*)")
    least = cost[unit]
    at = _post(client, tokens[kind], "cost", sql=SQL, **{unit: least})
    below = _post(client, tokens[kind], "cost", sql=SQL, **{unit: round(least - 1e-6, 6)})
    assert at["accuracy"][0]["half_width"] <= 20 < below["accuracy"][0]["half_width"]
    assert _ledger(lab) == before


@pytest.mark.parametrize(("kind", "unit"), [("pure", "epsilon"), ("zcdp", "rho")])
def test_a_relative_target_is_relative_to_the_value_the_analyst_expects(served, kind, unit) -> None:
    """ "±5% on a count I expect to be 400": exactly the budget of ±20, from metadata alone."""
    lab, client, tokens = served
    before = _ledger(lab)
    relative = _post(
        client, tokens[kind], "cost", sql=COUNT_SQL, target_relative=0.05, expected=400
    )
    absolute = _post(client, tokens[kind], "cost", sql=COUNT_SQL, target_half_width=20)
    assert relative == absolute and relative["target_half_width"] == 20
    assert _ledger(lab) == before


def test_a_relative_target_without_an_expected_value_is_refused(served) -> None:
    """The gateway never reads the true count to size a relative target: without ``expected``
    the question is a clear 400 that says so, and nothing is charged."""
    lab, client, tokens = served
    before = _ledger(lab)
    response = client.post(
        "/api/gateway/cost",
        json={"dataset": "tax", "sql": COUNT_SQL, "target_relative": 0.05},
        headers={"Authorization": f"Bearer {tokens['pure']}"},
    )
    assert response.status_code == 400
    assert "expected=" in response.json()["error"]["message"]
    assert _ledger(lab) == before


def test_bad_accuracy_questions_are_clear_400s(served) -> None:
    """A target on a mean, ε from a zCDP project, ρ from a pure one: 400s, nothing charged."""
    lab, client, tokens = served
    before = _ledger(lab)
    asks = [
        ("pure", {"sql": SQL, "target_half_width": 5, "aggregate": f"avg({AMOUNT})"}),
        ("zcdp", {"sql": COUNT_SQL, "epsilon": 1.0}),
        ("pure", {"sql": COUNT_SQL, "rho": 0.1}),
        ("pure", {"sql": COUNT_SQL, "target_half_width": 1e-9}),
        ("pure", {"sql": COUNT_SQL, "target_half_width": 5, "target_relative": 0.1, "expected": 9}),
        ("pure", {"sql": COUNT_SQL, "target_relative": 1.5, "expected": 9}),
    ]
    for kind, body in asks:
        response = client.post(
            "/api/gateway/cost",
            json={"dataset": "tax", **body},
            headers={"Authorization": f"Bearer {tokens[kind]}"},
        )
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"]["code"] in {"invalid_input", "query_rejected"}
    assert _ledger(lab) == before


def test_a_zcdp_projects_budget_shows_rho_beside_its_epsilon(served) -> None:
    """/api/gateway/budget gives a zCDP project's ρ limit, spent and remaining, and the ε its
    limit implies at δ; a pure project's has no ρ."""
    _, client, tokens = served
    budgets = {}
    for kind, token in tokens.items():
        response = client.get("/api/gateway/budget", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        (budgets[kind],) = response.json()["budgets"]
    zcdp, pure = budgets["zcdp"], budgets["pure"]
    assert zcdp["accounting"] == "zcdp" and zcdp["rho_limit"] == 0.5
    assert zcdp["rho_remaining"] == pytest.approx(0.5 - zcdp["rho_spent"])
    assert zcdp["limit"] == pytest.approx(implied_epsilon(500_000, 10**6), abs=1e-6)
    assert pure["accounting"] == "pure" and pure["rho_limit"] is None
