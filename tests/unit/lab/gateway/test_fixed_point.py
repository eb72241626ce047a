"""Fixed-point measures: non-integer bounds and values are served honestly, never truncated.

Issue 12 item 5: bounds [−1.5, 2.5] were served as [−1, 2] and values rounded to integers, so a
SUM's interval missed the true clamped sum. A column declared with precision 0.1 is stored in
tenths, and answers come back in the declared unit; without a precision, non-integer bounds are
refused with a message naming the column.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from classification import Tier
from lab.app import create_app
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.dp_metadata import DpDeclaration, set_dp_metadata
from lab.catalogue.versions.publishing import publish
from lab.db import transaction
from lab.db.models import AuditEntry, DpMetadata
from lab.gateway.engine import DuckDBEngine, run_compiled
from lab.gateway.planner import compile_plan
from lab.gateway.query import plan_query
from lab.gateway.releases import plan_cost, plan_releases, release_answer
from lab.gateway.targets import table_metadata
from lab.identity import Role
from lab.ingest.pipeline import ingest
from lab.services import LabServices, open_services
from lab.settings import LabSettings
from tests.unit.lab.api.test_steward_api import bearer, steward_app
from tests.unit.lab.cli.test_cli import datalab
from tests.unit.lab.gateway.empirical import coverage_tolerance
from tests.unit.lab.gateway.restricted import sandbox_token
from tests.unit.lab.ingest import tables

LOW, HIGH, EPSILON, RELEASES = -1.5, 2.5, 1.0, 2000
HEADER = ["unit", "district", "amount"]


def _amounts() -> list[str]:
    """Two-decimal values, many outside [−1.5, 2.5] and many between tenths."""
    return [f"{(i * 37 % 900 - 400) / 100:.2f}" for i in range(600)]


def _declared_truth(amounts: list[str], predicate=lambda v: True) -> tuple[Decimal, int]:
    """The clamped sum (rounded to tenths, half away from zero) and row count a query covers."""
    tenths = [Decimal(a).quantize(Decimal("0.1"), ROUND_HALF_UP) for a in amounts]
    kept = [v for v in tenths if predicate(v)]
    return sum(min(max(v, Decimal(str(LOW))), Decimal(str(HIGH))) for v in kept), len(kept)


def _ingest(lab: LabServices, folder: Path) -> int:
    rows = [[c, tables.DISTRICTS[i % 8], a] for i, (c, a) in enumerate(zip(*_units(), strict=True))]
    path = tables.write_csv(folder / "amounts.csv", HEADER, rows)
    with path.open("rb") as stream:
        meta = DatasetMeta(title="定点", department="税务局", slug="tax")
        version_id = ingest(lab, stream, path.name, meta, actor="steward").version_id
    with transaction(lab.sessions) as s:
        version = get_version(s, version_id)
        decide(s, lab.audit, version=version, tier=Tier.T3, justification="", actor="steward")
    return version_id


def _units() -> tuple[list[str], list[str]]:
    amounts = _amounts()
    codes = tables.firms(len(amounts) // 2)
    return [codes[i // 2] for i in range(len(amounts))], amounts


def _publish_fixed_point(lab: LabServices, folder: Path) -> int:
    version_id = _ingest(lab, folder)
    declaration = DpDeclaration("unit", 2, {"amount": (LOW, HIGH)}, {}, {"amount": "0.1"})
    with transaction(lab.sessions) as s:
        version = get_version(s, version_id)
        set_dp_metadata(s, lab.audit, version=version, declaration=declaration, actor="steward")
    publish(lab, version_id=version_id, actor="steward")
    return version_id


def _exact(lab: LabServices, version_id: int, sql: str, folder: Path):
    """The plan (on the metadata the gateway reads) and the engine's exact answer on the
    published table, decrypted by the lab's sealed store."""
    with lab.sessions() as s:
        metadata, _, key = table_metadata(s, "tax")
    plan = plan_query(sql, [metadata])
    published = folder / "published.parquet"
    with lab.sealed.open_plaintext_memfd(key) as plaintext:
        published.write_bytes(plaintext.read())
    return plan, run_compiled(DuckDBEngine(), compile_plan(plan), published)


def test_sum_interval_covers_the_true_clamped_sum_in_the_declared_unit(
    sqlite_lab: LabServices, tmp_path
) -> None:
    """SUM over [−1.5, 2.5] at precision 0.1: intervals cover the true clamped sum at ≥ 95%."""
    version_id = _publish_fixed_point(sqlite_lab, tmp_path)
    plan, exact = _exact(sqlite_lab, version_id, "SELECT SUM(amount) FROM tax", tmp_path)
    truth, _ = _declared_truth(_amounts())
    assert int(exact.column("sum:amount")[0].as_py()) == int(truth * 10)  # exact, in tenths
    releases = plan_releases(plan, plan_cost(plan, EPSILON))
    rows = [release_answer(plan, exact, releases)["rows"][0] for _ in range(RELEASES)]
    covered = sum(r["sum(amount)_low"] <= truth <= r["sum(amount)_high"] for r in rows)
    assert covered / RELEASES >= 0.95 - coverage_tolerance(RELEASES)
    mean = sum(r["sum(amount)"] for r in rows) / RELEASES
    assert abs(mean - float(truth)) < 1.0  # centred on the declared-unit truth, not ×10


def test_where_compares_in_the_declared_unit(sqlite_lab: LabServices, tmp_path) -> None:
    """``WHERE amount > 1.2`` and ``= 0.5`` select exactly the values (in tenths) they name."""
    version_id = _publish_fixed_point(sqlite_lab, tmp_path)
    for sql, predicate in (
        ("SELECT COUNT(*) FROM tax WHERE amount > 1.2", lambda v: v > Decimal("1.2")),
        ("SELECT COUNT(*) FROM tax WHERE amount = 0.5", lambda v: v == Decimal("0.5")),
    ):
        _, exact = _exact(sqlite_lab, version_id, sql, tmp_path)
        assert exact.column("rows")[0].as_py() == _declared_truth(_amounts(), predicate)[1] > 0


def test_analysts_see_declared_bounds_and_answers(sqlite_lab: LabServices, tmp_path) -> None:
    """Over HTTP the schema shows [−1.5, 2.5] at 0.1, and a mean lies in the declared range."""
    _publish_fixed_point(sqlite_lab, tmp_path)
    token = sandbox_token(sqlite_lab, epsilon=5.0)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(sqlite_lab)) as client:
        schema = client.get("/api/gateway/datasets/tax", headers=headers).json()
        body = {"dataset": "tax", "sql": "SELECT AVG(amount) FROM tax", "epsilon": 5.0}
        answer = client.post("/api/gateway/query", json=body, headers=headers).json()
    amount = next(c for c in schema["columns"] if c["name"] == "amount")
    assert amount["bounds"] == [LOW, HIGH] and amount["precision"] == "0.1"
    assert amount["kind"] == "float"
    (row,) = answer["rows"]
    assert LOW - 1 <= row["avg(amount)"] <= HIGH + 1  # stored tenths would read about ×10


@pytest.mark.parametrize(
    ("precisions", "message"),
    [
        (
            {},
            "bounds of 'amount' (-1.5, 2.5) are not whole numbers: declare the column's precision",
        ),
        ({"amount": "0.2"}, "precision '0.2' must be 1, 0.1, 0.01"),
        (
            {"amount": "1"},
            "bounds of 'amount' (-1.5, 2.5) are not whole multiples of its precision",
        ),
    ],
)
def test_non_integer_bounds_without_a_fitting_precision_are_refused(
    lab: LabServices, tmp_path, precisions: dict, message: str
) -> None:
    """Through the steward API: a 400 naming the column, and nothing stored or audited."""
    version_id = _ingest(lab, tmp_path)
    body = {
        "privacy_unit": "unit",
        "max_rows_per_unit": 2,
        "bounds": {"amount": [LOW, HIGH]},
        "precisions": precisions,
    }
    with TestClient(steward_app(lab)) as client:
        client.headers.update(bearer(lab, "steward", Role.STEWARD))
        response = client.put(f"/api/steward/versions/{version_id}/dp-metadata", json=body)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    with lab.sessions() as s:
        assert s.get(DpMetadata, version_id) is None
        assert not [e for e in s.query(AuditEntry).all() if e.action == "dp_metadata.set"]


def test_cli_declares_a_precision_and_refuses_fractional_bounds_without_one(tmp_path) -> None:
    """``datalab dataset dp``: [−1.5, 2.5] alone is one clear line, nothing stored; with
    ``--precision amount:0.1`` the bounds are stored exactly as declared, with their precision."""
    home = tmp_path / "home"
    lab = open_services(LabSettings(home=home))
    try:
        version_id = _ingest(lab, tmp_path)
    finally:
        lab.close()
    args = ("dataset", "dp", str(version_id), "--unit", "unit", "--max-rows", "2")
    refused = datalab(home, *args, "--bound", "amount:-1.5:2.5")
    assert refused.returncode == 2 and "declare the column's precision" in refused.stderr
    declared = datalab(home, *args, "--bound", "amount:-1.5:2.5", "--precision", "amount:0.1")
    assert declared.returncode == 0, declared.stderr
    lab = open_services(LabSettings(home=home))
    try:
        with lab.sessions() as s:
            assert s.get(DpMetadata, version_id).bounds == {"amount": [LOW, HIGH, "0.1"]}
    finally:
        lab.close()
