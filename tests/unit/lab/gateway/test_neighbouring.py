"""Neighbouring datasets through the whole path: publication bounding, the engine, the noise layer.

D has 300 light units; D' adds one unit with 1000 rows, all in one district, with a value far
above the bound. Both are published through the real path (ingest → decide → DP metadata →
publish) as two versions of one dataset, so the cut uses the dataset's own secret seed, as it
would in production. Publication cuts the heavy unit to ``BOUND`` rows, the engine clamps its
values, and thousands of releases of count, sum and mean on the two tables show a privacy loss
consistent with ε and 95% intervals that cover the truth at their rate. Each release here goes
through ``release_answer`` — the function the gateway uses — on the engine's exact output, stacked
so that one call noises thousands of independent copies (``test_neighbouring_http`` asks over
HTTP instead).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from classification import Tier
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.dp_metadata import DpDeclaration, set_dp_metadata
from lab.catalogue.versions.publishing import publish
from lab.db import transaction
from lab.gateway.engine import DuckDBEngine, run_compiled
from lab.gateway.intervals import discrete_laplace_tail
from lab.gateway.mechanisms import make_partition_selection
from lab.gateway.metadata import ColumnKind, TableMetadata
from lab.gateway.noise import make_count_release, make_sum_release
from lab.gateway.partitions import released_groups
from lab.gateway.planner import compile_plan
from lab.gateway.query import plan_query
from lab.gateway.releases import plan_cost, plan_releases, release_answer
from lab.ingest.pipeline import ingest
from lab.reference import public_code_list
from lab.services import LabServices, open_services
from lab.settings import LabSettings
from tests.unit.lab.gateway.empirical import coverage_tolerance, epsilon_bounds, wilson
from tests.unit.lab.ingest import tables

BOUND, LO, HI, EPSILON, RELEASES = 4, 0, 1000, 1.0, 20_000
COLUMNS = ["unit", "district", "category", "amount"]
DISTRICTS = public_code_list("qingdao_district_name")
TARGET = DISTRICTS[0]
METADATA = TableMetadata(
    name="tax",
    columns={
        "unit": ColumnKind.TEXT,
        "district": ColumnKind.TEXT,
        "category": ColumnKind.TEXT,
        "amount": ColumnKind.INTEGER,
    },
    privacy_unit="unit",
    max_rows_per_unit=BOUND,
    bounds={"amount": (LO, HI)},
    public_domains={"district": DISTRICTS},
)


def _rows(*, with_heavy_unit: bool) -> list[tuple[str, str, str, str]]:
    codes = tables.firms(301)
    rows = [
        (codes[u], DISTRICTS[u % len(DISTRICTS)], f"类{u % 5}", str(100 + u))
        for u in range(300)
        for _ in range(3)
    ]
    if with_heavy_unit:
        rows += [(codes[300], TARGET, "独有", "5000")] * 1000
    return rows


def _publish(lab: LabServices, folder: Path, *, with_heavy_unit: bool) -> Path:
    """Publish the rows as the next version of ``tax`` through the real path; return its cut,
    decrypted by the lab's sealed store into a test file the engine reads."""
    name = "d-prime" if with_heavy_unit else "d"
    path = tables.write_csv(folder / f"{name}.csv", COLUMNS, _rows(with_heavy_unit=with_heavy_unit))
    with path.open("rb") as stream:
        meta = DatasetMeta(title="邻居", department="税务局", slug="tax")
        version_id = ingest(lab, stream, path.name, meta, actor="steward").version_id
    declaration = DpDeclaration("unit", BOUND, {"amount": (LO, HI)}, {})
    with transaction(lab.sessions) as s:
        version = get_version(s, version_id)
        decide(s, lab.audit, version=version, tier=Tier.T3, justification="", actor="steward")
        set_dp_metadata(s, lab.audit, version=version, declaration=declaration, actor="steward")
    publish(lab, version_id=version_id, actor="steward")
    with lab.sessions() as s:
        key = get_version(s, version_id).objects["data.parquet"]
    target = folder / f"{name}.parquet"
    with lab.sealed.open_plaintext_memfd(key) as plaintext:
        target.write_bytes(plaintext.read())
    return target


@pytest.fixture(scope="module")
def neighbours(tmp_path_factory) -> tuple[Path, Path]:
    """The published cuts of D and of D' (D plus one heavy unit), two versions of one dataset."""
    root = tmp_path_factory.mktemp("neighbours")
    lab = open_services(LabSettings(home=root / "home"))
    try:
        return (
            _publish(lab, root, with_heavy_unit=False),
            _publish(lab, root, with_heavy_unit=True),
        )
    finally:
        lab.close()


def _exact_target(sql: str, path: Path) -> tuple[object, pa.Table]:
    plan = plan_query(sql, [METADATA])
    exact = run_compiled(DuckDBEngine(), compile_plan(plan), path)
    return plan, exact.filter(pc.equal(exact.column("district"), TARGET))


def _releases(sql: str, path: Path, label: str) -> tuple[float, list[dict]]:
    """The exact target-district value and ``RELEASES`` independent releases of it."""
    plan, exact = _exact_target(sql, path)
    answer = release_answer(
        plan, pa.concat_tables([exact] * RELEASES), plan_releases(plan, plan_cost(plan, EPSILON))
    )
    count, total = exact.column("rows")[0].as_py(), None
    if "sum:amount" in exact.column_names:
        total = int(exact.column("sum:amount")[0].as_py())
    truth = {"count(*)": count, "sum(amount)": total, "avg(amount)": None}[label]
    if label == "avg(amount)":
        truth = total / exact.column("count:amount")[0].as_py()
    return truth, [row for row in answer["rows"]]


QUERIES = {
    "count(*)": "SELECT district, COUNT(*) FROM tax GROUP BY district",
    "sum(amount)": "SELECT district, SUM(amount) FROM tax GROUP BY district",
    "avg(amount)": "SELECT district, AVG(amount) FROM tax GROUP BY district",
}


def test_heavy_unit_adds_exactly_its_bound_at_clamped_values(neighbours) -> None:
    """The 1000-row unit adds BOUND rows to its group, each value clamped to the upper bound."""
    d, d_prime = neighbours
    _, base = _exact_target(QUERIES["sum(amount)"], d)
    _, more = _exact_target(QUERIES["sum(amount)"], d_prime)
    assert more.column("rows")[0].as_py() - base.column("rows")[0].as_py() == BOUND
    added = int(more.column("sum:amount")[0].as_py()) - int(base.column("sum:amount")[0].as_py())
    assert added == BOUND * HI


@pytest.mark.parametrize("label", ["count(*)", "sum(amount)"])
def test_count_and_sum_loss_on_neighbours_is_epsilon(neighbours, label: str) -> None:
    """Releases on D and D' show a privacy loss whose lower bound is ≤ ε and upper bound ≈ ε."""
    d, d_prime = neighbours
    truth, outputs = _releases(QUERIES[label], d, label)
    _, neighbour = _releases(QUERIES[label], d_prime, label)
    step = BOUND if label == "count(*)" else BOUND * HI
    thresholds = [truth + k * step / 2 for k in range(-2, 5)]
    lower, upper = epsilon_bounds(
        [r[label] for r in outputs], [r[label] for r in neighbour], thresholds
    )
    assert lower <= EPSILON
    assert upper >= 0.9 * EPSILON  # the noise is calibrated to the bound, not oversized


def test_mean_loss_on_neighbours_stays_within_epsilon(neighbours) -> None:
    """The mean (noisy sum / noisy count, ε/2 each) never shows a loss above ε."""
    d, d_prime = neighbours
    truth, outputs = _releases(QUERIES["avg(amount)"], d, "avg(amount)")
    _, neighbour = _releases(QUERIES["avg(amount)"], d_prime, "avg(amount)")
    thresholds = [truth + k * 10 for k in range(-4, 9)]
    lower, _ = epsilon_bounds(
        [r["avg(amount)"] for r in outputs], [r["avg(amount)"] for r in neighbour], thresholds
    )
    assert lower <= EPSILON


@pytest.mark.parametrize("label", ["count(*)", "sum(amount)"])
def test_count_and_sum_intervals_cover_at_their_exact_rate(neighbours, label: str) -> None:
    """The 95% intervals cover the exact value at their exact rate (95%, a little over for
    discrete noise), within sampling tolerance."""
    truth, outputs = _releases(QUERIES[label], neighbours[0], label)
    release = (
        make_count_release(BOUND, EPSILON)
        if label == "count(*)"
        else make_sum_release(BOUND, METADATA.bounds["amount"], EPSILON)
    )
    expected = 1 - discrete_laplace_tail(release.scale, release.half_width())
    assert 0.95 <= expected <= 0.96
    covered = sum(r[f"{label}_low"] <= truth <= r[f"{label}_high"] for r in outputs) / RELEASES
    assert abs(covered - expected) <= coverage_tolerance(RELEASES)


def test_mean_interval_covers_at_least_95_percent(neighbours) -> None:
    """The mean's interval (from its two parts' intervals) covers the truth ≥ 95% − tolerance."""
    truth, outputs = _releases(QUERIES["avg(amount)"], neighbours[0], "avg(amount)")
    covered = sum(r["avg(amount)_low"] <= truth <= r["avg(amount)_high"] for r in outputs)
    assert covered / RELEASES >= 0.95 - coverage_tolerance(RELEASES)


def test_key_of_a_single_unit_is_not_released_by_partition_selection(neighbours) -> None:
    """On D' the key only the heavy unit holds passes selection at most δ of the time, while
    keys many units hold always pass."""
    sql = "SELECT category, COUNT(*) FROM tax GROUP BY category"
    plan = plan_query(sql, [METADATA], delta=0.02)
    exact = run_compiled(DuckDBEngine(), compile_plan(plan), neighbours[1])
    assert "独有" in exact.column("category").to_pylist()  # the engine does find it
    selection = make_partition_selection(BOUND, EPSILON / 2, 0.02)
    trials = 4000
    released = [released_groups(plan, exact, selection) for _ in range(trials)]
    leaks = sum("独有" in r.column("category").to_pylist() for r in released)
    assert wilson(leaks, trials)[0] <= 0.02
    assert all(r.num_rows == 5 for r in released if "独有" not in r.column("category").to_pylist())
