"""Neighbouring datasets end to end: publication → gateway → HTTP, for every kind of query.

D holds light units (8 rows each, spread over districts) and one target unit with far more rows
than its bound, all at a value far above the upper bound, in one district and one industry of
its own. D' is D without the target unit, published as the next version of the same dataset —
the neighbour the attacker must not tell apart (the dataset's secret bounding seed is the same in
both worlds, as it would be). Each release is a real ``POST /api/gateway/query`` with a sandbox
token; the cache returns an identical query's stored answer, so every release asks a distinct
query text with the same result (``amount > -k``: no stored amount is negative). Empirical ε is
the lower bound of a threshold-event test at high confidence (``empirical``); it must stay within
the claimed ε. The queries that exclude the target are the audit's attack of issue 12: with a
file-dependent seed, they differed between D and D' by several noise units.

Every test runs for both mechanisms: pure ε (discrete Laplace at ε = 1 per release, loss ≤ ε)
and ρ-zCDP (discrete Gaussian at ρ = 0.125 per release, paid by projects the steward put under
zCDP accounting; its (ε, δ) loss at δ = 1e-3, OpenDP's conversion, bounds the test's). Partition
selection runs only under pure ε; under zCDP the same query is refused, free.

Bounds keep VARIANCE's sum of squares far below 2^63 (rows × 1000², for overflow see dp-total).
"""

from __future__ import annotations

import statistics

import pytest
from fastapi.testclient import TestClient

from classification import Tier
from lab.app import create_app
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.dp_metadata import DpDeclaration, set_dp_metadata
from lab.catalogue.versions.publishing import publish
from lab.db import transaction
from lab.gateway.accounting import PICO
from lab.gateway.zcdp import implied_epsilon
from lab.ingest.pipeline import ingest
from lab.reference import public_code_list
from lab.services import LabServices, open_services
from lab.settings import LabSettings
from tests.unit.lab.gateway.empirical import epsilon_bounds, wilson
from tests.unit.lab.gateway.restricted import sandbox_token
from tests.unit.lab.ingest import tables

BOUND, HI, EPSILON, DELTA, RELEASES = 3, 1000, 1.0, 5e-8, 200
RHO, TEST_DELTA = 0.125, 1e-3  # the Gaussian's ρ per release, and the δ its loss is tested at
GAUSSIAN_EPSILON = implied_epsilon(round(RHO * 1e6), round(TEST_DELTA * PICO))
# Noise scale relative to the Laplace's at ε = 1 (Δ): the Gaussian's σ = Δ/√(2ρ) = 2Δ.
MECHANISMS = {"laplace": (EPSILON, 0.0, 1.0), "gaussian": (GAUSSIAN_EPSILON, TEST_DELTA, 2.0)}
# A project's default δ (1e-6) pays for its 20 releases at δ = 5e-8.
LIGHT_UNITS, MONTHS = 400, 8
DISTRICTS = public_code_list("qingdao_district_name")
CODES = tables.firms(LIGHT_UNITS + 1)
TARGET, TARGET_DISTRICT, TARGET_INDUSTRY = CODES[-1], DISTRICTS[0], "独有"
HEADER = ["unit", "month", "district", "industry", "amount"]
FILTER = "amount > -{k}"
QUERIES = {
    "count": "SELECT COUNT(*) FROM tax WHERE {f}",
    "sum": "SELECT SUM(amount) FROM tax WHERE {f}",
    "avg": "SELECT AVG(amount) FROM tax WHERE {f}",
    "variance": "SELECT VARIANCE(amount) FROM tax WHERE {f}",
    "by_district": "SELECT district, COUNT(*) FROM tax WHERE {f} GROUP BY district",
    "by_industry": "SELECT industry, COUNT(*) FROM tax WHERE {f} GROUP BY industry",
    "others_by_district": (
        f"SELECT district, COUNT(*) FROM tax WHERE unit <> '{TARGET}' AND {{f}} GROUP BY district"
    ),
    "others_sum": f"SELECT SUM(amount) FROM tax WHERE unit <> '{TARGET}' AND {{f}}",
}


def _rows(*, with_target: bool) -> list[list[object]]:
    light = [
        [code, f"2026-{m:02d}", DISTRICTS[(u + m) % 8], f"类{u % 4}", (37 * u + 101 * m) % 900]
        for u, code in enumerate(CODES[:LIGHT_UNITS])
        for m in range(1, MONTHS + 1)
    ]
    target = [[TARGET, f"2025-{m:02d}", TARGET_DISTRICT, TARGET_INDUSTRY, 10**7] for m in range(60)]
    return light + (target if with_target else [])


def _publish(lab: LabServices, folder, rows: list[list[object]], name: str) -> None:
    path = tables.write_csv(folder / name, HEADER, rows)
    with path.open("rb") as stream:
        meta = DatasetMeta(title="纳税", department="税务局", slug="tax")
        outcome = ingest(lab, stream, path.name, meta, actor="steward")
    declaration = DpDeclaration(
        "unit", BOUND, {"amount": (0, HI)}, {"district": "qingdao_district_name"}
    )
    with transaction(lab.sessions) as s:
        version = get_version(s, outcome.version_id)
        decide(s, lab.audit, version=version, tier=Tier.T3, justification="", actor="steward")
        set_dp_metadata(s, lab.audit, version=version, declaration=declaration, actor="steward")
    publish(lab, version_id=outcome.version_id, actor="steward")


class SandboxTokens:
    """Sandbox tokens of approved projects, each of its own organisation, with ε = ``PER_PROJECT``.

    A project's budget is capped, so the releases of this test are paid for by many projects —
    of distinct organisations, so that no organisation-level budget or shared cache links them.
    """

    PER_PROJECT = 20

    def __init__(self, lab: LabServices, prefix: str, rho: float | None = None) -> None:
        self.lab, self.issued, self.uses = lab, 0, 0
        self.token, self.prefix, self.rho = "", prefix, rho

    def next(self) -> str:
        """A token whose project can still pay ε = 1."""
        if self.uses % self.PER_PROJECT == 0:
            self.token = self._new_project(self.issued)
            self.issued += 1
        self.uses += 1
        return self.token

    def _new_project(self, n: int) -> str:
        name = f"{self.prefix}{n}"
        if self.rho is None:
            return sandbox_token(self.lab, epsilon=self.PER_PROJECT, username=name)
        return sandbox_token(self.lab, rho=self.rho * self.PER_PROJECT, username=name)


def _ask(client: TestClient, tokens: SandboxTokens, kind: str) -> list[list[dict]]:
    """``RELEASES`` answers of one query kind, each a distinct query text with the same result."""
    answers = []
    for k in range(1, RELEASES + 1):
        body = {"dataset": "tax", "sql": QUERIES[kind].format(f=FILTER.format(k=k))}
        spend = {"epsilon": EPSILON} if tokens.rho is None else {"rho": tokens.rho}
        body |= spend | {"delta": DELTA if kind == "by_industry" else 0.0}
        response = client.post(
            "/api/gateway/query", json=body, headers={"Authorization": f"Bearer {tokens.next()}"}
        )
        assert response.status_code == 200, response.text
        assert not response.json()["cached"]
        answers.append(response.json()["rows"])
    return answers


@pytest.fixture(scope="module", params=sorted(MECHANISMS))
def mechanism(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def published(tmp_path_factory, mechanism):
    """D and D' published as two versions of ``tax``; every query kind's releases under
    ``mechanism`` on D (with the target), then on D' (the next version, without), and — under
    zCDP — the answer to a query that needs partition selection."""
    folder = tmp_path_factory.mktemp(f"neighbours-http-{mechanism}")
    lab = open_services(LabSettings(home=folder / "home"))
    zcdp = mechanism == "gaussian"
    kinds = [k for k in QUERIES if not (zcdp and k == "by_industry")]
    try:
        _publish(lab, folder, _rows(with_target=True), "d.csv")
        tokens = SandboxTokens(lab, "a", rho=RHO if zcdp else None)
        with TestClient(create_app(lab)) as client:
            with_target = {kind: _ask(client, tokens, kind) for kind in kinds}
            refused = _partition_selection_status(client, tokens) if zcdp else None
            _publish(lab, folder, _rows(with_target=False), "d-prime.csv")
            without = {kind: _ask(client, tokens, kind) for kind in kinds}
        yield {"D": with_target, "D'": without}, refused
    finally:
        lab.close()


def _partition_selection_status(client: TestClient, tokens: SandboxTokens) -> tuple[int, str]:
    """The answer to a query needing partition selection from a zCDP project."""
    sql = QUERIES["by_industry"].format(f=FILTER.format(k=1))
    body = {"dataset": "tax", "sql": sql, "rho": tokens.rho, "delta": DELTA}
    response = client.post(
        "/api/gateway/query", json=body, headers={"Authorization": f"Bearer {tokens.next()}"}
    )
    return response.status_code, response.json()["error"]["code"]


@pytest.fixture(scope="module")
def worlds(published) -> dict[str, list[list[dict]]]:
    """Every query kind's releases on D and D' under ``mechanism``."""
    return published[0]


@pytest.fixture(scope="module")
def claimed(mechanism) -> tuple[float, float, float]:
    """(ε, δ) the mechanism claims per release, and its noise scale relative to the Laplace's."""
    return MECHANISMS[mechanism]


def _values(answers: list[list[dict]], label: str, key: str | None = None, group=None):
    """One released value per answer: ``label`` of the row whose ``key`` is ``group``."""
    found = []
    for rows in answers:
        row = rows[0] if key is None else next((r for r in rows if r[key] == group), None)
        found.append(None if row is None else row[label])
    return found


def _loss(xs: list[float], ys: list[float], scale: float, delta: float = 0.0) -> float:
    """The lower confidence bound of the (ε, δ) privacy loss over threshold events around both."""
    centres = (statistics.median(xs), statistics.median(ys))
    thresholds = [c + j * scale / 2 for c in centres for j in range(-6, 7)]
    return epsilon_bounds(xs, ys, thresholds, delta)[0]


SINGLE = {
    "count": ("count(*)", BOUND),
    "sum": ("sum(amount)", BOUND * HI),
    "avg": ("avg(amount)", HI / 50),
    "variance": ("variance(amount)", HI**2 / 200),
}


@pytest.mark.parametrize("kind", sorted(SINGLE))
def test_ungrouped_aggregates_stay_within_epsilon(worlds, claimed, kind: str) -> None:
    """COUNT, SUM, AVG and VARIANCE with the over-limit, over-bound target in D or not."""
    epsilon, delta, wider = claimed
    label, scale = SINGLE[kind]
    xs, ys = (_values(worlds[w][kind], label) for w in ("D", "D'"))
    assert _loss(xs, ys, scale * wider, delta) <= epsilon


def test_count_by_public_district_stays_within_epsilon(worlds, claimed) -> None:
    """The target's district in a grouped count over a public code list."""
    epsilon, delta, wider = claimed
    xs, ys = (
        _values(worlds[w]["by_district"], "count(*)", "district", TARGET_DISTRICT)
        for w in ("D", "D'")
    )
    assert statistics.median(xs) - statistics.median(ys) == pytest.approx(BOUND, abs=2 * wider)
    assert _loss(xs, ys, BOUND * wider, delta) <= epsilon


def test_partition_selection_hides_the_targets_own_key(published, mechanism) -> None:
    """The industry only the target holds is released at most δ of the time; a shared industry's
    count stays within ε. Under zCDP the query is refused instead: a 400, free."""
    worlds, refused = published
    if mechanism == "gaussian":
        assert refused == (400, "query_rejected") and "by_industry" not in worlds["D"]
        return
    leaks = sum(
        any(r["industry"] == TARGET_INDUSTRY for r in rows) for rows in worlds["D"]["by_industry"]
    )
    assert wilson(leaks, RELEASES)[0] <= DELTA
    xs, ys = (_values(worlds[w]["by_industry"], "count(*)", "industry", "类0") for w in ("D", "D'"))
    assert None not in xs + ys
    assert _loss(xs, ys, 2 * BOUND) <= EPSILON


@pytest.mark.parametrize("district", DISTRICTS)
def test_counts_excluding_the_target_do_not_tell_the_worlds_apart(
    worlds, claimed, district
) -> None:
    """``WHERE unit <> target``: every district's count has the same law on D and D' (the
    issue 12 attack, which showed ε ≥ 3.84 when the cut depended on the whole file)."""
    epsilon, delta, wider = claimed
    xs, ys = (
        _values(worlds[w]["others_by_district"], "count(*)", "district", district)
        for w in ("D", "D'")
    )
    assert _loss(xs, ys, BOUND * wider, delta) <= epsilon


def test_sum_excluding_the_target_does_not_tell_the_worlds_apart(worlds, claimed) -> None:
    """``SUM … WHERE unit <> target`` has the same law on D and D'."""
    epsilon, delta, wider = claimed
    xs, ys = (_values(worlds[w]["others_sum"], "sum(amount)") for w in ("D", "D'"))
    assert _loss(xs, ys, BOUND * HI * wider, delta) <= epsilon
