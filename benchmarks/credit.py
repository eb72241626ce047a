"""Benchmark credit-profile requests against an authenticated no-op request, same server, same run.

    .venv/bin/python benchmarks/credit.py [--scale 100000] [--banks 20] [--requests 150]
                                          [--workers 1,2] [--rate 40] [--open-requests 600]
                                          [--database-url postgresql+psycopg://…]

Generates the demo city at ``--scale`` enterprises × 24 months (cached under
``benchmarks/.work/``), derives and stores every enterprise's features (timed: this is the
precomputation a ``datalab credit refresh`` does), trains and activates the scorecard, settles
the bulk load (a WAL checkpoint; on PostgreSQL also ``ANALYZE``), creates
``--banks`` banks with one operator token each and consents for a sample of enterprises, then
starts one real ``datalab serve --workers N`` on 127.0.0.1 per ``--workers`` value (all on the
same database) and measures, interleaved over ``--rounds`` rounds and the servers:

* baseline: ``GET /auth/me`` — token authentication and a JSON answer, nothing else;
* profile: ``POST /api/credit/profiles`` at the score level (nine in ten under a live consent,
  one in ten denied), each with its consent claim, limit counts, feature lookup, scoring,
  query-log row and hash-chained audit entry;

each in three ways:

* closed loop, 1 bank: one client thread sending its next request when the last is answered;
* closed loop, ``--banks`` banks: one such thread per bank, all at once — the saturation
  throughput of the server, where latency is mostly queueing (in flight ÷ throughput);
* open loop: the ``--banks`` banks together send ``--rate`` requests per second as a Poisson
  process (each request to a random bank, at its scheduled time, whatever is still in flight);
  a request's latency runs from its scheduled time, so time spent waiting for a free client
  thread counts too.

Prints latency percentiles, throughput, their ratios to the baseline measured the same way and
the load average, as a markdown table, then verifies the audit chain. The features are derived
from the generated files directly (the catalogue's ingest of 100k × 24 months would dominate the
run and is benchmarked elsewhere).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from lab.clock import now
from lab.credit import consent as consents
from lab.credit.aggregates import aggregate, data_as_of
from lab.credit.features import derive_all, held_scopes
from lab.credit.mapping import shipped_mapping
from lab.credit.refresh import store_features
from lab.credit.signing import lab_signer
from lab.credit.sources import LABELS, BoundSource, source_files
from lab.credit.terms import ConsentTerms
from lab.credit.training import activate, train_on
from lab.credit.vocabulary import Level, Purpose, Scope
from lab.db import transaction
from lab.db.models import Organisation
from lab.demo import generate_demo_data
from lab.demo.local_files import readable_files
from lab.identity import OrganisationKind, Role, TokenKind
from lab.identity.accounts import create_organisation, create_user, issue_token
from lab.services import open_services
from lab.settings import LabSettings

WORK = Path(__file__).resolve().parent / ".work"
STARTUP_POLLS = 3000
"""Polls of /healthz, 0.1 s apart, before giving up on a server (startup is not measured; on a
shared, loaded machine a server has taken over two minutes to start)."""
HIGH_LIMITS = {
    "DATALAB_CREDIT_BANK_PER_MINUTE": "1000000",
    "DATALAB_CREDIT_OPERATOR_PER_MINUTE": "1000000",
    "DATALAB_CREDIT_BANK_PER_DAY": "100000000",
    "DATALAB_CREDIT_OPERATOR_PER_DAY": "100000000",
    "DATALAB_CREDIT_ALARM_DISTINCT_ENTERPRISES": "1000000",
}


def demo_files(scale: int, seed: int) -> dict[str, BoundSource]:
    """The generated demo at ``scale`` (generated once, then reused), bound to the credit
    inputs by the shipped source mapping."""
    out = WORK / f"credit-{scale}-{seed}"
    if not (out / "manifest.json").exists():
        generate_demo_data(out, scale=scale, seed=seed)
    return source_files(shipped_mapping(), readable_files(out))


def timed(what: str, action):
    started = time.perf_counter()
    result = action()
    print(f"{what}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return result, time.perf_counter() - started


def prepare(settings: LabSettings, paths: dict[str, BoundSource], banks: int, per_bank: int):
    """Features stored, scorecard active, banks with tokens and consents; returns the plan."""
    lab = open_services(settings)
    as_of = data_as_of(paths, now().date())
    frame, aggregate_s = timed("aggregate", lambda: aggregate(paths, as_of))
    rows, derive_s = timed(
        "derive", lambda: list(derive_all(frame, as_of, held_scopes(set(paths))))
    )
    _, store_s = timed(
        "store", lambda: store_features(lab, rows, as_of, actor="bench", sources=sorted(paths))
    )
    activate(lab, train_on(dict(rows), paths[LABELS]), actor="bench")
    codes = [code for code, _ in rows]
    plan = _parties(lab, codes, banks, per_bank)
    lab.close()
    return plan, {"aggregate": aggregate_s, "derive": derive_s, "store": store_s, "n": len(rows)}


def _parties(lab, codes: list[str], banks: int, per_bank: int) -> list[dict]:
    signer = lab_signer(lab.signing)
    chooser = random.Random(7)
    plan = []
    scopes = frozenset(Scope)
    with transaction(lab.sessions) as session:
        for index in range(banks):
            name = f"基准测试银行{index:02d}"
            bank = create_organisation(
                session, lab.audit, actor="bench", name=name, kind=OrganisationKind.BANK
            )
            user = create_user(
                session,
                lab.audit,
                actor="bench",
                username=f"bank-op-{index:02d}",
                roles=[Role.BANK_OPERATOR],
                organisation=name,
            )
            token = issue_token(
                session,
                lab.audit,
                actor="bench",
                user=user,
                kind=TokenKind.API,
                name="bench",
                lifetime=timedelta(days=1),
            ).plain
            grants = []
            for code in chooser.sample(codes, per_bank):
                firm = Organisation(name=code, kind="enterprise", credit_code=code)
                terms = ConsentTerms(
                    code, Purpose.LOAN_APPLICATION, scopes, Level.REPORT, query_cap=1000
                )
                party = consents.Party("bench-enterprise", firm)
                granted = consents.grant(
                    session, lab.audit, signer, enterprise=party, bank=bank, terms=terms
                )
                grants.append((code, granted.id))
            plan.append({"token": token, "operator": user.username, "grants": grants})
    return plan


def _call(url: str, token: str, body: dict | None) -> float:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
        url,
        data=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310 (127.0.0.1 only)
            response.read()
    except urllib.error.HTTPError as error:
        error.read()
        if error.code != 404:
            raise
    return time.perf_counter() - started


def _requests(base: str, bank: dict, kind: str, count: int, seed: int) -> list[tuple[str, dict]]:
    chooser = random.Random(seed)
    if kind == "baseline":
        return [(f"{base}/auth/me", None)] * count
    calls = []
    for _ in range(count):
        code, consent_id = chooser.choice(bank["grants"])
        if chooser.random() < 0.1:
            consent_id = "cst_does_not_exist"
        body = {
            "credit_code": code,
            "purpose": "loan_application",
            "consent_id": consent_id,
            "level": "score",
            "operator": bank["operator"],
        }
        calls.append((f"{base}/api/credit/profiles", body))
    return calls


def _summary(latencies: list[float], elapsed: float) -> dict:
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {"p50": pick(0.5), "p95": pick(0.95), "p99": pick(0.99), "rps": len(ordered) / elapsed}


def phase(base: str, plan: list[dict], kind: str, count: int, seed: int) -> dict:
    """Closed loop: ``count`` calls from each bank's thread at once; latencies and throughput."""
    latencies: list[float] = []
    lock = threading.Lock()

    def run(bank: dict, index: int) -> None:
        mine = [
            _call(url, bank["token"], body)
            for url, body in _requests(base, bank, kind, count, seed + index)
        ]
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(b, i)) for i, b in enumerate(plan)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return _summary(latencies, time.perf_counter() - started)


OPEN_LOOP_THREADS = 48


def open_phase(base: str, plan: list[dict], kind: str, count: int, rate: float, seed: int):
    """Open loop: ``count`` calls at Poisson arrivals of ``rate``/s over all banks together.

    Each call is sent at its scheduled time by the next free client thread; its latency runs
    from the scheduled time, so a slow server cannot hide queueing by slowing the senders.
    """
    chooser = random.Random(seed)
    moments, moment = [], 0.0
    for _ in range(count):
        moment += chooser.expovariate(rate)
        moments.append(moment)
    calls = []
    for index, at in enumerate(moments):
        bank = plan[chooser.randrange(len(plan))]
        url, body = _requests(base, bank, kind, 1, seed * 1000 + index)[0]
        calls.append((at, bank["token"], url, body))
    latencies: list[float] = []
    lock = threading.Lock()
    queue = iter(calls)
    start = time.perf_counter() + 0.05

    def sender() -> None:
        while True:
            with lock:
                call = next(queue, None)
            if call is None:
                return
            at, token, url, body = call
            wait = start + at - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            _call(url, token, body)
            done = time.perf_counter() - (start + at)
            with lock:
                latencies.append(done)

    threads = [threading.Thread(target=sender) for _ in range(OPEN_LOOP_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return _summary(latencies, time.perf_counter() - start)


def settle(settings: LabSettings) -> None:
    """Finish the bulk load's deferred work before measuring: the features refresh is a nightly
    job, not something a bank's daytime calls should pay for. SQLite: checkpoint the WAL into the
    database; PostgreSQL: fresh planner statistics and a checkpoint."""
    lab = open_services(settings)
    with lab.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if lab.engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.exec_driver_sql("CHECKPOINT")
    lab.close()


def serve(settings: LabSettings, port: int, workers: int = 1) -> subprocess.Popen:
    environment = {
        **os.environ,
        **HIGH_LIMITS,
        "DATALAB_HOME": str(settings.home),
        "DATALAB_DATABASE_URL": settings.resolved_database_url,
    }
    command = [sys.executable, "-m", "lab.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    server = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(STARTUP_POLLS):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz").read()
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the server did not start")


PHASES = ("baseline_1", "profile_1", "baseline_n", "profile_n", "baseline_open", "profile_open")


def run_phase(base: str, plan: list[dict], name: str, args, seed: int) -> dict:
    kind, mode = name.split("_")
    if mode == "open":
        return open_phase(base, plan, kind, args.open_requests, args.rate, seed)
    return phase(base, plan[:1] if mode == "1" else plan, kind, args.requests, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--banks", type=int, default=20)
    parser.add_argument("--consents", type=int, default=50, help="consents per bank")
    parser.add_argument("--requests", type=int, default=150, help="closed loop: per bank")
    parser.add_argument("--rate", type=float, default=40.0, help="open loop: calls/s, all banks")
    parser.add_argument("--open-requests", type=int, default=600, help="open loop: calls")
    parser.add_argument("--workers", default="1", help="server processes, e.g. 1,2")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    paths, _ = timed("generate", lambda: demo_files(args.scale, args.seed))
    home = WORK / "credit-home"
    shutil.rmtree(home, ignore_errors=True)
    settings = LabSettings(home=home, database_url=args.database_url)
    plan, refresh = prepare(settings, paths, args.banks, args.consents)
    settle(settings)
    servers = {w: serve(settings, args.port + i, w) for i, w in enumerate(workers)}
    bases = {w: f"http://127.0.0.1:{args.port + i}" for i, w in enumerate(workers)}
    results: dict[tuple[int, str], list[dict]] = {(w, n): [] for w in workers for n in PHASES}
    loads: list[float] = [os.getloadavg()[0]]
    try:
        for w in workers:  # warm-up: every worker process of every server
            for name in ("baseline", "profile"):
                phase(bases[w], plan, name, 5, 0)
        for round_index in range(args.rounds):
            for w in workers:
                for name in PHASES:
                    result = run_phase(bases[w], plan, name, args, 100 * round_index + 1)
                    results[(w, name)].append(result)
                    print(
                        f"round {round_index + 1}, {w} worker(s), {name}: {result}", file=sys.stderr
                    )
                loads.append(os.getloadavg()[0])
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            server.wait()
    lab = open_services(settings)
    verified = lab.audit.verify()
    lab.close()
    report(args, workers, refresh, results, loads, verified, settings)


def report(args, workers, refresh, results, loads, verified, settings) -> None:
    median = {
        key: {metric: statistics.median(r[metric] for r in runs) for metric in runs[0]}
        for key, runs in results.items()
    }
    backend = settings.resolved_database_url.split(":", 1)[0]
    print(f"\n{refresh['n']:,} enterprises × 24 months; {args.banks} banks; {backend}")
    print(
        f"precompute: aggregate {refresh['aggregate']:.1f} s, derive {refresh['derive']:.1f} s, "
        f"store {refresh['store']:.1f} s"
    )
    print(
        f"load average (1 min) at start and after each server's phases in each round: "
        f"{', '.join(f'{x:.1f}' for x in loads)}\n"
    )
    print(
        "| server | request | load | p50 ms | p95 ms | p99 ms | requests/s | p95 ratio "
        "| throughput ratio |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    modes = {
        "1": "closed loop, 1 bank",
        "n": f"closed loop, {args.banks} banks",
        "open": f"open loop, {args.banks} banks, {args.rate:g}/s Poisson",
    }
    for w in workers:
        for name in PHASES:
            kind, mode = name.split("_")
            row, reference = median[(w, name)], median[(w, f"baseline_{mode}")]
            label = "baseline `GET /auth/me`" if kind == "baseline" else "profile (score)"
            print(
                f"| {w} worker(s) | {label} | {modes[mode]} | {row['p50']:.1f} | "
                f"{row['p95']:.1f} | {row['p99']:.1f} | {row['rps']:.0f} | "
                f"{row['p95'] / reference['p95']:.2f} | {row['rps'] / reference['rps']:.2f} |"
            )
    for w in workers:
        for mode in ("open", "n"):
            p95 = median[(w, f"profile_{mode}")]["p95"]
            verdict = "met" if p95 <= 100 else "NOT met"
            print(f"{w} worker(s), profile p95 {modes[mode]}: {p95:.1f} ms (≤ 100 ms): {verdict}")
    print(
        f"audit chain after the run: {'ok' if verified.ok else 'BROKEN'}, "
        f"{verified.entries} entries"
    )


if __name__ == "__main__":
    main()
