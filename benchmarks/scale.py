"""The gateway's three benchmark queries on DuckDB and on Spark local[2]: equal exact aggregates,
time and peak memory side by side.

    .venv/bin/python benchmarks/scale.py [--rows 10000000] [--repeat 3]

Uses ``dp_gateway.py``'s table (about 12 rows per enterprise; district, industry section,
integer revenue; generated once into ``benchmarks/.work/``) and its three queries: Q1 count by
district, Q2 sum and mean by district × industry, Q3 median. Each query is planned and compiled
once (``compile_plan``) and run by each engine's ``run`` — the exact-aggregate step of the
gateway, which is the only part that changes with the engine (ledger, cache and noise stay in
the lab and cost milliseconds). Each engine runs in its own child process, so its peak memory
(VmHWM, Spark's driver JVM included) is its own; DuckDB scans the Parquet in place, Spark gets
the columns a query reads through Arrow, as the gateway hands them over. The exact aggregates of
the two engines must be equal, or the run fails. Prints medians of ``--repeat`` runs after one
warm-up, the ratio Spark / DuckDB, Spark's start time and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
sys.path.insert(0, str(Path(__file__).parent))

from dp_gateway import QUERIES, UNIT, WORK, build_table
from dp_gateway_baselines import DISTRICT, INDUSTRY, REVENUE, REVENUE_BOUNDS

from lab.gateway.engine import DuckDBEngine
from lab.gateway.metadata import ColumnKind, TableMetadata
from lab.gateway.planner import compile_plan
from lab.gateway.query import plan_query
from lab.reference import public_code_list

TABLE = TableMetadata(
    name="rev",
    columns={
        UNIT: ColumnKind.TEXT,
        DISTRICT: ColumnKind.TEXT,
        INDUSTRY: ColumnKind.TEXT,
        REVENUE: ColumnKind.INTEGER,
    },
    privacy_unit=UNIT,
    max_rows_per_unit=12,
    bounds={REVENUE: REVENUE_BOUNDS},
    public_domains={
        DISTRICT: public_code_list("qingdao_district_name"),
        INDUSTRY: public_code_list("gb4754_section"),
    },
)


def peak_memory_mb() -> float:
    """Peak resident memory of this process and its children (Spark's JVM), in MB."""
    pids = [str(os.getpid())]
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        pids += (task / "children").read_text().split()
    total = 0
    for pid in dict.fromkeys(pids):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


def measure(engine_name: str, path: Path, repeat: int) -> dict:
    """In this (child) process: start the engine, then time each query; exact answers kept."""
    started = time.perf_counter()
    if engine_name == "spark":
        from lab.gateway.spark_engine import SparkConfig, SparkEngine

        engine = SparkEngine(SparkConfig("local[2]", "4g"))
        engine.start()
    else:
        engine = DuckDBEngine(memory_limit="4GB")
    start_seconds = time.perf_counter() - started
    times, answers = {}, {}
    for name, (_, sql) in QUERIES.items():
        compiled = compile_plan(plan_query(sql, [TABLE]))
        answers[name] = engine.run(compiled, path).to_pylist()  # warm-up, kept for equality
        runs = []
        for _ in range(repeat):
            begun = time.perf_counter()
            engine.run(compiled, path)
            runs.append(time.perf_counter() - begun)
        times[name] = statistics.median(runs)
    memory = peak_memory_mb()
    engine.close()
    return {"start": start_seconds, "times": times, "memory": memory, "answers": answers}


def in_child(engine_name: str, path: Path, repeat: int) -> dict:
    """``measure`` run in a fresh Python process."""
    command = [sys.executable, __file__, "--child", engine_name, "--path", str(path)]
    done = subprocess.run(
        [*command, "--repeat", str(repeat)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(rows: int, duck: dict, spark: dict) -> None:
    """The side-by-side table."""
    print(f"\n{rows:,} rows · medians of the timed runs · load average {os.getloadavg()[0]:.1f}")
    print(f"{'query':<48} {'DuckDB s':>9} {'Spark s':>9} {'Spark/DuckDB':>13}")
    for name, (title, _) in QUERIES.items():
        d, s = duck["times"][name], spark["times"][name]
        print(f"{name} {title:<45} {d:>9.3f} {s:>9.3f} {s / d:>12.1f}×")
    print(f"engine start: DuckDB {duck['start']:.2f} s, Spark {spark['start']:.1f} s")
    print(f"peak memory:  DuckDB {duck['memory']:.0f} MB, Spark {spark['memory']:.0f} MB")
    print("exact aggregates: equal on both engines for Q1, Q2, Q3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=["duckdb", "spark"], help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(measure(arguments.child, arguments.path, arguments.repeat), default=str))
        return
    WORK.mkdir(exist_ok=True)
    path = WORK / f"rev-{arguments.rows}.parquet"
    if not path.exists():
        print(f"generating {arguments.rows:,} rows into {path} …", flush=True)
        build_table(arguments.rows, path)
    duck = in_child("duckdb", path, arguments.repeat)
    spark = in_child("spark", path, arguments.repeat)
    if duck["answers"] != spark["answers"]:
        raise SystemExit("the engines' exact aggregates differ: this is a bug")
    report(arguments.rows, duck, spark)


if __name__ == "__main__":
    main()
