"""Issue 12 through ``/api/gateway/query``: nothing after the reservation fails on data, and
hopeless or sub-unit requests are refused free, with a message that says what would work.

Every table here is published through the real path (ingest, T3 decision, DP declaration,
bounding at publication) and queried with a real sandbox token over HTTP. Neighbouring tables
differ by one privacy unit whose rows sit at the upper bound, chosen so that the exact sum (or
sum of squares) of the larger one no longer fits a 64-bit integer: an outside analyst who sees
500 for one and 200 for the other learns whether the unit is there, at ε = ∞.
"""

from __future__ import annotations

import json
import math

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.catalogue.versions.dp_metadata import DpDeclaration
from lab.services import LabServices, open_services
from lab.settings import LabSettings
from tests.unit.lab.gateway.restricted import publish_restricted, publish_tax_table, sandbox_token
from tests.unit.lab.ingest import tables

VALUE = "应纳税额（元）"
SUM_BOUND = 2 * 10**16  # 461 units at the bound sum below 2⁶³ − 1, 462 above it
SQUARES_BOUND = 15 * 10**7  # 409 squares at the bound sum below 2⁶³ − 1, 410 above it
NEIGHBOURS = {
    "sums": (SUM_BOUND, 461),
    "sums-plus-one": (SUM_BOUND, 462),
    "squares": (SQUARES_BOUND, 409),
    "squares-plus-one": (SQUARES_BOUND, 410),
}
COLUMN = f'"{VALUE}"'


def _publish_at_bound(lab: LabServices, folder, slug: str, bound: int, units: int) -> None:
    """``units`` enterprises, one row each, all at ``bound``, declared with bounds [0, bound]."""
    folder.mkdir()
    body = [[code, tables.DISTRICTS[i % 8], bound] for i, code in enumerate(tables.firms(units))]
    path = tables.write_csv(folder / f"{slug}.csv", ["统一社会信用代码", "所属区", VALUE], body)
    declaration = DpDeclaration(
        "统一社会信用代码", 1, {VALUE: (0, bound)}, {"所属区": "qingdao_district_name"}
    )
    publish_restricted(lab, path, declaration, slug=slug)


@pytest.fixture(scope="module")
def extremes(tmp_path_factory):
    """The four neighbouring tables at their extreme bounds, and a client with a token on each."""
    root = tmp_path_factory.mktemp("extremes")
    lab = open_services(LabSettings(home=root / "home"))
    for slug, (bound, units) in NEIGHBOURS.items():
        _publish_at_bound(lab, root / slug, slug, bound, units)
    token = sandbox_token(lab, budgets=dict.fromkeys(NEIGHBOURS, 20.0))
    with TestClient(create_app(lab)) as client:
        yield client, token
    lab.close()


def _query(client: TestClient, token: str, body: dict):
    return client.post(
        "/api/gateway/query", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def _spent(client: TestClient, token: str, dataset: str) -> tuple[float, float]:
    budgets = client.get(
        "/api/gateway/budget", headers={"Authorization": f"Bearer {token}"}
    ).json()["budgets"]
    (budget,) = [b for b in budgets if b["dataset"] == dataset]
    return budget["spent"], budget["delta_spent"]


@pytest.mark.parametrize(
    ("pair", "aggregate", "epsilon"),
    [
        ("sums", "COUNT(*)", 1.0),
        ("sums", f"COUNT({COLUMN})", 1.0),
        ("sums", f"SUM({COLUMN})", 5.0),
        ("sums", f"AVG({COLUMN})", 5.0),
        ("sums", f"MEDIAN({COLUMN})", 1.0),
        ("sums", f"QUANTILE({COLUMN}, 0.9)", 1.0),
        ("squares", f"VARIANCE({COLUMN})", 10.0),
        ("squares", f"STDDEV({COLUMN})", 10.0),
    ],
)
def test_neighbours_at_the_extreme_bounds_both_get_an_answer(
    extremes, pair: str, aggregate: str, epsilon: float
) -> None:
    """D and D' (one more unit at the bound, its exact aggregate beyond 2⁶³ − 1) both get 200
    with finite values and intervals, charged exactly ε: the status says nothing of the unit."""
    client, token = extremes
    for dataset in (pair, f"{pair}-plus-one"):
        before = _spent(client, token, dataset)[0]
        sql = f"SELECT {aggregate} FROM {dataset.replace('-', '_')}"
        response = _query(client, token, {"dataset": dataset, "sql": sql, "epsilon": epsilon})
        assert response.status_code == 200, (dataset, response.json())
        (row,) = response.json()["rows"]
        assert all(math.isfinite(v) for v in row.values())
        assert _spent(client, token, dataset)[0] == pytest.approx(before + epsilon, abs=1e-9)


@pytest.mark.parametrize(
    ("dataset", "advice"),
    [
        ("squares", f'ask for ε ≥ 7.5, or for bounds on "{VALUE}" within ±3.87e+07'),
        ("sums", f'at any ε; it needs bounds on "{VALUE}" within ±3037000499'),
    ],
)
def test_a_hopeless_variance_is_refused_free_saying_what_would_work(
    extremes, dataset: str, advice: str
) -> None:
    """VARIANCE at ε = 0.5 of a column bounded at 1.5·10⁸ needs noise of scale 1.35·10¹⁷, and of
    one bounded at 2·10¹⁶ a sensitivity beyond 64 bits: each is a 400 from /cost and /query
    naming the ε or bounds that would work, with the ledger unchanged (it was a charged 500)."""
    client, token = extremes
    before = _spent(client, token, dataset)
    sql = f"SELECT VARIANCE({COLUMN}) FROM {dataset}"
    body = {"dataset": dataset, "sql": sql, "epsilon": 0.5}
    for route in ("/api/gateway/cost", "/api/gateway/query"):
        response = client.post(route, json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 400, response.json()
        error = response.json()["error"]
        assert error["code"] == "query_rejected" and advice in error["message"], error
    assert _spent(client, token, dataset) == before


@pytest.fixture
def tax_api(sqlite_lab: LabServices, tmp_path):
    """The monthly tax table (months have no public domain) and a token with ε = 5, δ = 1e-6."""
    publish_tax_table(sqlite_lab, tmp_path, units=40)
    token = sandbox_token(sqlite_lab, epsilon=5.0)
    with TestClient(create_app(sqlite_lab)) as client:
        yield client, token


@pytest.mark.parametrize("epsilon", [1e-300, 4e-13, 9e-7])
def test_epsilon_below_one_micro_epsilon_is_refused_free(tax_api, epsilon: float) -> None:
    """An ε that rounds to zero budget units is a 400 saying the unit, not a free 500."""
    client, token = tax_api
    body = {"dataset": "tax", "sql": "SELECT COUNT(*) FROM tax", "epsilon": epsilon}
    response = _query(client, token, body)
    assert response.status_code == 400, response.json()
    assert "at least 1e-06 (one micro-ε" in response.json()["error"]["message"]
    assert _spent(client, token, "tax") == (0, 0)


@pytest.mark.parametrize("epsilon", [float("nan"), float("inf"), -1.0, 0.0])
def test_nonsense_epsilon_is_refused_free(tax_api, epsilon: float) -> None:
    """NaN, infinite, negative or zero ε (NaN and Infinity as a lenient JSON parser reads them)
    is refused as a 4xx before anything is charged."""
    client, token = tax_api
    body = {"dataset": "tax", "sql": "SELECT COUNT(*) FROM tax", "epsilon": epsilon}
    response = client.post(
        "/api/gateway/query",
        content=json.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500
    assert _spent(client, token, "tax") == (0, 0)


def test_delta_below_one_pico_delta_is_refused_after_delta_is_spent(tax_api) -> None:
    """Once δ is used up, a partition-selection query at δ = 4e-16 (which rounded to 0 pico-δ
    and passed the δ check) is a 400 naming the unit, and nothing more is charged."""
    client, token = tax_api
    by_month = 'SELECT "所属期", COUNT(*) FROM tax GROUP BY "所属期"'
    spend = {"dataset": "tax", "sql": by_month, "epsilon": 1.0, "delta": 1e-6}
    assert _query(client, token, spend).status_code == 200
    before = _spent(client, token, "tax")
    response = _query(client, token, {**spend, "epsilon": 0.5, "delta": 4e-16})
    assert response.status_code == 400, response.json()
    assert "at least 1e-12 (one pico-δ" in response.json()["error"]["message"]
    assert _spent(client, token, "tax") == before
