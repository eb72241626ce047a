"""Joins on the privacy unit, attacked from outside: neighbouring datasets through the real
publication path and ``POST /api/gateway/query``; charging and free refusals over HTTP.

Two datasets about the same enterprises, ``tax`` (monthly tax) and ``insured`` (monthly insured
headcount), each declared with ``month`` unique per unit and at most 3 rows per unit, so a join
on the unit and the month has at most 3 rows per unit (not 3 × 3). D holds 400 light units in
both tables and one target unit with 20 rows in each of 3 months in *both* tables, all at values
far above the bounds. D' is D without the target in either table, published as the next version
of both datasets (each dataset keeps its own secret bounding seed, as it would). Publication
keeps one row per (unit, month) and then 3 rows, so the target has exactly 3 joined rows: the
count moves by the bound, the sum by bound × HI. Had publication not enforced the declared
uniqueness, the target's 3 + 3 kept rows would pair by chance (0 to 9 joined rows, depending on
the seeds): checked by hand, the count test then fails (a shift of 0 here).

Each release is a distinct query text with the same result (``amount > -k``), paid by projects
of distinct organisations (no shared cache or organisation budget links them). Both mechanisms:
pure ε (discrete Laplace, ε = 1 per release) and ρ-zCDP (discrete Gaussian, ρ = 0.125, its loss
tested at δ = 1e-3 through OpenDP's conversion).
"""

from __future__ import annotations

import statistics

import pytest
from fastapi.testclient import TestClient

from lab.app import create_app
from lab.catalogue.versions.dp_metadata import DpDeclaration
from lab.gateway.accounting import PICO
from lab.gateway.projects import DEFAULT_DELTA_PER_DATASET
from lab.gateway.zcdp import implied_epsilon, implied_epsilon_micro
from lab.reference import public_code_list
from lab.services import LabServices, open_services
from lab.settings import LabSettings
from tests.unit.lab.gateway.empirical import epsilon_bounds
from tests.unit.lab.gateway.restricted import publish_restricted, sandbox_token
from tests.unit.lab.ingest import tables

BOUND, HI, EPSILON, RELEASES, RHO, TEST_DELTA = 3, 1000, 1.0, 200, 0.125, 1e-3
GAUSSIAN_EPSILON = implied_epsilon(round(RHO * 1e6), round(TEST_DELTA * PICO))
MECHANISMS = {"laplace": (EPSILON, 0.0, 1.0), "gaussian": (GAUSSIAN_EPSILON, TEST_DELTA, 2.0)}
LIGHT_UNITS, MONTHS = 400, 8
DISTRICTS = public_code_list("qingdao_district_name")
CODES = tables.firms(LIGHT_UNITS + 1)
TARGET = CODES[-1]
JOIN = "FROM tax t JOIN insured s ON t.unit = s.unit AND t.month = s.month"
QUERIES = {
    "count": f"SELECT COUNT(*) {JOIN} WHERE t.amount > -{{k}}",
    "sum": f"SELECT SUM(t.amount) {JOIN} WHERE t.amount > -{{k}}",
}


def _rows(value: int, *, with_target: bool) -> list[list[object]]:
    light = [
        [code, f"2026-{m:02d}", DISTRICTS[(u + m) % 8], (37 * u + 101 * m) % 400]
        for u, code in enumerate(CODES[:LIGHT_UNITS])
        for m in range(1, MONTHS + 1)
    ]
    target = [[TARGET, f"2026-{m:02d}", DISTRICTS[0], value] for m in (1, 2, 3) for _ in range(20)]
    return light + (target if with_target else [])


def _publish(lab: LabServices, folder, *, with_target: bool) -> None:
    """``tax`` and ``insured`` (a new version of each), both with ``month`` unique per unit."""
    for slug, column, value in (("tax", "amount", 10**7), ("insured", "insured", 10**5)):
        name = f"{slug}-{'d' if with_target else 'd-prime'}.csv"
        header = ["unit", "month", "district", column]
        path = tables.write_csv(folder / name, header, _rows(value, with_target=with_target))
        declaration = DpDeclaration(
            "unit",
            BOUND,
            {column: (0, HI)},
            {"district": "qingdao_district_name"},
            unique_per_unit=("month",),
        )
        publish_restricted(lab, path, declaration, slug=slug)


class Projects:
    """Sandbox tokens of approved projects on both datasets, each of its own organisation."""

    PER_PROJECT = 10

    def __init__(self, lab: LabServices, prefix: str, rho: float | None) -> None:
        self.lab, self.prefix, self.rho, self.issued, self.uses, self.token = (
            lab,
            prefix,
            rho,
            0,
            0,
            "",
        )

    def next(self) -> str:
        if self.uses % self.PER_PROJECT == 0:
            name = f"{self.prefix}{self.issued}"
            each = self.PER_PROJECT * (EPSILON if self.rho is None else self.rho)
            budgets = {"tax": each, "insured": each}
            self.token = sandbox_token(
                self.lab, username=name, budgets=budgets, rho=self.rho and each
            )
            self.issued += 1
        self.uses += 1
        return self.token


def _ask(client: TestClient, projects: Projects, kind: str) -> list[float]:
    values = []
    for k in range(1, RELEASES + 1):
        spend = {"epsilon": EPSILON} if projects.rho is None else {"rho": projects.rho}
        body = {"dataset": "tax", "sql": QUERIES[kind].format(k=k)} | spend
        response = client.post(
            "/api/gateway/query", json=body, headers={"Authorization": f"Bearer {projects.next()}"}
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        assert not answer["cached"]
        values.append(answer["rows"][0][answer["columns"][0]])
    return values


@pytest.fixture(scope="module", params=sorted(MECHANISMS))
def worlds(request, tmp_path_factory):
    """Joined count and sum releases on D and on D' under one mechanism, and its claim."""
    mechanism = request.param
    folder = tmp_path_factory.mktemp(f"join-neighbours-{mechanism}")
    lab = open_services(LabSettings(home=folder / "home"))
    rho = RHO if mechanism == "gaussian" else None
    try:
        projects = Projects(lab, "j", rho)
        with TestClient(create_app(lab)) as client:
            _publish(lab, folder, with_target=True)
            d = {kind: _ask(client, projects, kind) for kind in QUERIES}
            _publish(lab, folder, with_target=False)
            d_prime = {kind: _ask(client, projects, kind) for kind in QUERIES}
        yield {"D": d, "D'": d_prime}, MECHANISMS[mechanism]
    finally:
        lab.close()


def _loss(xs: list[float], ys: list[float], scale: float, delta: float) -> float:
    centres = (statistics.median(xs), statistics.median(ys))
    thresholds = [c + j * scale / 2 for c in centres for j in range(-6, 7)]
    return epsilon_bounds(xs, ys, thresholds, delta)[0]


def test_a_joined_count_moves_by_the_bound_and_stays_within_epsilon(worlds) -> None:
    """The target's 3 joined rows (one per unique month, not 9) shift the count by the bound;
    the two worlds' releases stay within the claimed ε."""
    released, (epsilon, delta, wider) = worlds
    xs, ys = released["D"]["count"], released["D'"]["count"]
    assert statistics.median(xs) - statistics.median(ys) == pytest.approx(BOUND, abs=2 * wider)
    assert _loss(xs, ys, BOUND * wider, delta) <= epsilon


def test_a_joined_sum_stays_within_epsilon(worlds) -> None:
    """SUM over a joined column, clamped to its owning table's bounds, stays within ε."""
    released, (epsilon, delta, wider) = worlds
    xs, ys = released["D"]["sum"], released["D'"]["sum"]
    assert _loss(xs, ys, BOUND * HI * wider, delta) <= epsilon


@pytest.fixture(scope="module")
def lab_with_both(tmp_path_factory):
    folder = tmp_path_factory.mktemp("join-charges")
    lab = open_services(LabSettings(home=folder / "home"))
    try:
        _publish(lab, folder, with_target=True)
        with TestClient(create_app(lab)) as client:
            yield lab, client
    finally:
        lab.close()


def _spent(client: TestClient, token: str) -> dict[tuple[str, str], float]:
    answer = client.get("/api/gateway/budget", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return {
        (level["level"], level["scope"]): level["spent"]
        for budget in answer.json()["budgets"]
        for level in budget["levels"]
    }


def test_a_join_is_charged_to_both_datasets_and_once_to_the_unit(lab_with_both) -> None:
    """One joined release at ε = 0.5: each dataset's project and organisation budgets spend 0.5,
    the organisation's budget on the shared unit 0.5 (once); the repeat is cached, free."""
    lab, client = lab_with_both
    token = sandbox_token(lab, username="charged", budgets={"tax": 2.0, "insured": 2.0})
    headers = {"Authorization": f"Bearer {token}"}
    body = {"dataset": "tax", "sql": QUERIES["count"].format(k=1), "epsilon": 0.5}
    assert set(_spent(client, token).values()) == {0.0}
    first = client.post("/api/gateway/query", json=body, headers=headers)
    assert first.status_code == 200, first.text
    spent = _spent(client, token)
    assert {scope: value for (_, scope), value in spent.items()} == {
        "dataset:tax": 0.5,
        "dataset:insured": 0.5,
        "unit:category:ENTERPRISE_ID": 0.5,
    }
    assert all(value == 0.5 for value in spent.values()) and len(spent) == 5
    again = client.post("/api/gateway/query", json=body, headers=headers)
    assert again.json()["cached"] and _spent(client, token) == spent


@pytest.mark.parametrize(
    ("sql", "status"),
    [
        (QUERIES["count"].format(k=1).replace(" JOIN ", " LEFT JOIN "), 400),
        ("SELECT COUNT(*) FROM tax t JOIN insured s ON t.month = s.month", 400),
        ("SELECT COUNT(*) FROM tax t JOIN tax s ON t.unit = s.unit", 400),
        (
            "SELECT t.district, COUNT(*) FROM tax t JOIN insured s ON t.unit = s.unit "
            "GROUP BY t.unit",
            400,
        ),
    ],
)
def test_refused_joins_are_free(lab_with_both, sql: str, status: int) -> None:
    """An unsound join is refused with the gateway's one error shape, and nothing is charged."""
    lab, client = lab_with_both
    token = sandbox_token(
        lab, username=f"refused{abs(hash(sql))}", budgets={"tax": 1.0, "insured": 1.0}
    )
    before = _spent(client, token)
    response = client.post(
        "/api/gateway/query",
        json={"dataset": "tax", "sql": sql, "epsilon": 0.5},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == status
    assert set(response.json()["error"]) >= {"code", "message"}
    assert _spent(client, token) == before


def test_a_join_needs_a_budget_on_both_datasets(lab_with_both) -> None:
    """A project with a budget on one dataset only cannot join the other, whichever of the two
    the request names: refused (query and cost), free."""
    lab, client = lab_with_both
    for held in ("tax", "insured"):
        token = sandbox_token(lab, username=f"only{held}", budgets={held: 1.0})
        before = _spent(client, token)
        for route in ("query", "cost"):
            response = client.post(
                f"/api/gateway/{route}",
                json={"dataset": held, "sql": QUERIES["count"].format(k=1), "epsilon": 0.5},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 404, response.text
        assert _spent(client, token) == before


def test_the_cost_of_a_join_uses_the_joined_bound(lab_with_both) -> None:
    """``/cost`` prices a joined count at the join's bound: its half-width is a single table's
    with 3 rows per unit (the months are unique), not 9."""
    lab, client = lab_with_both
    token = sandbox_token(lab, username="coster", budgets={"tax": 1.0, "insured": 1.0})
    headers = {"Authorization": f"Bearer {token}"}
    joined = {"dataset": "tax", "sql": QUERIES["count"].format(k=1), "epsilon": 0.5}
    single = {"dataset": "tax", "sql": "SELECT COUNT(*) FROM tax", "epsilon": 0.5}
    widths = [
        client.post("/api/gateway/cost", json=body, headers=headers).json()["accuracy"][0]
        for body in (joined, single)
    ]
    assert widths[0] == {**widths[1], "aggregate": "count(*)"}


def test_zcdp_releases_compose_in_rho_on_the_unit(lab_with_both) -> None:
    """A zCDP project asks ρ = 0.02 on ``tax``, ρ = 0.03 joined, ρ = 0.01 on ``insured``: each
    dataset's levels hold ε(its ρ), and the organisation's unit level ε(0.06) with δ once — the
    three releases compose in ρ on the unit, not as a sum of ε's (ε(0.05) + ε(0.04) before)."""
    lab, client = lab_with_both
    token = sandbox_token(lab, username="zcdpjoin", budgets={"tax": 0.5, "insured": 0.5}, rho=0.5)
    headers = {"Authorization": f"Bearer {token}"}
    asks = (
        ("tax", "SELECT COUNT(*) FROM tax WHERE amount > -1", 0.02),
        ("tax", QUERIES["count"].format(k=1), 0.03),
        ("insured", "SELECT COUNT(*) FROM insured WHERE insured > -1", 0.01),
    )
    for dataset, sql, rho in asks:
        body = {"dataset": dataset, "sql": sql, "rho": rho}
        response = client.post("/api/gateway/query", json=body, headers=headers)
        assert response.status_code == 200, response.text
    delta_pico = round(DEFAULT_DELTA_PER_DATASET * PICO)
    epsilon = {
        rho: implied_epsilon_micro(rho, delta_pico) / 1e6 for rho in (40_000, 50_000, 60_000)
    }
    spent = _spent(client, token)
    assert spent == {
        ("project", "dataset:tax"): epsilon[50_000],
        ("organisation_dataset", "dataset:tax"): epsilon[50_000],
        ("project", "dataset:insured"): epsilon[40_000],
        ("organisation_dataset", "dataset:insured"): epsilon[40_000],
        ("organisation_unit", "unit:category:ENTERPRISE_ID"): epsilon[60_000],
    }
    answer = client.get("/api/gateway/budget", headers=headers).json()
    unit_deltas = {
        level["delta_spent"]
        for budget in answer["budgets"]
        for level in budget["levels"]
        if level["level"] == "organisation_unit"
    }
    assert unit_deltas == {DEFAULT_DELTA_PER_DATASET}
