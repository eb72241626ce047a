"""DP gateway latency against the same non-private DuckDB query, in the same run.

    .venv/bin/python benchmarks/dp_gateway.py [--rows 1000000] [--repeat 3]

Builds a restricted table of ``--rows`` rows (about 12 rows per enterprise: district, industry
section, integer revenue), ingests and publishes it through the real path (T3, encrypted, bounded
to 12 rows per unit), approves a project, then times, interleaved over ``--repeat`` rounds:

* baseline: plain DuckDB on the plaintext Parquet (no privacy) — Q1 count by district,
  Q2 sum and mean of revenue by district × industry, Q3 median revenue (exact);
* the gateway's HTTP API (``/api/gateway/query`` through a real uvicorn server on 127.0.0.1),
  with a fresh ε each time so no answer comes from the cache. This includes decrypting the table
  into memory for every query (no table cache yet).

Prints medians and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import httpx
import numpy as np
import pandas as pd
import uvicorn

sys.path.insert(0, str(Path(__file__).parents[1]))

from classification import Tier
from lab.api.app import create_app
from lab.catalogue.datasets import DatasetMeta, get_version
from lab.catalogue.decisions import decide
from lab.catalogue.dp_metadata import DpDeclaration, set_dp_metadata
from lab.catalogue.publishing import publish
from lab.db import transaction
from lab.gateway.projects import apply_for_project, approve_project
from lab.identity import OrganisationKind, Role, TokenKind
from lab.identity.accounts import create_organisation, create_user, issue_token
from lab.ingest.pipeline import ingest
from lab.reference import public_code_list
from lab.services import open_services
from lab.settings import LabSettings
from tests.unit.classification.identifiers import credit_code

REVENUE = "营业收入（元）"
QUERIES = {
    "Q1 count by district": 'SELECT "所属区", COUNT(*) FROM rev GROUP BY "所属区"',
    "Q2 sum+mean by district × industry": (
        f'SELECT "所属区", "行业门类", SUM("{REVENUE}"), AVG("{REVENUE}") FROM rev '
        'GROUP BY "所属区", "行业门类"'
    ),
    "Q3 median revenue": f'SELECT MEDIAN("{REVENUE}") FROM rev',
}


def build_table(rows: int, path: Path) -> None:
    rng = np.random.default_rng(3)
    units = max(1, rows // 12)
    codes = np.array([credit_code(body=f"{10000000 + i:08d}") for i in range(units)])
    districts = np.array(public_code_list("qingdao_district_name"))
    sections = np.array(public_code_list("gb4754_section"))
    unit = rng.integers(0, units, rows)
    frame = pd.DataFrame(
        {
            "统一社会信用代码": codes[unit],
            "所属区": districts[unit % len(districts)],
            "行业门类": sections[unit % len(sections)],
            REVENUE: rng.integers(0, 5_000_000, rows).astype(str),
        }
    )
    frame.to_parquet(path, index=False)


def publish_table(lab, path: Path) -> tuple[int, Path]:
    with path.open("rb") as stream:
        outcome = ingest(
            lab,
            stream,
            path.name,
            DatasetMeta(title="企业营收", department="统计局", slug="rev"),
            actor="steward",
        )
    with transaction(lab.sessions) as s:
        version = get_version(s, outcome.version_id)
        decide(s, lab.audit, version=version, tier=Tier.T3, justification="", actor="steward")
        set_dp_metadata(
            s,
            lab.audit,
            version=version,
            actor="steward",
            declaration=DpDeclaration(
                "统一社会信用代码",
                12,
                {REVENUE: (0, 5_000_000)},
                {"所属区": "qingdao_district_name", "行业门类": "gb4754_section"},
            ),
        )
    published = publish(lab, version_id=outcome.version_id, actor="steward")
    plain = path.with_name("plain.parquet")
    with lab.sealed.open_plaintext_memfd(published.objects["data.parquet"]) as source:
        plain.write_bytes(source.read())
    return outcome.version_id, plain


def sandbox_token(lab) -> str:
    with transaction(lab.sessions) as s:
        org = create_organisation(s, lab.audit, actor="b", name="银行", kind=OrganisationKind.BANK)
        user = create_user(
            s, lab.audit, actor="b", username="analyst", roles=[Role.ANALYST], organisation="银行"
        )
        project = apply_for_project(
            s,
            lab.audit,
            organisation_id=org.id,
            title="基准",
            purpose="benchmark the gateway",
            actor="analyst",
        )
        approve_project(s, lab.audit, project=project, budgets={"rev": 20.0}, actor="steward")
        return issue_token(
            s,
            lab.audit,
            actor="b",
            user=user,
            kind=TokenKind.SANDBOX,
            name="b",
            scopes=[f"project:{project.id}"],
            lifetime=timedelta(hours=2),
        ).plain


def serve(lab) -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(lab), host="127.0.0.1", port=port, log_config=None)
    threading.Thread(target=uvicorn.Server(config).run, daemon=True).start()
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    return f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as work:
        root = Path(work)
        lab = open_services(LabSettings(home=root / "home"))
        build_table(args.rows, root / "t.parquet")
        started = time.perf_counter()
        _, plain = publish_table(lab, root / "t.parquet")
        print(f"{args.rows:,} rows ingested and published in {time.perf_counter() - started:.1f} s")
        token, url = sandbox_token(lab), serve(lab)
        client = httpx.Client(
            base_url=url, timeout=600, headers={"Authorization": f"Bearer {token}"}
        )
        timings = {name: ([], []) for name in QUERIES}
        epsilon = 0.01
        for _ in range(args.repeat):
            for name, sql in QUERIES.items():
                baseline, gateway = timings[name]
                start = time.perf_counter()
                duckdb.sql(sql.replace("FROM rev", f"FROM read_parquet('{plain}')")).fetchall()
                baseline.append(time.perf_counter() - start)
                epsilon += 0.001
                start = time.perf_counter()
                response = client.post(
                    "/api/gateway/query", json={"dataset": "rev", "sql": sql, "epsilon": epsilon}
                )
                gateway.append(time.perf_counter() - start)
                response.raise_for_status()
        print(f"| query ({args.rows:,} rows) | plain DuckDB s | gateway HTTP s | ratio |")
        print("|---|---:|---:|---:|")
        for name, (baseline, gateway) in timings.items():
            b, g = statistics.median(baseline), statistics.median(gateway)
            print(f"| {name} | {b:.3f} | {g:.3f} | {g / b:.1f}× |")
        lab.close()


if __name__ == "__main__":
    main()
