"""Interval widths under ρ-zCDP (discrete Gaussian) against pure ε (discrete Laplace), same total.

    .venv/bin/python benchmarks/dp_zcdp_gain.py [--queries 50] [--epsilon 1] [--delta 1e-6]

Publishes a synthetic restricted tax table through the real path (T3, encrypted, 12 rows per
enterprise, amounts in [0, 100000] 元, 10 public districts) in a temporary lab, and approves two
projects of one bank on it at the same total (ε, δ): a pure-ε project with ε, and a zCDP project
with the largest ρ whose implied ε at δ (OpenDP's conversion) is at most ε. Each project then
asks the same ``--queries`` grouped queries through ``DpGateway.query`` — COUNT(*), SUM and AVG
of the amount by district, in turn, each with a distinct filter — spending its total equally
(ε/k or ρ/k per query), so each has spent its whole budget at the end. Prints, per aggregate,
the median 95% interval width over all groups and queries under each accounting, their ratio,
the share of intervals covering the exact value (plain DuckDB on the same rows), and, for
context, the count's width at other numbers of queries (from the calibrated measurements alone).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classification import Tier
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.dp_metadata import DpDeclaration, set_dp_metadata
from lab.catalogue.versions.publishing import publish
from lab.db import transaction
from lab.gateway.accounting import MICRO, PICO
from lab.gateway.noise import make_count_release
from lab.gateway.projects import apply_for_project, approve_project
from lab.gateway.service import DpGateway
from lab.gateway.zcdp import Accounting, implied_epsilon, rho_for_epsilon
from lab.identity import OrganisationKind
from lab.identity.accounts import create_organisation
from lab.ingest.pipeline import ingest
from lab.reference import public_code_list
from lab.services import open_services
from lab.settings import LabSettings

ROWS_PER_UNIT, HI, UNITS = 12, 100_000, 20_000
DISTRICTS = public_code_list("qingdao_district_name")
KINDS = ("count(*)", "sum(amount)", "avg(amount)")
SQL = {
    "count(*)": "SELECT district, COUNT(*) FROM tax WHERE amount > -{k} GROUP BY district",
    "sum(amount)": "SELECT district, SUM(amount) FROM tax WHERE amount > -{k} GROUP BY district",
    "avg(amount)": "SELECT district, AVG(amount) FROM tax WHERE amount > -{k} GROUP BY district",
}
EXACT = {
    "count(*)": "SELECT district, COUNT(*) FROM t GROUP BY district",
    "sum(amount)": "SELECT district, SUM(amount) FROM t GROUP BY district",
    "avg(amount)": "SELECT district, AVG(amount) FROM t GROUP BY district",
}


def main() -> None:
    args = _arguments()
    rho_micro = rho_for_epsilon(round(args.epsilon * MICRO), round(args.delta * PICO))
    with tempfile.TemporaryDirectory() as folder:
        lab = open_services(LabSettings(home=Path(folder) / "home"))
        try:
            path = _table(Path(folder))
            _publish(lab, path)
            projects = _projects(lab, args.epsilon, rho_micro / MICRO, args.delta)
            truth = _truth(path)
            gateway = DpGateway(lab)
            try:
                widths = {
                    accounting: _ask(gateway, projects[accounting], accounting, args, rho_micro)
                    for accounting in Accounting
                }
            finally:
                gateway.close()
        finally:
            lab.close()
    _report(args, rho_micro, widths, truth)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--epsilon", type=float, default=1.0)
    parser.add_argument("--delta", type=float, default=1e-6)
    return parser.parse_args()


def _table(folder: Path) -> Path:
    """UNITS enterprises × 12 monthly rows: district, amount (seeded, reproducible)."""
    rng = random.Random(18)
    path = folder / "tax.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["unit", "month", "district", "amount"])
        for u in range(UNITS):
            district, base = DISTRICTS[u % len(DISTRICTS)], rng.randint(1_000, 60_000)
            for month in range(1, ROWS_PER_UNIT + 1):
                amount = min(HI, max(0, int(rng.gauss(base, base / 4))))
                writer.writerow([f"U{u:05d}", f"2026-{month:02d}", district, amount])
    return path


def _publish(lab, path: Path) -> None:
    meta = DatasetMeta(title="纳税", department="税务局", slug="tax")
    with path.open("rb") as stream:
        outcome = ingest(lab, stream, path.name, meta, actor="bench")
    declaration = DpDeclaration(
        "unit", ROWS_PER_UNIT, {"amount": (0, HI)}, {"district": "qingdao_district_name"}
    )
    with transaction(lab.sessions) as s:
        version = get_version(s, outcome.version_id)
        decide(s, lab.audit, version=version, tier=Tier.T3, justification="", actor="bench")
        set_dp_metadata(s, lab.audit, version=version, declaration=declaration, actor="bench")
    publish(lab, version_id=outcome.version_id, actor="bench")


def _projects(lab, epsilon: float, rho: float, delta: float) -> dict[Accounting, int]:
    """One bank, a pure-ε project (ε) and a zCDP project (ρ worth at most ε at δ)."""
    made = {}
    with transaction(lab.sessions) as s:
        bank = create_organisation(s, lab.audit, actor="b", name="银行", kind=OrganisationKind.BANK)
        for accounting, amount in ((Accounting.PURE, epsilon), (Accounting.ZCDP, rho)):
            project = apply_for_project(
                s,
                lab.audit,
                organisation_id=bank.id,
                title="基准",
                purpose="zCDP against pure ε",
                actor="b",
            )
            approve_project(
                s,
                lab.audit,
                project=project,
                budgets={"tax": amount},
                delta=delta,
                actor="bench",
                accounting=accounting,
            )
            made[accounting] = project.id
    return made


def _truth(path: Path) -> dict[str, dict[str, float]]:
    """The exact aggregates per district (every unit has ROWS_PER_UNIT rows: no truncation)."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', header=true)")
    return {kind: dict(con.execute(sql).fetchall()) for kind, sql in EXACT.items()}


def _ask(gateway, project: int, accounting: Accounting, args, rho_micro: int) -> list[dict]:
    """The answers' rows of ``--queries`` grouped queries, each spending total/k."""
    rows = []
    for k in range(args.queries):
        kind = KINDS[k % len(KINDS)]
        if accounting is Accounting.ZCDP:
            spend = {"rho": (rho_micro // args.queries) / MICRO}
        else:
            spend = {"epsilon": (round(args.epsilon * MICRO) // args.queries) / MICRO}
        answer = gateway.query(
            project_id=project, slug="tax", sql=SQL[kind].format(k=k + 1), actor="bench", **spend
        )
        rows += [{"kind": kind, **row} for row in answer.rows]
    return rows


def _report(args, rho_micro: int, answers: dict, truth: dict) -> None:
    k, rho = args.queries, rho_micro / MICRO
    implied = implied_epsilon(rho_micro, round(args.delta * PICO))
    print(
        f"{k} grouped queries (10 districts each); in all ε = {args.epsilon:g}, δ = {args.delta:g}"
    )
    print(f"pure ε: ε/{k} per query; zCDP: ρ = {rho:g} (implies ε = {implied:.4f}), ρ/{k} each")
    print("ratio: pure-ε width / zCDP width; coverage: share of intervals holding the truth\n")
    print("| aggregate | pure ε: median 95% width | zCDP: median 95% width | ratio | coverage |")
    print("|---|---|---|---|---|")
    for kind in KINDS:
        medians, covered = {}, {}
        for accounting, rows in answers.items():
            mine = [r for r in rows if r["kind"] == kind]
            low, high = f"{kind}_low", f"{kind}_high"
            medians[accounting] = statistics.median(r[high] - r[low] for r in mine)
            hits = [r[low] <= truth[kind][r["district"]] <= r[high] for r in mine]
            covered[accounting] = sum(hits) / len(hits)
        pure, zcdp = medians[Accounting.PURE], medians[Accounting.ZCDP]
        print(
            f"| {kind} | {pure:,.1f} | {zcdp:,.1f} | {pure / zcdp:.2f}× | "
            f"{covered[Accounting.PURE]:.3f} / {covered[Accounting.ZCDP]:.3f} |"
        )
    print("\ncount(*) 95% width by number of queries at the same total (measurements only):")
    print("| queries | pure ε | zCDP | ratio |")
    print("|---|---|---|---|")
    for queries in (1, 10, 50, 200):
        pure = make_count_release(ROWS_PER_UNIT, args.epsilon / queries).half_width() * 2
        share = (rho_micro // queries) / MICRO
        zcdp = make_count_release(ROWS_PER_UNIT, share, Accounting.ZCDP).half_width() * 2
        print(f"| {queries} | {pure} | {zcdp} | {pure / zcdp:.2f}× |")


if __name__ == "__main__":
    main()
