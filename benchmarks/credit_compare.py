"""Credit profile latency of several checkouts in one run, interleaved: is a change a regression?

    .venv/bin/python benchmarks/credit_compare.py before=/tmp/before after=. [--scale 100000]
        [--rounds 2] [--requests 100] [--open-requests 600] [--rate 40] [--cpu-requests 400]

Each ``NAME=CHECKOUT`` is a checkout of the lab (``git worktree add /tmp/before <commit>``).
Each one prepares its own lab with its own ``benchmarks/credit.py`` (generator, features,
scorecard, banks, consents; ``credit_prepare.py`` with ``PYTHONPATH=CHECKOUT``) and is served
by its own code (one ``datalab serve`` each, one worker). Then the phases of
``benchmarks/credit.py`` run against each server in turn, round after round, the order
rotating, so every checkout meets the same load from whatever else runs on the machine. Before
its phases, each server's own CPU time per request (closed loop, one bank, read from ``/proc``,
after a pause that lets earlier phases' timers run): unlike latency, it hardly moves with other
load.

Prints, per phase, each checkout's p50, p95 of every round, median p95 and p99, and the ratio of
its median p95 to the first checkout's; then the CPU table and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import credit as bench  # this checkout's client side of the credit benchmark

from lab.settings import LabSettings

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
FIRST_PORT = 8771
SETTLE_SECONDS = 8.0
"""Pause before a server's CPU is counted, so the timers earlier phases left (alarm checks per
operator, every ``DATALAB_CREDIT_ALARM_CHECK_SECONDS``) have run and are not counted."""


def prepare_in(checkout: Path, home: Path, plan_file: Path, args) -> None:
    """Run ``checkout``'s own preparation in a subprocess, the plan written to ``plan_file``."""
    script = Path(__file__).with_name("credit_prepare.py")
    numbers = (args.scale, args.seed, args.banks, args.consents)
    command = [sys.executable, str(script), str(checkout), str(home), str(plan_file)]
    environment = {**os.environ, "PYTHONPATH": str(checkout)}
    subprocess.run(command + [str(n) for n in numbers], env=environment, check=True)


def serve(checkout: Path, home: Path, port: int) -> subprocess.Popen:
    environment = {
        **os.environ,
        **bench.HIGH_LIMITS,
        "PYTHONPATH": str(checkout),
        "DATALAB_HOME": str(home),
        "DATALAB_DATABASE_URL": LabSettings(home=home, database_url="").resolved_database_url,
    }
    command = [sys.executable, "-m", "lab.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(  # in the checkout: ``-m`` puts the working directory first on the path
        command, cwd=checkout, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait_for(base: str) -> None:
    for _ in range(bench.STARTUP_POLLS):
        try:
            urllib.request.urlopen(f"{base}/healthz").read()  # noqa: S310 (127.0.0.1 only)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server at {base} did not start")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_per_request(server: subprocess.Popen, base: str, plan: list[dict], kind: str, args):
    """Server CPU milliseconds per request over a closed loop of one bank."""
    before = cpu_seconds(server.pid)
    bench.phase(base, plan[:1], kind, args.cpu_requests, 7)
    return (cpu_seconds(server.pid) - before) / args.cpu_requests * 1000


def measure(names: list[str], servers: dict, args) -> tuple[dict, dict, list[float]]:
    results: dict[tuple[str, str], list[dict]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    loads = [os.getloadavg()[0]]
    for name in names:  # warm-up
        _server, base, plan = servers[name]
        for kind in ("baseline", "profile"):
            bench.phase(base, plan, kind, 5, 0)
    for round_index in range(args.rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            server, base, plan = servers[name]
            time.sleep(SETTLE_SECONDS)
            for kind in ("baseline", "profile"):
                cpu.setdefault((name, kind), []).append(
                    cpu_per_request(server, base, plan, kind, args)
                )
            for phase in bench.PHASES:
                result = bench.run_phase(base, plan, phase, args, 100 * round_index + 1)
                results.setdefault((name, phase), []).append(result)
                print(f"round {round_index + 1}, {name}, {phase}: {result}", file=sys.stderr)
            loads.append(os.getloadavg()[0])
    return results, cpu, loads


def report(names: list[str], results: dict, cpu: dict, loads: list[float], args) -> None:
    print(f"\n{args.scale:,} enterprises × 24 months; {args.banks} banks; SQLite; 1 worker each")
    print(f"load average (1 min), start and after each checkout's turn: {_loads(loads)}\n")
    print("| phase | checkout | p50 ms | p95 ms by round | p95 ms (median) | p99 ms | ÷ first |")
    print("|---|---|---:|---|---:|---:|---:|")
    for phase in bench.PHASES:
        first = statistics.median(r["p95"] for r in results[(names[0], phase)])
        for name in names:
            runs = results[(name, phase)]
            p95 = statistics.median(r["p95"] for r in runs)
            print(
                f"| {phase} | {name} | {statistics.median(r['p50'] for r in runs):.1f} | "
                f"{' / '.join(format(r['p95'], '.1f') for r in runs)} | **{p95:.1f}** | "
                f"{statistics.median(r['p99'] for r in runs):.1f} | {p95 / first:.2f} |"
            )
    print("\n| request | checkout | server CPU ms per request, by round | median | ÷ first |")
    print("|---|---|---|---:|---:|")
    for kind in ("baseline", "profile"):
        first = statistics.median(cpu[(names[0], kind)])
        for name in names:
            values = cpu[(name, kind)]
            median = statistics.median(values)
            print(
                f"| {kind} | {name} | {' / '.join(format(v, '.2f') for v in values)} | "
                f"**{median:.2f}** | {median / first:.2f} |"
            )


def _loads(loads: list[float]) -> str:
    return ", ".join(f"{x:.1f}" for x in loads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkouts", nargs="*", help="NAME=CHECKOUT, the first is the reference")
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--banks", type=int, default=20)
    parser.add_argument("--consents", type=int, default=50, help="consents per bank")
    parser.add_argument("--requests", type=int, default=100, help="closed loop: per bank")
    parser.add_argument("--rate", type=float, default=40.0, help="open loop: calls/s, all banks")
    parser.add_argument("--open-requests", type=int, default=600, help="open loop: calls")
    parser.add_argument("--cpu-requests", type=int, default=400, help="CPU: closed-loop calls")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    checkouts = {n: Path(c).resolve() for n, c in (a.split("=", 1) for a in args.checkouts)}
    names, servers = list(checkouts), {}
    try:
        for index, (name, checkout) in enumerate(checkouts.items()):
            home = bench.WORK / f"compare-{name}"
            plan_file = bench.WORK / f"compare-{name}.json"
            prepare_in(checkout, home, plan_file, args)
            plan = json.loads(plan_file.read_text())["plan"]
            for bank in plan:  # before issue 13 a request named any operator it liked
                bank.setdefault("operator", "teller")
            base = f"http://127.0.0.1:{FIRST_PORT + index}"
            servers[name] = (serve(checkout, home, FIRST_PORT + index), base, plan)
        for _server, base, _plan in servers.values():
            wait_for(base)
        results, cpu, loads = measure(names, servers, args)
    finally:
        for server, _base, _plan in servers.values():
            server.terminate()
            server.wait()
    report(names, results, cpu, loads, args)


if __name__ == "__main__":
    main()
