"""DP gateway latency against the same non-private query and against OpenDP, in the same run.

    .venv/bin/python benchmarks/dp_gateway.py [--rows 1000000] [--repeat 3] [--no-opendp]

Generates a restricted table of ``--rows`` rows in chunks (about 12 rows per enterprise:
district, industry section — every district × section cell populated — and integer revenue;
kept in ``benchmarks/.work/`` for the next run),
ingests and publishes it through the real path (T3, encrypted, bounded to 12 rows per unit;
timed), approves a project, starts a real ``datalab serve`` process on 127.0.0.1 and, beside
it, the benchmark-only plain-SQL server (``dp_gateway_baselines.py``). After one untimed
warm-up round (the gateway's first query decrypts the table: that time is printed), it times,
interleaved over ``--repeat`` rounds, Q1 count by district (10 public keys), Q2 sum and mean of
revenue by district × industry (200 public keys), Q3 median revenue, and Q4 a join on the
privacy unit: the revenue table with a second restricted table of insured headcount (one row
per enterprise, published the same way as ``staff``), count and headcount sum by district:

* plain DuckDB in this process on the plaintext Parquet (no privacy, no HTTP);
* the same plain SQL over HTTP (same uvicorn/FastAPI stack, DuckDB kept open, no privacy);
* the gateway's ``/api/gateway/query`` over HTTP (a fresh ε near 1 each time, so no answer
  comes from its cache);
* OpenDP's Polars API on the plaintext Parquet, same ε, same bound (skipped, with the reason
  printed, when the ``bench`` extra is not installed or with ``--no-opendp``). Its plan cannot
  hold Q4's join of two private tables, so for Q4 it is given the lazily joined frame with the
  join's bound declared by hand (``dp_gateway_baselines.py`` says why; the table marks it).

Prints medians, ratios, the publish time, the gateway process's peak resident memory (VmHWM)
and the load average.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import httpx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parents[1]))
sys.path.insert(0, str(Path(__file__).parent))

from dp_gateway_baselines import (
    DISTRICT,
    HEADCOUNT,
    INDUSTRY,
    REVENUE,
    UNIT,
    OpenDpQueries,
    plain_sql,
)

from classification import Tier
from lab.catalogue.versions.datasets import DatasetMeta, get_version
from lab.catalogue.versions.decisions import decide
from lab.catalogue.versions.dp_metadata import DpDeclaration, set_dp_metadata
from lab.catalogue.versions.publishing import publish
from lab.db import transaction
from lab.gateway.org_budgets import OrganisationCaps
from lab.gateway.projects import apply_for_project, approve_project
from lab.identity import OrganisationKind, Role, TokenKind
from lab.identity.accounts import create_organisation, create_user, issue_token
from lab.ingest.pipeline import ingest
from lab.reference import public_code_list
from lab.services import open_services
from lab.settings import LabSettings
from tests.unit.classification.identifiers import credit_code

QUERIES = {
    "Q1": (
        "count by district (10 keys)",
        f'SELECT "{DISTRICT}", COUNT(*) FROM rev GROUP BY "{DISTRICT}"',
    ),
    "Q2": (
        "sum + mean by district × industry (200 keys)",
        f'SELECT "{DISTRICT}", "{INDUSTRY}", SUM("{REVENUE}"), AVG("{REVENUE}") FROM rev '
        f'GROUP BY "{DISTRICT}", "{INDUSTRY}"',
    ),
    "Q3": ("median revenue", f'SELECT MEDIAN("{REVENUE}") FROM rev'),
    "Q4": (
        "join on the unit: count + headcount sum by district (10 keys)",
        f'SELECT r."{DISTRICT}", COUNT(*), SUM(s."{HEADCOUNT}") FROM rev r '
        f'JOIN staff s ON r."{UNIT}" = s."{UNIT}" GROUP BY r."{DISTRICT}"',
    ),
}
CHUNK_UNITS = 200_000
WORK = Path(__file__).parent / ".work"  # generated tables, kept between runs (not in git)
BUDGET = 20.0  # the most a steward may grant on one dataset


def build_table(rows: int, path: Path) -> None:
    """``rows`` rows, about 12 per unit, written in chunks of units so memory stays small."""
    rng = np.random.default_rng(3)
    units = max(1, rows // 12)
    districts = np.array(public_code_list("qingdao_district_name"))
    sections = np.array(public_code_list("gb4754_section"))
    schema = pa.schema(
        [
            (UNIT, pa.string()),
            (DISTRICT, pa.string()),
            (INDUSTRY, pa.string()),
            (REVENUE, pa.int64()),
        ]
    )
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for first in range(0, units, CHUNK_UNITS):
            last = min(units, first + CHUNK_UNITS)
            count = rows * last // units - rows * first // units
            unit = rng.integers(first, last, count)
            codes = np.array([credit_code(body=f"{10000000 + i:08d}") for i in range(first, last)])
            chunk = {
                UNIT: codes[unit - first],
                DISTRICT: districts[unit % len(districts)],
                INDUSTRY: sections[(unit // len(districts)) % len(sections)],
                REVENUE: rng.integers(0, 5_000_000, count),
            }
            writer.write_table(pa.table(chunk, schema=schema))


def build_staff_table(rows: int, path: Path) -> None:
    """One row per enterprise of the revenue table: its insured headcount."""
    units = max(1, rows // 12)
    rng = np.random.default_rng(5)
    codes = [credit_code(body=f"{10000000 + i:08d}") for i in range(units)]
    table = {UNIT: codes, HEADCOUNT: rng.integers(0, 500, units)}
    pq.write_table(pa.table(table), path, compression="zstd")


REVENUE_DP = DpDeclaration(
    UNIT,
    12,
    {REVENUE: (0, 5_000_000)},
    {DISTRICT: "qingdao_district_name", INDUSTRY: "gb4754_section"},
)
STAFF_DP = DpDeclaration(UNIT, 1, {HEADCOUNT: (0, 500)}, {})


def publish_table(lab, path: Path, slug: str, declaration: DpDeclaration) -> Path:
    """Ingest, decide T3, declare DP metadata, publish; the published plaintext, for baselines."""
    with path.open("rb") as stream:
        outcome = ingest(
            lab,
            stream,
            path.name,
            DatasetMeta(title=slug, department="统计局", slug=slug),
            actor="steward",
        )
    with transaction(lab.sessions) as s:
        version = get_version(s, outcome.version_id)
        decide(s, lab.audit, version=version, tier=Tier.T3, justification="", actor="steward")
        set_dp_metadata(s, lab.audit, version=version, actor="steward", declaration=declaration)
    published = publish(lab, version_id=outcome.version_id, actor="steward")
    plain = Path(lab.settings.home).with_name(f"plain-{slug}.parquet")
    with (
        lab.sealed.open_plaintext_memfd(published.objects["data.parquet"]) as source,
        plain.open("wb") as sink,
    ):
        while block := source.read(1 << 24):
            sink.write(block)
    return plain


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
        caps = OrganisationCaps(dataset_epsilon=BUDGET, unit_epsilon=BUDGET)
        budgets = {"rev": BUDGET, "staff": BUDGET}
        approve_project(s, lab.audit, project=project, budgets=budgets, actor="steward", caps=caps)
        return issue_token(
            s,
            lab.audit,
            actor="b",
            user=user,
            kind=TokenKind.SANDBOX,
            name="b",
            scopes=[f"project:{project.id}"],
            lifetime=timedelta(hours=6),
        ).plain


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list[str], environment: dict[str, str], port: int) -> subprocess.Popen:
    """Start a server process and wait until ``/healthz`` answers."""
    server = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"{command[0]} did not start")


def serve_gateway(settings: LabSettings, port: int, cache_bytes: int) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATALAB_HOME": str(settings.home),
        "DATALAB_DATABASE_URL": settings.resolved_database_url,
        "DATALAB_GATEWAY_CACHE_BYTES": str(cache_bytes),
    }
    command = [sys.executable, "-m", "lab.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return start(command, environment, port)


def serve_plain(plain: Path, staff: Path, port: int) -> subprocess.Popen:
    script = Path(__file__).with_name("dp_gateway_baselines.py")
    command = [sys.executable, str(script), str(plain), str(staff), str(port)]
    return start(command, dict(os.environ), port)


def peak_memory_mb(pid: int) -> tuple[float, float]:
    """(VmHWM, VmRSS) of a process, in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


class Phases:
    """The timed phases of one query: each a function of ε (ignored by the non-private ones)."""

    def __init__(
        self, plain: tuple[Path, Path], gateway: httpx.Client, baseline: httpx.Client, opendp
    ) -> None:
        self.plain, self.gateway, self.baseline, self.opendp = plain, gateway, baseline, opendp
        self.database = duckdb.connect(config={"threads": 2})

    def for_query(self, name: str) -> dict:
        sql = QUERIES[name][1]
        phases = {
            "duckdb": lambda eps: self.database.sql(plain_sql(sql, *self.plain)).fetchall(),
            "plain_http": lambda eps: self.baseline.post(
                "/query", json={"sql": sql}
            ).raise_for_status(),
            "gateway": lambda eps: self.gateway.post(
                "/api/gateway/query", json={"dataset": "rev", "sql": sql, "epsilon": eps}
            ).raise_for_status(),
        }
        if self.opendp is not None and name in self.opendp.queries():
            phases["opendp"] = self.opendp.queries()[name]
        return phases


def epsilon_for(repeat: int) -> float:
    """ε per query: 1 (as DESIGN §4's peer figures) if the budget allows every query, else less."""
    return min(1.0, 0.95 * BUDGET / (len(QUERIES) * (repeat + 1)))


def run(phases: Phases, repeat: int) -> tuple[dict, float]:
    """Median seconds per (query, phase), and the first (decrypting) gateway query's time.

    Each query gets a slightly different ε (a step of 1e-6 of the base) so the gateway never
    answers from its cache; every phase gets the same ε.
    """
    base = epsilon_for(repeat)
    epsilon = iter(base * (1 - k / 1_000_000) for k in range(1_000_000))
    first_gateway = 0.0
    for name in QUERIES:  # warm-up: caches, imports, the gateway's decryption of the table
        for phase, call in phases.for_query(name).items():
            seconds = timed(lambda call=call: call(next(epsilon)))
            first_gateway = seconds if (phase, name) == ("gateway", "Q1") else first_gateway
    samples: dict = {}
    for _ in range(repeat):
        for name in QUERIES:
            for phase, call in phases.for_query(name).items():
                samples.setdefault((name, phase), []).append(
                    timed(lambda call=call: call(next(epsilon)))
                )
    return {key: statistics.median(values) for key, values in samples.items()}, first_gateway


def report(medians: dict, rows: int, opendp: bool) -> None:
    head = (
        "| query | rows | DuckDB in-process s | plain SQL over HTTP s | gateway HTTP s "
        "| ÷ in-process | ÷ plain HTTP |"
    )
    rule = "|---|---:|---:|---:|---:|---:|---:|"
    if opendp:
        head, rule = head + " OpenDP Polars s | gateway × faster |", rule + "---:|---:|"
    print(head, rule, sep="\n")
    for name, (label, _) in QUERIES.items():
        duck, http, gateway = (medians[(name, p)] for p in ("duckdb", "plain_http", "gateway"))
        line = (
            f"| {name} {label} | {rows:,} | {duck:.3f} | {http:.3f} | {gateway:.3f} "
            f"| {gateway / duck:.1f}× | {gateway / http:.2f}× |"
        )
        if opendp and (name, "opendp") not in medians:
            line += " — | — |"
        elif opendp:
            line += (
                f" {medians[(name, 'opendp')]:.3f} | {medians[(name, 'opendp')] / gateway:.1f}× |"
            )
        print(line)
    if opendp:
        print(
            "Q4's OpenDP cell: OpenDP's Polars API cannot join two private tables in its plan; "
            "it is given the lazily joined frame and the join's bound of 12 rows per unit by hand."
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-opendp", action="store_true", help="skip OpenDP's Polars API")
    args = parser.parse_args()
    missing = "--no-opendp was given" if args.no_opendp else OpenDpQueries.unavailable()
    if missing:
        print(f"OpenDP's Polars API column skipped: {missing}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    WORK.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as work:
        root = Path(work)
        settings = LabSettings(home=root / "home", ingest_max_bytes=64 * 1024**3)
        lab = open_services(settings)
        source = WORK / f"dp_gateway_{args.rows}.parquet"
        staff_source = WORK / f"dp_gateway_staff_{args.rows}.parquet"
        for path, build in ((source, build_table), (staff_source, build_staff_table)):
            if not path.exists():
                seconds = timed(lambda p=path, b=build: b(args.rows, p.with_suffix(".part")))
                path.with_suffix(".part").rename(path)
                print(f"generated {path.name} in {seconds:.1f} s (kept as {path})")
        started = time.perf_counter()
        plain = publish_table(lab, source, "rev", REVENUE_DP)
        published, size_mb = time.perf_counter() - started, plain.stat().st_size / 1e6
        staff = publish_table(lab, staff_source, "staff", STAFF_DP)
        own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"ingested and published in {published:.1f} s; plaintext {size_mb:,.0f} MB; "
            f"peak RSS of this (generating and publishing) process {own_peak:,.0f} MB"
        )
        token = sandbox_token(lab)
        cache_bytes = max(1024**3, 2 * plain.stat().st_size)
        gateway_port, plain_port = free_port(), free_port()
        gateway_server = serve_gateway(settings, gateway_port, cache_bytes)
        plain_server = serve_plain(plain, staff, plain_port)
        idle, _ = peak_memory_mb(gateway_server.pid)
        try:
            opendp = (
                None
                if missing
                else OpenDpQueries(
                    plain,
                    staff,
                    list(public_code_list("qingdao_district_name")),
                    list(public_code_list("gb4754_section")),
                )
            )
            headers = {"Authorization": f"Bearer {token}"}
            with (
                httpx.Client(
                    base_url=f"http://127.0.0.1:{gateway_port}", timeout=3600, headers=headers
                ) as gateway,
                httpx.Client(
                    base_url=f"http://127.0.0.1:{plain_port}", timeout=3600, headers=headers
                ) as baseline,
            ):
                phases = Phases((plain, staff), gateway, baseline, opendp)
                medians, first = run(phases, args.repeat)
            peak, resident = peak_memory_mb(gateway_server.pid)
        finally:
            for server in (gateway_server, plain_server):
                server.terminate()
                server.wait(timeout=60)
        print(f"gateway's first query (decrypts the table into memory): {first:.2f} s")
        print(
            f"gateway process: RSS {idle:,.0f} MB once started, peak RSS (VmHWM) {peak:,.0f} MB, "
            f"RSS at the end {resident:,.0f} MB; "
            f"the decrypted table ({size_mb:,.0f} MB) is held in a memfd (shared memory)"
        )
        print(f"ε per query: {epsilon_for(args.repeat):.3f}; budget {BUDGET}")
        report(medians, args.rows, opendp is not None)
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        lab.close()


if __name__ == "__main__":
    main()
